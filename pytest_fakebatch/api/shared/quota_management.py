"""Quota management's set-up rules: capacity limits in NUM_INSTANCES or in instance types, and
which service environments a job queue may use under which scheduling policy.

A service environment whose capacity limits name instance types (``ml.m5.large``) is quota
management enabled; it serves a single job queue, one whose scheduling policy has a
``quotaSharePolicy``. Other service environments count ``NUM_INSTANCES`` and serve FIFO and
fair-share job queues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...model.region import Region
from ...model.resources import NUM_INSTANCES, JobQueue, ServiceEnvironment
from .router import Call

_INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9-]+")
ENVIRONMENT, SHARE = "environment", "share"


def check_capacity_limits(call: Call, raw: list[Any], *, kind: str) -> list[dict[str, Any]]:
    """capacityLimits: 1 to 5 limits, each a maxCapacity of at least 1 in a capacityUnit, no
    unit twice. A quota share's units are instance types; a service environment's are
    NUM_INSTANCES or instance types (quota management enabled), not both."""
    p = call.p
    if not 1 <= len(raw) <= 5:
        raise p.fail(f"capacityLimits takes 1 to 5 capacity limits, got {len(raw)}")
    limits: list[dict[str, Any]] = []
    for i, limit in enumerate(raw):
        most, unit = limit.get("maxCapacity"), limit.get("capacityUnit")
        if not isinstance(most, int) or isinstance(most, bool) or most < 1:
            raise p.fail(f"capacityLimits[{i}].maxCapacity is required and must be at least 1, got {most!r}")
        if not isinstance(unit, str) or not unit:
            raise p.fail(f"capacityLimits[{i}].capacityUnit is required")
        if not (_INSTANCE_TYPE.fullmatch(unit) or (kind == ENVIRONMENT and unit == NUM_INSTANCES)):
            expected = (
                "NUM_INSTANCES, or a SageMaker training instance type such as ml.m5.large for a "
                "quota management enabled service environment"
                if kind == ENVIRONMENT
                else "a SageMaker training instance type such as ml.m5.large"
            )
            raise p.fail(f"capacityLimits[{i}].capacityUnit must be {expected}, got '{unit}'")
        limits.append({"maxCapacity": most, "capacityUnit": unit})
    seen = [lim["capacityUnit"] for lim in limits]
    if len(set(seen)) != len(seen):
        raise p.fail(f"capacityLimits names a capacityUnit twice: {seen}")
    if NUM_INSTANCES in seen and len(seen) > 1:
        raise p.fail(
            "capacityLimits mixes NUM_INSTANCES with instance types: give NUM_INSTANCES alone, or "
            "instance types only for a quota management enabled service environment"
        )
    return limits


def quota_policy(region: Region, arn: str | None) -> bool:
    """Whether the scheduling policy ``arn`` has a quotaSharePolicy."""
    policy = region.scheduling_policies.get(arn.rsplit("/", 1)[-1]) if arn else None
    return policy is not None and policy.quota_share_policy is not None


def quota_queue(call: Call, queue: JobQueue) -> bool:
    """Whether ``queue`` manages quotas: its scheduling policy has a quotaSharePolicy."""
    return quota_policy(call.region, queue.scheduling_policy_arn)


def check_queue_setup(
    call: Call,
    queue_name: str,
    policy_arn: str | None,
    services: Sequence[tuple[int, ServiceEnvironment]] | None,
) -> None:
    """A job queue (about to be created or updated to this) uses a quota-share scheduling
    policy only with a single quota management enabled service environment that no other job
    queue uses; quota management enabled service environments serve no other job queue.
    ``services`` is None for a job queue of container jobs."""
    p, quota = call.p, quota_policy(call.region, policy_arn)
    if services is None:
        if quota:
            raise p.fail(
                "a scheduling policy with a quotaSharePolicy applies to SAGEMAKER_TRAINING job queues "
                "only: quota management is supported for job queues connected to a SAGEMAKER_TRAINING "
                "service environment"
            )
        return
    envs = [env for _, env in services]
    if not quota:
        for env in envs:
            if env.quota_managed:
                raise p.fail(
                    f"service environment '{env.name}' is quota management enabled (its capacityLimits "
                    "name instance types): connect it to a job queue whose scheduling policy has a "
                    "quotaSharePolicy, or give it NUM_INSTANCES capacity limits"
                )
        return
    if len(envs) != 1:
        raise p.fail(
            "a job queue with a quotaSharePolicy takes a single service environment in "
            f"serviceEnvironmentOrder, got {len(envs)}"
        )
    (env,) = envs
    if not env.quota_managed:
        raise p.fail(
            f"service environment '{env.name}' has NUM_INSTANCES capacity limits: a job queue with a "
            "quotaSharePolicy needs a quota management enabled service environment, whose capacityLimits "
            "name instance types such as ml.m5.large"
        )
    others = [q.name for q in users(call.region, env) if q.name != queue_name]
    if others:
        raise p.fail(
            f"service environment '{env.name}' is already connected to job queue '{others[0]}': a quota "
            "management enabled service environment serves a single job queue"
        )


def users(region: Region, env: ServiceEnvironment) -> list[JobQueue]:
    """The job queues connected to ``env``."""
    return [q for q in region.job_queues.values() if any(e is env for _, e in q.service_environments)]


def check_new_limits(call: Call, env: ServiceEnvironment, limits: list[dict[str, Any]]) -> None:
    """UpdateServiceEnvironment keeps each connected job queue's set-up valid: a queue with a
    quotaSharePolicy keeps instance-type limits, any other keeps NUM_INSTANCES."""
    managed = any(limit["capacityUnit"] != NUM_INSTANCES for limit in limits)
    for queue in users(call.region, env):
        if quota_queue(call, queue) != managed:
            needs = "instance types" if not managed else "NUM_INSTANCES"
            raise call.p.fail(
                f"service environment '{env.name}' serves job queue '{queue.name}', which needs capacity "
                f"limits in {needs}: connect the job queue to another service environment first"
            )
