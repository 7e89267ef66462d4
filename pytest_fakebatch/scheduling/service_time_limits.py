"""A SAGEMAKER_TRAINING job queue's ``jobStateTimeLimitActions``, and SageMaker's insufficient
capacity.

AWS Batch User Guide, "Jobs stuck in RUNNABLE due to capacity": a training job that fails with a
``failedReason`` beginning with ``CapacityError`` leaves its service job RUNNABLE with the
statusReason ``CAPACITY_REASON``, and "the time the corresponding AWS Batch job spent in SCHEDULED
between job submission and failure accumulates between job submissions for comparison against
maxTimeSeconds". "Service job retry strategies": "AWS Batch retries the job automatically until
capacity becomes available ... These capacity-based retries don't consume your configured retry
attempts."

"Automatic remediation with jobStateTimeLimitActions": for these queues "the only action you can
use ... is TERMINATE"; a job stuck RUNNABLE with a reason (a MISCONFIGURATION one, set while it
blocks the front of its queue, or the capacity one) for ``maxTimeSeconds`` is terminated with the
statusReason ``Terminated by JobStateTimeLimit action due to reason: <reason>``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..executors.service import SAGEMAKER_PREFIX
from ..model.region import Region
from ..model.service import RUNNABLE, ServiceJob

CAPACITY = "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"
CAPACITY_REASON = f"{CAPACITY} - Unable to provision requested compute resources"
TERMINATED_BY_ACTION = "Terminated by JobStateTimeLimit action due to reason: "
_MISCONFIGURATION = "MISCONFIGURATION:"


def capacity_error(failure: str | None) -> bool:
    """Whether SageMaker's failure (as Batch shows it) is a lack of capacity: its
    ``failedReason`` "begins with CapacityError"."""
    return failure is not None and failure.removeprefix(SAGEMAKER_PREFIX).startswith("CapacityError")


def _code(status_reason: str | None) -> str | None:
    """The reason a time-limit action names (``CAPACITY:...``, ``MISCONFIGURATION:...``) in a
    stuck job's statusReason, or None."""
    if status_reason is None or not status_reason.startswith((CAPACITY, _MISCONFIGURATION)):
        return None
    return status_reason.split(" - ", 1)[0]


def _limit_ms(job: ServiceJob, code: str) -> int | None:
    actions = job.queue.extra.get("jobStateTimeLimitActions") or []
    limits = [
        int(a["maxTimeSeconds"]) * 1000
        for a in actions
        if a.get("state") == RUNNABLE and a.get("action") == "TERMINATE" and a.get("reason") == code
    ]
    return min(limits, default=None)


def track(region: Region, now: int) -> None:
    """Note since when each RUNNABLE job has shown a MISCONFIGURATION reason (the scheduler
    sets it on the job blocking the front of its queue, and clears it)."""
    for job in region.service_active.values():
        code = _code(job.status_reason) if job.status == RUNNABLE else None
        if code is not None and code.startswith(_MISCONFIGURATION):
            if job.blocked_since is None:
                job.blocked_since = now
        else:
            job.blocked_since = None


def due(region: Region) -> Iterator[tuple[ServiceJob, int, str]]:
    """(job, when its queue's TERMINATE action fires, the action's reason) for each stuck job
    whose queue has an action for its reason."""
    for job in region.service_active.values():
        code = _code(job.status_reason) if job.status == RUNNABLE else None
        limit = None if code is None else _limit_ms(job, code)
        if code is None or limit is None:
            continue
        if code == CAPACITY:  # time waiting for capacity, counted up to the last failure
            if job.capacity_wait_ms >= limit:
                yield job, 0, code
        elif job.blocked_since is not None:
            yield job, job.blocked_since + limit, code
