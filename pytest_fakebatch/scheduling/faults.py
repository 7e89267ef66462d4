"""Attempt faults, where attempts start and are collected: a container that never starts, and
an instance reclaimed under a running attempt.

A failed start is the attempt's outcome: its container never runs, the attempt ends with no
exit code, the container's ``reason`` saying why (``CannotPullContainerError: ...``) and the
status reason ``Task failed to start``; the retry strategy then decides. A reclaim stops the
running attempt's container (Docker mode: really stopped) and ends the attempt with no exit
code and the status reason ``Host EC2 (instance i-...) terminated.``; the retry strategy and
its ``evaluateOnExit`` rules then decide, as they do on AWS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..executors.base import Outcome
from ..model.faults import RECLAIMED, START_FAILURES, TASK_FAILED_TO_START, FaultPlan
from ..model.jobs import FAILED, RUNNABLE, RUNNING, Attempt, Job
from ..model.region import Region
from .lifecycle import set_status
from .retry import should_retry

if TYPE_CHECKING:
    from .attempts import Attempts


def fails_to_start(plan: FaultPlan, region: Region, job: Job, attempt: Attempt, now: int) -> bool:
    """Whether this attempt fails to start (a ``cannot_start`` rule matches the job's image,
    definition or name): then it is recorded as AWS records it and the job moves on, to
    RUNNABLE for a retry or to FAILED. Jobs of ECS tasks, EKS pods and multi-node jobs start
    as usual."""
    if job.spec.task is not None or job.is_multinode or (job.parent is not None and job.parent.is_multinode):
        return False
    image = str(job.spec.container.get("image") or "")
    code = plan.start_failure((image, job.spec.definition.name, job.spec.name))
    if code is None:
        return False
    attempt.started_at = now
    attempt.stopped_at = now
    attempt.exit_code = None
    attempt.reason = START_FAILURES[code].format(image=image)
    attempt.status_reason = TASK_FAILED_TO_START
    job.attempts.append(attempt)
    job.running = None
    plan.record("cannot-start", job.id, attempt.reason, now)
    retry = len(job.attempts) < job.spec.attempts and should_retry(
        job.spec.retry_rules, None, attempt.reason, attempt.status_reason
    )
    set_status(region, job, RUNNABLE if retry else FAILED, now, TASK_FAILED_TO_START)
    return True


def doom(plan: FaultPlan, job: Job) -> None:
    """An attempt just started: reclaimed at its first collection if asked for or drawn."""
    if job.spec.task is None and not job.is_multinode and plan.reclaimed(job.id):
        plan.doomed[job.id] = plan.instance_id()
        plan.attempts = True


def reclaim_due(attempts: Attempts, region: Region, job: Job, now: int) -> bool:
    """Reclaim the running attempt of ``job`` now if it is doomed; whether it was."""
    plan = attempts.faults
    instance = plan.doomed.pop(job.id, None)
    if instance is None or job.status != RUNNING:
        return False
    reclaim(attempts, region, job, instance, now)
    return True


def reclaim(attempts: Attempts, region: Region, job: Job, instance: str, now: int) -> None:
    """The instance under the running attempt of ``job`` is gone: its container is stopped
    and the attempt ends with no exit code; the retry strategy decides what follows."""
    attempt = job.running
    assert attempt is not None
    reason = RECLAIMED.format(instance=instance)
    attempts.faults.record("reclaim", job.id, reason, now)
    attempt.stopping, attempt.stop_at = reason, None
    attempts.faults.stopping[job.id] = reason
    attempts.faults.attempts = True  # its poll ends it as a reclaim
    outcome = attempts.executor.stop(attempt.handle, now)
    if outcome is not None:  # stopped at once (in process); else a later poll sees it stopped
        outcome.finished_at = now
        ends_reclaimed(attempts.faults, job, outcome)
        attempts.finish(region, job, outcome, retry=True)


def ends_reclaimed(plan: FaultPlan, job: Job, outcome: Outcome) -> bool:
    """Whether the stopping attempt of ``job`` ends as a reclaim: then with no exit code and
    the reclaim's status reason (and the retry strategy decides)."""
    reason = plan.stopping.pop(job.id, None)
    if reason is None:
        return False
    outcome.exit_code, outcome.reason, outcome.status_reason = None, None, reason
    return True
