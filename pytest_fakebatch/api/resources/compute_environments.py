"""Compute environments: the capacity (maxvCpus) that job queues share."""

from __future__ import annotations

import uuid
from typing import Any

from ...model.region import Region
from ...model.resources import ComputeEnvironment, select
from ..shared.params import STATES, new_name, paged, require_disabled
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import set_create_tags, tags_of

_CE_TYPES = ("MANAGED", "UNMANAGED")
_CR_TYPES = ("EC2", "SPOT", "FARGATE", "FARGATE_SPOT")


def _check_compute_resources(call: Call, resources: dict[str, Any]) -> dict[str, Any]:
    """A whole computeResources (an update is checked merged with what it updates)."""
    field = "computeResources"
    kind = resources.get("type")
    if kind not in _CR_TYPES:
        raise call.p.fail(f"{field}.type must be one of {', '.join(_CR_TYPES)}, got {kind!r}")
    if "maxvCpus" not in resources:
        raise call.p.fail(f"{field}.maxvCpus is required")
    if not isinstance(resources.get("subnets"), list):
        raise call.p.fail(f"{field}.subnets is required (a list of subnet ids)")
    for key in ("minvCpus", "maxvCpus", "desiredvCpus"):
        value = resources.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise call.p.fail(f"{field}.{key} must be a whole number of vCPUs >= 0, got {value!r}")
    low, high = resources.get("minvCpus"), resources.get("maxvCpus")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise call.p.fail(f"{field}.minvCpus ({low}) cannot exceed maxvCpus ({high})")
    return resources


@batch_operation("CreateComputeEnvironment")
def create_compute_environment(call: Call) -> Response:
    p, region = call.p, call.region
    name = new_name(
        p, "computeEnvironmentName", "compute environment", region.compute_environments, region.region
    )
    kind = p.choice("type", _CE_TYPES)
    resources = p.opt_dict("computeResources")
    if kind == "MANAGED":
        if resources is None:
            raise p.fail("a MANAGED compute environment needs computeResources")
        resources = _check_compute_resources(call, dict(resources))
    elif resources is not None:
        raise p.fail("an UNMANAGED compute environment takes no computeResources")
    env = ComputeEnvironment(
        name=name,
        arn=region.arn("compute-environment", name),
        type=kind,
        state=p.choice("state", STATES, "ENABLED"),
        compute_resources=resources,
        service_role=p.opt_str("serviceRole"),
        unmanaged_vcpus=p.opt_int("unmanagedvCpus"),
        uuid=str(uuid.uuid4()),
        extra={k: p.raw[k] for k in ("eksConfiguration", "context") if k in p.raw},
    )
    set_create_tags(call, env.arn)
    region.compute_environments[name] = env
    return {"computeEnvironmentName": name, "computeEnvironmentArn": env.arn}


def _describe_environment(region: Region, env: ComputeEnvironment) -> Response:
    detail: Response = {
        "computeEnvironmentName": env.name,
        "computeEnvironmentArn": env.arn,
        "ecsClusterArn": f"arn:aws:ecs:{region.region}:{region.account}:cluster/{env.name}_Batch_{env.uuid}",
        "tags": tags_of(region, env.arn),
        "type": env.type,
        "state": env.state,
        "status": "VALID",
        "statusReason": "ComputeEnvironment Healthy",
        "uuid": env.uuid,
        "containerOrchestrationType": "EKS" if "eksConfiguration" in env.extra else "ECS",
        **env.extra,
    }
    if env.compute_resources is not None:
        detail["computeResources"] = env.compute_resources
    if env.service_role is not None:
        detail["serviceRole"] = env.service_role
    if env.unmanaged_vcpus is not None:
        detail["unmanagedvCpus"] = env.unmanaged_vcpus
    return detail


@batch_operation("DescribeComputeEnvironments")
def describe_compute_environments(call: Call) -> Response:
    envs = select(call.p.str_list("computeEnvironments"), call.region.compute_environments)
    return paged(
        call.p, "computeEnvironments", envs, lambda e: _describe_environment(call.region, e), limit=100
    )


@batch_operation("UpdateComputeEnvironment")
def update_compute_environment(call: Call) -> Response:
    p = call.p
    env = call.region.compute_environment(p.op, p.text("computeEnvironment"))
    state = p.choice("state", STATES, env.state)
    resources = env.compute_resources
    updates = p.opt_dict("computeResources")
    if updates:
        if resources is None:
            raise p.fail(f"compute environment '{env.name}' is UNMANAGED and has no computeResources")
        resources = _check_compute_resources(call, {**resources, **updates})
    unmanaged, role = p.opt_int("unmanagedvCpus"), p.opt_str("serviceRole")
    # everything is checked: only now does the environment change
    env.state, env.compute_resources = state, resources
    if unmanaged is not None:
        env.unmanaged_vcpus = unmanaged
    if role is not None:
        env.service_role = role
    return {"computeEnvironmentName": env.name, "computeEnvironmentArn": env.arn}


@batch_operation("DeleteComputeEnvironment")
def delete_compute_environment(call: Call) -> Response:
    p, region = call.p, call.region
    env = region.compute_environment(p.op, p.text("computeEnvironment"))
    require_disabled(p, "compute environment", env.name, env.state, "UpdateComputeEnvironment")
    users = [q.name for q in region.job_queues.values() if any(e is env for _, e in q.compute_environments)]
    if users:
        raise p.fail(f"cannot delete compute environment '{env.name}': job queues {users} still use it")
    del region.compute_environments[env.name]
    region.tags.pop(env.arn, None)
    return {}
