"""Compute environments, job queues and scheduling policies."""

from __future__ import annotations

import uuid
from typing import Any

from ._errors import ClientError
from ._lifecycle import set_status
from ._params import check_name, check_tags, paged
from ._router import Call, Response, batch_operation
from ._state import ComputeEnvironment, JobQueue, Region, SchedulingPolicy, lookup

_CE_TYPES = ("MANAGED", "UNMANAGED")
_CR_TYPES = ("EC2", "SPOT", "FARGATE", "FARGATE_SPOT")
_STATES = ("ENABLED", "DISABLED")


def _tags_of(region: Region, arn: str) -> dict[str, str]:
    return dict(region.tags.get(arn, {}))


def _set_create_tags(call: Call, arn: str) -> None:
    tags = check_tags(call.op, call.p.str_map("tags"))
    if tags:
        call.region.tags[arn] = tags


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
    name = check_name(p.op, "computeEnvironmentName", p.text("computeEnvironmentName"))
    if name in region.compute_environments:
        raise p.fail(f"compute environment '{name}' already exists in {region.region}")
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
        state=p.choice("state", _STATES, "ENABLED"),
        compute_resources=resources,
        service_role=p.opt_str("serviceRole"),
        unmanaged_vcpus=p.opt_int("unmanagedvCpus"),
        uuid=str(uuid.uuid4()),
        extra={k: p.raw[k] for k in ("eksConfiguration", "context") if k in p.raw},
    )
    _set_create_tags(call, env.arn)
    region.compute_environments[name] = env
    return {"computeEnvironmentName": name, "computeEnvironmentArn": env.arn}


def _describe_environment(region: Region, env: ComputeEnvironment) -> Response:
    detail: Response = {
        "computeEnvironmentName": env.name,
        "computeEnvironmentArn": env.arn,
        "ecsClusterArn": f"arn:aws:ecs:{region.region}:{region.account}:cluster/{env.name}_Batch_{env.uuid}",
        "tags": _tags_of(region, env.arn),
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


def _selected(refs: list[str], by_name: dict[str, Any]) -> list[Any]:
    """Resources named (by name or ARN) in ``refs``, in their order; unknown ones are absent."""
    if not refs:
        return list(by_name.values())
    found = (lookup(ref, by_name) for ref in dict.fromkeys(refs))
    return [item for item in found if item is not None]


@batch_operation("DescribeComputeEnvironments")
def describe_compute_environments(call: Call) -> Response:
    envs = _selected(call.p.str_list("computeEnvironments"), call.region.compute_environments)
    return paged(
        call.p, "computeEnvironments", envs, lambda e: _describe_environment(call.region, e), limit=100
    )


@batch_operation("UpdateComputeEnvironment")
def update_compute_environment(call: Call) -> Response:
    p = call.p
    env = call.region.compute_environment(p.op, p.text("computeEnvironment"))
    state = p.opt_str("state")
    if state is not None:
        env.state = p.choice("state", _STATES)
    updates = p.opt_dict("computeResources")
    if updates:
        if env.compute_resources is None:
            raise p.fail(f"compute environment '{env.name}' is UNMANAGED and has no computeResources")
        env.compute_resources = _check_compute_resources(call, {**env.compute_resources, **updates})
    if p.opt_int("unmanagedvCpus") is not None:
        env.unmanaged_vcpus = p.opt_int("unmanagedvCpus")
    if p.opt_str("serviceRole") is not None:
        env.service_role = p.opt_str("serviceRole")
    return {"computeEnvironmentName": env.name, "computeEnvironmentArn": env.arn}


@batch_operation("DeleteComputeEnvironment")
def delete_compute_environment(call: Call) -> Response:
    p, region = call.p, call.region
    env = region.compute_environment(p.op, p.text("computeEnvironment"))
    if env.state != "DISABLED":
        raise p.fail(
            f"compute environment '{env.name}' is ENABLED: disable it with "
            "UpdateComputeEnvironment(state='DISABLED') before deleting it"
        )
    users = [q.name for q in region.job_queues.values() if any(e is env for _, e in q.compute_environments)]
    if users:
        raise p.fail(f"cannot delete compute environment '{env.name}': job queues {users} still use it")
    del region.compute_environments[env.name]
    region.tags.pop(env.arn, None)
    return {}


def _environment_order(call: Call, required: bool) -> list[tuple[int, ComputeEnvironment]] | None:
    p = call.p
    raw = p.opt_list("computeEnvironmentOrder")
    if raw is None:
        if required:
            raise p.fail("computeEnvironmentOrder is required")
        return None
    if not 1 <= len(raw) <= 3:
        raise p.fail(f"computeEnvironmentOrder takes 1 to 3 compute environments, got {len(raw)}")
    order: list[tuple[int, ComputeEnvironment]] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise p.fail(f"computeEnvironmentOrder[{i}] must be an object")
        rank, ref = entry.get("order"), entry.get("computeEnvironment")
        if not isinstance(rank, int) or isinstance(rank, bool) or not isinstance(ref, str):
            raise p.fail(f"computeEnvironmentOrder[{i}] needs an integer 'order' and a 'computeEnvironment'")
        order.append((rank, call.region.compute_environment(p.op, ref)))
    ranks = [rank for rank, _ in order]
    if len(set(ranks)) != len(ranks):
        raise p.fail(f"computeEnvironmentOrder has duplicate order values {ranks}")
    if len({e.name for _, e in order}) != len(order):
        raise p.fail("computeEnvironmentOrder names the same compute environment twice")
    fargate = {
        (e.compute_resources or {}).get("type", "EC2") in ("FARGATE", "FARGATE_SPOT") for _, e in order
    }
    if len(fargate) > 1:
        raise p.fail("a job queue cannot mix Fargate and EC2 compute environments")
    return sorted(order, key=lambda item: item[0])


def _priority(call: Call, required: bool) -> int | None:
    value = call.p.integer("priority") if required else call.p.opt_int("priority")
    if value is not None and not 0 <= value <= 1000:
        raise call.p.fail(f"priority must be between 0 and 1000, got {value}")
    return value


@batch_operation("CreateJobQueue")
def create_job_queue(call: Call) -> Response:
    p, region = call.p, call.region
    name = check_name(p.op, "jobQueueName", p.text("jobQueueName"))
    if name in region.job_queues:
        raise p.fail(f"job queue '{name}' already exists in {region.region}")
    priority = _priority(call, required=True)
    assert priority is not None
    order = _environment_order(call, required=True)
    assert order is not None
    policy = p.opt_str("schedulingPolicyArn")
    if policy is not None:
        policy = region.scheduling_policy(p.op, policy).arn
    queue = JobQueue(
        name=name,
        arn=region.arn("job-queue", name),
        state=p.choice("state", _STATES, "ENABLED"),
        priority=priority,
        compute_environments=order,
        scheduling_policy_arn=policy,
        extra={k: p.raw[k] for k in ("jobStateTimeLimitActions", "jobQueueType") if k in p.raw},
    )
    _set_create_tags(call, queue.arn)
    region.job_queues[name] = queue
    return {"jobQueueName": name, "jobQueueArn": queue.arn}


def _describe_queue(region: Region, queue: JobQueue) -> Response:
    detail: Response = {
        "jobQueueName": queue.name,
        "jobQueueArn": queue.arn,
        "state": queue.state,
        "status": "VALID",
        "statusReason": "JobQueue Healthy",
        "priority": queue.priority,
        "computeEnvironmentOrder": [
            {"order": rank, "computeEnvironment": env.arn} for rank, env in queue.compute_environments
        ],
        "tags": _tags_of(region, queue.arn),
        **queue.extra,
    }
    if queue.scheduling_policy_arn:
        detail["schedulingPolicyArn"] = queue.scheduling_policy_arn
    return detail


@batch_operation("DescribeJobQueues")
def describe_job_queues(call: Call) -> Response:
    queues = _selected(call.p.str_list("jobQueues"), call.region.job_queues)
    return paged(call.p, "jobQueues", queues, lambda q: _describe_queue(call.region, q), limit=100)


@batch_operation("UpdateJobQueue")
def update_job_queue(call: Call) -> Response:
    p, region = call.p, call.region
    queue = region.job_queue(p.op, p.text("jobQueue"))
    state = p.choice("state", _STATES, queue.state)
    priority = _priority(call, required=False)
    order = _environment_order(call, required=False)
    policy = p.opt_str("schedulingPolicyArn")
    if policy is not None:
        policy = region.scheduling_policy(p.op, policy).arn
        if queue.scheduling_policy_arn is None:
            raise p.fail(
                f"job queue '{queue.name}' was created without a scheduling policy (FIFO) and cannot "
                "have one added; create a new job queue with schedulingPolicyArn"
            )
    queue.state = state
    if priority is not None:
        queue.priority = priority
    if order is not None:
        queue.compute_environments = order
    if policy is not None:
        queue.scheduling_policy_arn = policy
    if "jobStateTimeLimitActions" in p.raw:
        queue.extra["jobStateTimeLimitActions"] = p.raw["jobStateTimeLimitActions"]
    return {"jobQueueName": queue.name, "jobQueueArn": queue.arn}


@batch_operation("DeleteJobQueue")
def delete_job_queue(call: Call) -> Response:
    p, region = call.p, call.region
    queue = region.job_queue(p.op, p.text("jobQueue"))
    if queue.state != "DISABLED":
        raise p.fail(
            f"job queue '{queue.name}' is ENABLED: disable it with UpdateJobQueue(state='DISABLED') "
            "before deleting it"
        )
    reason = f"Job queue {queue.name} was deleted"
    for job in [j for j in region.jobs.values() if j.spec.queue is queue and not j.children]:
        if job.status in ("SUBMITTED", "PENDING", "RUNNABLE"):
            set_status(region, job, "FAILED", call.now(), reason)
        elif job.status in ("STARTING", "RUNNING"):
            job.is_terminated = True
            call.scheduler.stop(region, job, reason)
    del region.job_queues[queue.name]
    region.tags.pop(queue.arn, None)
    return {}


def _fairshare(call: Call) -> dict[str, Any] | None:
    policy = call.p.opt_dict("fairsharePolicy")
    if policy is None:
        return None
    shares = policy.get("shareDistribution", [])
    if not isinstance(shares, list) or len(shares) > 500:
        raise call.p.fail("fairsharePolicy.shareDistribution takes at most 500 shares")
    for i, share in enumerate(shares):
        ident = share.get("shareIdentifier") if isinstance(share, dict) else None
        if not isinstance(ident, str) or not ident:
            raise call.p.fail(f"fairsharePolicy.shareDistribution[{i}].shareIdentifier is required")
        weight = share.get("weightFactor", 1.0)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 1000:
            raise call.p.fail(
                f"fairsharePolicy.shareDistribution[{i}].weightFactor must be in (0, 1000], got {weight!r}"
            )
    return dict(policy)


@batch_operation("CreateSchedulingPolicy")
def create_scheduling_policy(call: Call) -> Response:
    p, region = call.p, call.region
    name = check_name(p.op, "name", p.text("name"))
    if name in region.scheduling_policies:
        raise p.fail(f"scheduling policy '{name}' already exists in {region.region}")
    policy = SchedulingPolicy(
        name=name,
        arn=region.arn("scheduling-policy", name),
        fairshare_policy=_fairshare(call),
        quota_share_policy=p.opt_dict("quotaSharePolicy"),
    )
    _set_create_tags(call, policy.arn)
    region.scheduling_policies[name] = policy
    return {"name": name, "arn": policy.arn}


@batch_operation("DescribeSchedulingPolicies")
def describe_scheduling_policies(call: Call) -> Response:
    p, region = call.p, call.region
    arns = p.str_list("arns")
    if not arns:
        raise p.fail("arns is required: list 1 to 500 scheduling policy ARNs")
    if len(arns) > 500:
        raise p.fail(f"arns takes at most 500 ARNs, got {len(arns)}")
    policies = []
    for policy in _selected(arns, region.scheduling_policies):
        detail: Response = {"name": policy.name, "arn": policy.arn, "tags": _tags_of(region, policy.arn)}
        if policy.fairshare_policy is not None:
            detail["fairsharePolicy"] = policy.fairshare_policy
        if policy.quota_share_policy is not None:
            detail["quotaSharePolicy"] = policy.quota_share_policy
        policies.append(detail)
    return {"schedulingPolicies": policies}


@batch_operation("ListSchedulingPolicies")
def list_scheduling_policies(call: Call) -> Response:
    policies = list(call.region.scheduling_policies.values())
    return paged(call.p, "schedulingPolicies", policies, lambda policy: {"arn": policy.arn}, limit=1000)


@batch_operation("UpdateSchedulingPolicy")
def update_scheduling_policy(call: Call) -> Response:
    policy = call.region.scheduling_policy(call.op, call.p.text("arn"))
    fairshare = _fairshare(call)
    if fairshare is not None:
        policy.fairshare_policy = fairshare
    return {}


@batch_operation("DeleteSchedulingPolicy")
def delete_scheduling_policy(call: Call) -> Response:
    p, region = call.p, call.region
    policy = region.scheduling_policy(p.op, p.text("arn"))
    users = [q.name for q in region.job_queues.values() if q.scheduling_policy_arn == policy.arn]
    if users:
        raise p.fail(f"cannot delete scheduling policy '{policy.name}': job queues {users} use it")
    del region.scheduling_policies[policy.name]
    region.tags.pop(policy.arn, None)
    return {}


@batch_operation("TagResource")
def tag_resource(call: Call) -> Response:
    p, region = call.p, call.region
    arn = _taggable(call)
    tags = p.str_map("tags")
    if not tags:
        raise p.fail("tags is required: give at least one tag")
    merged = {**region.tags.get(arn, {}), **tags}
    region.tags[arn] = check_tags(p.op, merged)
    return {}


@batch_operation("UntagResource")
def untag_resource(call: Call) -> Response:
    p, region = call.p, call.region
    arn = _taggable(call)
    keys = p.str_list("tagKeys")
    if not keys:
        raise p.fail("tagKeys is required: name at least one tag key")
    tags = region.tags.get(arn, {})
    for key in keys:
        tags.pop(key, None)
    return {}


@batch_operation("ListTagsForResource")
def list_tags_for_resource(call: Call) -> Response:
    return {"tags": _tags_of(call.region, _taggable(call))}


def _taggable(call: Call) -> str:
    arn = call.p.text("resourceArn")
    if not call.region.is_taggable(arn):
        raise ClientError(
            f"{call.op}: resource '{arn}' does not exist or cannot be tagged in "
            f"{call.region.region} for account {call.region.account}"
        )
    return arn
