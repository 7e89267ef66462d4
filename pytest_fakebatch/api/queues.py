"""Job queues: priority, compute environment order, scheduling policy; deleting one ends its jobs."""

from __future__ import annotations

from ..model.region import Region
from ..model.resources import ComputeEnvironment, JobQueue, select
from ..scheduling.lifecycle import set_status
from .environments import STATES
from .params import check_name, paged
from .queue_actions import check_time_limit_actions
from .router import Call, Response, batch_operation
from .tags import set_create_tags, tags_of


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
    check_time_limit_actions(p, p.opt_str("jobQueueType"))
    order = _environment_order(call, required=True)
    assert order is not None
    policy = p.opt_str("schedulingPolicyArn")
    if policy is not None:
        policy = region.scheduling_policy(p.op, policy).arn
    queue = JobQueue(
        name=name,
        arn=region.arn("job-queue", name),
        state=p.choice("state", STATES, "ENABLED"),
        priority=priority,
        compute_environments=order,
        scheduling_policy_arn=policy,
        extra={k: p.raw[k] for k in ("jobStateTimeLimitActions", "jobQueueType") if k in p.raw},
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
