"""Service environments: the SageMaker training capacity a SAGEMAKER_TRAINING job queue uses."""

from __future__ import annotations

from ...model.region import Region
from ...model.resources import ServiceEnvironment, select
from ..shared.params import STATES, new_name, paged, require_disabled
from ..shared.quota_management import ENVIRONMENT, check_capacity_limits, check_new_limits, users
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import set_create_tags, tags_of


@batch_operation("CreateServiceEnvironment")
def create_service_environment(call: Call) -> Response:
    p, region = call.p, call.region
    name = new_name(
        p, "serviceEnvironmentName", "service environment", region.service_environments, region.region
    )
    env = ServiceEnvironment(
        name=name,
        arn=region.arn("service-environment", name),
        type=p.choice("serviceEnvironmentType", ("SAGEMAKER_TRAINING",)),
        state=p.choice("state", STATES, "ENABLED"),
        capacity_limits=check_capacity_limits(call, p.opt_list("capacityLimits") or [], kind=ENVIRONMENT),
    )
    set_create_tags(call, env.arn)
    region.service_environments[name] = env
    return {"serviceEnvironmentName": name, "serviceEnvironmentArn": env.arn}


def _describe(region: Region, env: ServiceEnvironment) -> Response:
    detail: Response = {
        "serviceEnvironmentName": env.name,
        "serviceEnvironmentArn": env.arn,
        "serviceEnvironmentType": env.type,
        "state": env.state,
        "status": "VALID",
        "capacityLimits": [dict(limit) for limit in env.capacity_limits],
    }
    tags = tags_of(region, env.arn)
    if tags:
        detail["tags"] = tags
    return detail


@batch_operation("DescribeServiceEnvironments")
def describe_service_environments(call: Call) -> Response:
    refs = call.p.str_list("serviceEnvironments")
    if len(refs) > 100:
        raise call.p.fail(f"serviceEnvironments takes at most 100 names or ARNs, got {len(refs)}")
    found = select(refs, call.region.service_environments)
    return paged(call.p, "serviceEnvironments", found, lambda e: _describe(call.region, e), limit=100)


@batch_operation("UpdateServiceEnvironment")
def update_service_environment(call: Call) -> Response:
    p = call.p
    env = call.region.service_environment(p.op, p.text("serviceEnvironment"))
    state = p.choice("state", STATES, env.state)
    raw = p.opt_list("capacityLimits")
    limits = env.capacity_limits if raw is None else check_capacity_limits(call, raw, kind=ENVIRONMENT)
    check_new_limits(call, env, limits)
    env.state, env.capacity_limits = state, limits  # validated: only now does it change
    return {"serviceEnvironmentName": env.name, "serviceEnvironmentArn": env.arn}


@batch_operation("DeleteServiceEnvironment")
def delete_service_environment(call: Call) -> Response:
    p, region = call.p, call.region
    env = region.service_environment(p.op, p.text("serviceEnvironment"))
    require_disabled(p, "service environment", env.name, env.state, "UpdateServiceEnvironment")
    using = [q.name for q in users(region, env)]
    if using:
        raise p.fail(f"cannot delete service environment '{env.name}': job queues {using} still use it")
    del region.service_environments[env.name]
    region.tags.pop(env.arn, None)
    return {}
