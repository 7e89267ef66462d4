"""Job queues: priority, compute environment order, scheduling policy; deleting one ends its jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ...model.region import Region
from ...model.resources import ComputeEnvironment, JobQueue, ServiceEnvironment, select
from ...scheduling.lifecycle import set_status
from ..shared.params import STATES, new_name, paged, require_disabled
from ..shared.quota_management import check_queue_setup
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import set_create_tags, tags_of
from .queue_actions import check_time_limit_actions

T = TypeVar("T")


def _ordered(
    call: Call, key: str, member: str, resolve: Callable[[str, str], T], most: int = 3
) -> list[tuple[int, T]] | None:
    """``computeEnvironmentOrder`` (1 to 3 environments) or ``serviceEnvironmentOrder`` (1:
    "Maximum number of service environments for each job queue: 1", User Guide, AWS Batch
    service quotas), each with a distinct integer ``order``, sorted by it; None when the
    request has none."""
    p = call.p
    raw = p.opt_list(key)
    if raw is None:
        return None
    if not 1 <= len(raw) <= most:
        counted = "1 environment" if most == 1 else f"1 to {most} environments"
        raise p.fail(f"{key} takes {counted}, got {len(raw)}")
    order: list[tuple[int, T]] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise p.fail(f"{key}[{i}] must be an object")
        rank, ref = entry.get("order"), entry.get(member)
        if not isinstance(rank, int) or isinstance(rank, bool) or not isinstance(ref, str):
            raise p.fail(f"{key}[{i}] needs an integer 'order' and a '{member}'")
        order.append((rank, resolve(p.op, ref)))
    ranks = [rank for rank, _ in order]
    if len(set(ranks)) != len(ranks):
        raise p.fail(f"{key} has duplicate order values {ranks}")
    if len({id(e) for _, e in order}) != len(order):
        raise p.fail(f"{key} names the same environment twice")
    return sorted(order, key=lambda item: item[0])


def _environment_order(call: Call) -> list[tuple[int, ComputeEnvironment]] | None:
    order = _ordered(call, "computeEnvironmentOrder", "computeEnvironment", call.region.compute_environment)
    fargate = {
        (e.compute_resources or {}).get("type", "EC2") in ("FARGATE", "FARGATE_SPOT") for _, e in order or []
    }
    if len(fargate) > 1:
        raise call.p.fail("a job queue cannot mix Fargate and EC2 compute environments")
    return order


def _service_order(call: Call) -> list[tuple[int, ServiceEnvironment]] | None:
    return _ordered(
        call, "serviceEnvironmentOrder", "serviceEnvironment", call.region.service_environment, most=1
    )


def _environments(
    call: Call, service: bool
) -> tuple[list[tuple[int, ComputeEnvironment]] | None, list[tuple[int, ServiceEnvironment]] | None]:
    """The queue's compute or service environments: a SAGEMAKER_TRAINING queue takes only
    serviceEnvironmentOrder, any other queue only computeEnvironmentOrder."""
    p = call.p
    given, other = ("serviceEnvironmentOrder", "computeEnvironmentOrder")[:: 1 if service else -1]
    if p.raw.get(other) not in (None, []):  # an empty list, as DescribeJobQueues answers, is none
        kind = "a SAGEMAKER_TRAINING job queue" if service else "a job queue for container jobs"
        raise p.fail(f"{other} does not apply to {kind}: give {given}")
    return (None, _service_order(call)) if service else (_environment_order(call), None)


def _priority(call: Call, required: bool) -> int | None:
    value = call.p.integer("priority") if required else call.p.opt_int("priority")
    if value is not None and not 0 <= value <= 1000:
        raise call.p.fail(f"priority must be between 0 and 1000, got {value}")
    return value


@batch_operation("CreateJobQueue")
def create_job_queue(call: Call) -> Response:
    p, region = call.p, call.region
    name = new_name(p, "jobQueueName", "job queue", region.job_queues, region.region)
    priority = _priority(call, required=True)
    assert priority is not None
    service = p.opt_str("jobQueueType") == "SAGEMAKER_TRAINING"
    check_time_limit_actions(p, p.opt_str("jobQueueType"))
    order, services = _environments(call, service)
    if (services if service else order) is None:
        raise p.fail(
            "serviceEnvironmentOrder is required for a SAGEMAKER_TRAINING job queue"
            if service
            else "computeEnvironmentOrder is required"
        )
    policy = p.opt_str("schedulingPolicyArn")
    if policy is not None:
        policy = region.scheduling_policy(p.op, policy).arn
    check_queue_setup(call, name, policy, services if service else None)
    queue = JobQueue(
        name=name,
        arn=region.arn("job-queue", name),
        state=p.choice("state", STATES, "ENABLED"),
        priority=priority,
        compute_environments=order or [],
        scheduling_policy_arn=policy,
        extra={k: p.raw[k] for k in ("jobStateTimeLimitActions", "jobQueueType") if k in p.raw},
        service_environments=services or [],
    )
    set_create_tags(call, queue.arn)
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
        "tags": tags_of(region, queue.arn),
        **queue.extra,
    }
    if queue.scheduling_policy_arn:
        detail["schedulingPolicyArn"] = queue.scheduling_policy_arn
    if queue.is_service:
        detail["serviceEnvironmentOrder"] = [
            {"order": rank, "serviceEnvironment": env.arn} for rank, env in queue.service_environments
        ]
    return detail


@batch_operation("DescribeJobQueues")
def describe_job_queues(call: Call) -> Response:
    queues = select(call.p.str_list("jobQueues"), call.region.job_queues)
    return paged(call.p, "jobQueues", queues, lambda q: _describe_queue(call.region, q), limit=100)


@batch_operation("UpdateJobQueue")
def update_job_queue(call: Call) -> Response:
    p, region = call.p, call.region
    queue = region.job_queue(p.op, p.text("jobQueue"))
    state = p.choice("state", STATES, queue.state)
    priority = _priority(call, required=False)
    check_time_limit_actions(p, queue.extra.get("jobQueueType"))
    order, services = _environments(call, queue.is_service)
    policy = p.opt_str("schedulingPolicyArn")
    if policy is not None:
        policy = region.scheduling_policy(p.op, policy).arn
        if queue.scheduling_policy_arn is None:
            raise p.fail(
                f"job queue '{queue.name}' was created without a scheduling policy (FIFO) and cannot "
                "have one added; create a new job queue with schedulingPolicyArn"
            )
    check_queue_setup(
        call,
        queue.name,
        policy or queue.scheduling_policy_arn,
        (queue.service_environments if services is None else services) if queue.is_service else None,
    )
    queue.state = state
    if priority is not None:
        queue.priority = priority
    if order is not None:
        queue.compute_environments = order
    if services is not None:
        queue.service_environments = services
    if policy is not None:
        queue.scheduling_policy_arn = policy
    if "jobStateTimeLimitActions" in p.raw:
        queue.extra["jobStateTimeLimitActions"] = p.raw["jobStateTimeLimitActions"]
    return {"jobQueueName": queue.name, "jobQueueArn": queue.arn}


@batch_operation("DeleteJobQueue")
def delete_job_queue(call: Call) -> Response:
    p, region = call.p, call.region
    queue = region.job_queue(p.op, p.text("jobQueue"))
    require_disabled(p, "job queue", queue.name, queue.state, "UpdateJobQueue")
    reason = f"Job queue {queue.name} was deleted"
    for job in [j for j in region.jobs.values() if j.spec.queue is queue and not j.children]:
        if job.status in ("SUBMITTED", "PENDING", "RUNNABLE"):
            set_status(region, job, "FAILED", call.now(), reason)
        elif job.status in ("STARTING", "RUNNING"):
            job.is_terminated = True
            call.scheduler.stop(region, job, reason)
    for service_job in [j for j in region.service_jobs.values() if j.queue is queue]:
        call.scheduler.services.terminate(region, service_job, reason)
    for share in [s for s in region.quota_shares.values() if s.queue is queue]:
        del region.quota_shares[share.arn]
        region.tags.pop(share.arn, None)
    del region.job_queues[queue.name]
    region.tags.pop(queue.arn, None)
    return {}
