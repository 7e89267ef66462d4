"""Why a service job at the front of its job queue (of its quota share) can never start.

AWS Batch User Guide, "Jobs stuck in RUNNABLE due to misconfiguration": a job that needs more
instances than the service environments' capacity limits allow (in NUM_INSTANCES, or in its
instance type for a quota management enabled environment) shows
``SERVICE_ENVIRONMENT_MAX_RESOURCE``; one that needs more than its quota share can ever give
it (its capacity limits; with LEND_AND_BORROW, those plus its borrow limit, or plus all that
the other shares can lend) shows ``QUOTA_MANAGEMENT_LIMIT_EXCEEDED``. The reason stays while
the job waits and goes once it gets capacity.
"""

from __future__ import annotations

from typing import Any

from ..model.resources import NUM_INSTANCES
from ..model.service import QuotaShare, ServiceJob

MISCONFIGURATION = "MISCONFIGURATION:"
SERVICE_ENVIRONMENT_MAX_RESOURCE = (
    "MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE - Service environment(s) associated with the job "
    "queue cannot meet the capacity requirement of the job."
)
_QUOTA = "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED - "
QUOTA_LIMITS = _QUOTA + "Job requirements exceed quota share capacity limits."
QUOTA_AND_BORROW_LIMITS = _QUOTA + "Job requirements exceed quota share capacity limits and borrow limits."
QUOTA_BORROWABLE = _QUOTA + "Job requires borrowing that exceeds all configured borrowable capacity."


def stuck_reason(job: ServiceJob, shares: list[QuotaShare]) -> str | None:
    """The misconfiguration that keeps ``job`` from ever starting, or None. ``shares`` are the
    quota shares of the job's queue."""
    envs = [env for _, env in job.queue.service_environments if env.state == "ENABLED"]
    if envs and not any(_could_hold(env.capacity_limits, job) for env in envs):
        return SERVICE_ENVIRONMENT_MAX_RESOURCE
    share = job.quota_share
    if share is None:
        return None
    own = _most(share, job.instance_type)
    if share.strategy != "LEND_AND_BORROW":
        return QUOTA_LIMITS if job.instances > own else None
    borrow_limit = share.sharing.get("borrowLimit", -1)
    if borrow_limit != -1 and job.instances > own * (1 + borrow_limit / 100):
        return QUOTA_AND_BORROW_LIMITS
    lendable = sum(
        _most(other, job.instance_type)
        for other in shares
        if other is not share and other.strategy in ("LEND", "LEND_AND_BORROW")
    )
    return QUOTA_BORROWABLE if job.instances > own + lendable else None


def _could_hold(limits: list[dict[str, Any]], job: ServiceJob) -> bool:
    """Whether an empty environment with ``limits`` has room for ``job``."""
    applicable = [lim for lim in limits if job.usage(lim.get("capacityUnit", NUM_INSTANCES))]
    return bool(applicable) and all(job.instances <= lim["maxCapacity"] for lim in applicable)


def _most(share: QuotaShare, instance_type: str) -> int:
    return sum(
        int(lim["maxCapacity"]) for lim in share.capacity_limits if lim["capacityUnit"] == instance_type
    )
