"""Jobs stuck at the front of their queue, and the queue's ``jobStateTimeLimitActions``.

AWS Batch User Guide, "Jobs stuck in RUNNABLE due to misconfiguration": when every compute
environment's ``maxvCpus`` is smaller than what the job at the head of the queue needs, the job
stays RUNNABLE with the statusReason ``MAX_RESOURCE_REASON``. "Automatic remediation with
jobStateTimeLimitActions": "When a job has been in a RUNNABLE state with the defined
statusReason, AWS Batch performs the action specified after maxTimeSeconds have elapsed"; a
cancelled job's statusReason is ``Canceled by JobStateTimeLimit action due to reason: <reason>``.

The fake tracks vCPUs only (no memory or instance types), so ``MAX_RESOURCE`` is the one reason
it can infer; a queue's actions for other reasons never fire here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..model.jobs import FAILED, RUNNABLE, Job
from ..model.journal import QUEUE_BLOCKED, record
from ..model.region import Region
from ..model.resources import JobQueue
from .lifecycle import set_status

MAX_RESOURCE = "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
MAX_RESOURCE_REASON = (
    f"{MAX_RESOURCE} - CE(s) associated with the job queue cannot meet the CPU requirement of the job."
)
CANCELED_BY_ACTION = "Canceled by JobStateTimeLimit action due to reason: "


def never_fits(queue: JobQueue, need: float) -> bool:
    """Whether ``need`` vCPUs exceed the ``maxvCpus`` of every ENABLED environment of ``queue``
    (there being at least one: a queue with none ENABLED waits without a reason)."""
    limits = [env.max_vcpus for _, env in queue.compute_environments if env.state == "ENABLED"]
    return bool(limits) and all(limit is not None and need > limit for limit in limits)


class FrontOfQueue:
    """One dispatch round's view of the head of each queue: the first job of a queue that
    capacity was offered to and that did not start is the one blocking it."""

    def __init__(self, region: Region, now: int) -> None:
        self.region = region
        self.now = now
        self._seen: set[str] = set()

    def missed(self, group: Sequence[Job], need: float) -> None:
        """``group`` (a job, or a multi-node job's nodes) got no capacity this round."""
        queue = group[0].spec.queue
        head = queue.name not in self._seen
        self._seen.add(queue.name)
        stuck = head and never_fits(queue, need)
        for job in group:
            if stuck and job.blocked_since is None:
                job.blocked_since = self.now
                job.status_reason = MAX_RESOURCE_REASON
                self.region.blocked[job.id] = job
                region = self.region  # AWS sends "Batch Job Queue Blocked" for it
                record(
                    region.journal,
                    region.region,
                    region.account,
                    job,
                    self.now,
                    QUEUE_BLOCKED,
                    region.tags.get(job.top.arn),
                )
            elif not stuck and job.blocked_since is not None:
                unblock(self.region, job)

    def placed(self, group: Sequence[Job]) -> None:
        for job in group:
            if job.blocked_since is not None:
                unblock(self.region, job)


def unblock(region: Region, job: Job) -> None:
    job.blocked_since = None
    region.blocked.pop(job.id, None)
    if job.status_reason == MAX_RESOURCE_REASON:
        job.status_reason = None


def _deadlines(region: Region) -> Iterator[tuple[Job, int, str]]:
    """(job, when its queue's action fires, the action's reason) for each blocked job whose
    queue has a CANCEL action for ``MAX_RESOURCE`` in state RUNNABLE."""
    for job in list(region.blocked.values()):
        if job.status != RUNNABLE or job.blocked_since is None:
            unblock(region, job)
            continue
        actions = job.spec.queue.extra.get("jobStateTimeLimitActions") or []
        due = [
            job.blocked_since + int(a["maxTimeSeconds"]) * 1000
            for a in actions
            if a.get("state") == RUNNABLE and a.get("action") == "CANCEL" and a.get("reason") == MAX_RESOURCE
        ]
        if due:
            yield job, min(due), MAX_RESOURCE


def next_deadline(region: Region) -> int | None:
    """When the next time-limit action fires, if any is pending."""
    return min((when for _, when, _ in _deadlines(region)), default=None)


def expire(region: Region, now: int) -> bool:
    """Carry out the time-limit actions that are due: the job is cancelled (FAILED)."""
    moved = False
    for job, when, reason in list(_deadlines(region)):
        if when <= now:
            unblock(region, job)
            job.is_cancelled = True
            job.running = None  # a multi-node job's node holds its capacity while RUNNABLE
            set_status(region, job, FAILED, when, CANCELED_BY_ACTION + reason)
            moved = True
    return moved
