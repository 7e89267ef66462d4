"""Moves service jobs (SageMaker training jobs scheduled by Batch) along their lifecycle:
SUBMITTED -> RUNNABLE -> SCHEDULED (capacity taken) -> STARTING -> RUNNING -> SUCCEEDED | FAILED,
ticked from the same scheduler round as container jobs, one step per round.

The handler that plays the training job runs when its attempt starts RUNNING; the attempt
ends at start + the handler's simulated time (``job.sleep``). Each attempt is a training job
named ``AWSBatch<TrainingJobName><attempt id>``; what SageMaker reports shows prefixed
``Received status from SageMaker: `` (``Training job completed``, or its failure reason, which
evaluateOnExit rules match). A failure for lack of capacity (``CapacityError...``) sends the job
back to RUNNABLE without using up an attempt (``service_time_limits``).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from ..executors.service import TRAINING_COMPLETED, ServiceHandlers, ServiceJobRun, sagemaker_status
from ..model.journal import STATE_CHANGE, record
from ..model.region import Region
from ..model.service import (
    FAILED,
    IN_FLIGHT,
    RUNNABLE,
    RUNNING,
    SCHEDULED,
    SERVICE_TRANSITIONS,
    STARTING,
    SUBMITTED,
    SUCCEEDED,
    TERMINAL,
    ServiceAttempt,
    ServiceJob,
)
from .clock import Clock
from .service_capacity import Placement, _in_order, place
from .service_time_limits import CAPACITY, CAPACITY_REASON, TERMINATED_BY_ACTION, capacity_error, due, track

TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TIMED_OUT = "Job attempt duration exceeded timeout"
PREEMPTED = "Preempted: capacity was reclaimed for another job"


class IllegalServiceTransition(RuntimeError):
    """A service-job status change the table does not allow: always a bug in the fake."""


def add_service_job(region: Region, job: ServiceJob) -> None:
    """A new service job (SUBMITTED), where the scheduler finds it."""
    region.service_jobs[job.id] = job
    region.service_active[job.id] = job


def set_service_status(
    region: Region, job: ServiceJob, status: str, now_ms: int, reason: str | None = None
) -> None:
    """The one way a service job changes status, along SERVICE_TRANSITIONS; the change goes
    to the region's journal (events), where one is kept."""
    if status not in SERVICE_TRANSITIONS[job.status]:
        raise IllegalServiceTransition(f"service job {job.id}: {job.status} -> {status} is not a legal move")
    job.status = status
    if reason is not None:
        job.status_reason = reason
    if status == SCHEDULED:
        job.scheduled_at = now_ms
    elif status == RUNNABLE:
        job.runnable_at = now_ms
    elif status == RUNNING and job.started_at is None:
        job.started_at = now_ms
    if status not in IN_FLIGHT:
        job.environment = None
        job.borrowing = False
    if status in TERMINAL:
        job.stopped_at = now_ms
        region.service_active.pop(job.id, None)
    record(region.journal, region.region, region.account, job, now_ms, STATE_CHANGE, None)


class ServiceScheduler:
    """The service-job half of a scheduler round; owns the handlers that play training jobs."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.handlers = ServiceHandlers()
        self._busy = False

    def round(self, region: Region) -> bool:
        """Move every service job at most one step, later stages first; whether any moved.

        Service handlers run inside the round, under the fake's lock; one that calls Batch
        re-enters the fake, and that call moves no service job (the outer round does)."""
        if not region.service_active or self._busy:
            return False
        self._busy = True
        try:
            return self._round(region)
        finally:
            self._busy = False

    def _round(self, region: Region) -> bool:
        by_status: dict[str, list[ServiceJob]] = {}
        for job in region.service_active.values():
            by_status.setdefault(job.status, []).append(job)
        now = self.clock.now_ms()
        moved = self._collect(region, by_status.get(RUNNING, []), now)
        moved |= self._run(region, by_status.get(STARTING, []), now)
        for job in by_status.get(SCHEDULED, []):
            set_service_status(region, job, STARTING, now)
            moved = True
        moved |= self._schedule(region, by_status.get(RUNNABLE, []), now)
        for job in by_status.get(SUBMITTED, []):
            set_service_status(region, job, RUNNABLE, now)
            moved = True
        track(region, now)
        for job, when, reason in list(due(region)):  # the queue's jobStateTimeLimitActions
            if when <= now:
                self.terminate(region, job, TERMINATED_BY_ACTION + reason)
                moved = True
        return moved

    # RUNNABLE -> SCHEDULED where the service environment (and the quota share) has room
    def _schedule(self, region: Region, runnable: list[ServiceJob], now: int) -> bool:
        # a training job that failed for capacity at once is asked again once the clock moves
        runnable = [j for j in runnable if not _no_capacity_now(j, now)]
        moved = False
        for job, placement in place(region, runnable):
            self._take(region, job, placement, now)
            moved = True
        return moved

    def _take(self, region: Region, job: ServiceJob, placement: Placement, now: int) -> None:
        for victim in placement.preempt:
            self._preempt(region, victim, now)
        job.environment = placement.environment
        job.borrowing = placement.borrowing
        if (job.status_reason or "").startswith(CAPACITY):
            job.status_reason = None  # SageMaker is asked again
        # "AWSBatch<TrainingJobName><attempt id>" (User Guide, Getting started with AWS Batch on
        # SageMaker AI); the attempt id is 32 hex digits, new for every attempt
        name = f"AWSBatch{_training_job_name(job)}{uuid.uuid4().hex}"
        arn = f"arn:aws:sagemaker:{region.region}:{region.account}:training-job/{name}"
        job.running = ServiceAttempt(
            training_job_arn=arn, started_at=now, log_stream=f"{name}/algo-1-{now // 1000}"
        )
        job.attempts.append(job.running)
        set_service_status(region, job, SCHEDULED, now)  # the training job is handed to SageMaker

    # STARTING -> RUNNING: the handler plays the training job
    def _run(self, region: Region, starting: list[ServiceJob], now: int) -> bool:
        for job in starting:
            attempt = job.running
            assert attempt is not None
            attempt.started_at = now
            set_service_status(region, job, RUNNING, now)
            play = ServiceJobRun(
                job_id=job.id,
                job_name=job.name,
                attempt=len(job.attempts),
                queue=job.queue.name,
                payload=_payload(job),
                training_job_arn=attempt.training_job_arn,
                started_ms=now,
                training_job_name=attempt.training_job_arn.rsplit("/", 1)[1],
            )
            succeeded, reason = self.handlers.run(play)
            attempt.outcome = SUCCEEDED if succeeded else FAILED
            attempt.outcome_reason = (
                TRAINING_COMPLETED if succeeded or reason is None else sagemaker_status(reason)
            )
            attempt.finishes_at = now + play.elapsed_ms
            attempt.logs = play.logs
        return bool(starting)

    # RUNNING -> SUCCEEDED | FAILED | RUNNABLE (a retry), and timeouts
    def _collect(self, region: Region, running: list[ServiceJob], now: int) -> bool:
        moved = False
        for job in running:
            attempt = job.running
            assert attempt is not None
            assert attempt.finishes_at is not None
            deadline = _deadline(job, attempt)
            if deadline is not None and attempt.finishes_at > deadline and now >= deadline:
                self._end(region, job, deadline, FAILED, TIMED_OUT, retry=False)
                moved = True
            elif attempt.finishes_at <= now:
                assert attempt.outcome is not None
                self._end(
                    region, job, attempt.finishes_at, attempt.outcome, attempt.outcome_reason, retry=True
                )
                moved = True
        return moved

    def _close(self, region: Region, job: ServiceJob, at: int, reason: str | None) -> ServiceAttempt:
        """End the running attempt at ``at``: its training job's log up to then is kept."""
        attempt = job.running
        assert attempt is not None
        job.running = None
        attempt.stopped_at = max(at, attempt.started_at)
        attempt.status_reason = reason
        if attempt.outcome is not None:  # it ran: its training job's log up to now
            logs = [(ts, line) for ts, line in attempt.logs if ts <= attempt.stopped_at]
            region.logs.setdefault(TRAINING_LOG_GROUP, {})[attempt.log_stream] = logs
        return attempt

    def _end(
        self, region: Region, job: ServiceJob, at: int, outcome: str, reason: str | None, *, retry: bool
    ) -> None:
        attempt = self._close(region, job, at, reason)
        assert attempt.stopped_at is not None
        if outcome == FAILED and retry and capacity_error(reason):
            # retried until capacity comes, using up no attempt; its time waiting counts
            job.attempts.remove(attempt)
            job.capacity_attempt = attempt
            job.capacity_wait_ms += attempt.stopped_at - (job.scheduled_at or attempt.stopped_at)
            set_service_status(region, job, RUNNABLE, attempt.stopped_at, CAPACITY_REASON)
        elif outcome == FAILED and retry and _retries(job, reason):
            set_service_status(region, job, RUNNABLE, attempt.stopped_at, reason)
        else:
            set_service_status(region, job, outcome, attempt.stopped_at, reason)

    def _preempt(self, region: Region, job: ServiceJob, now: int) -> None:
        """Give the job's capacity back: it goes RUNNABLE again, or FAILED once it was
        preempted more often than its preemptionRetriesBeforeTermination. A preempted
        attempt shows in preemptionSummary, not in attempts, and uses up no retry."""
        if job.running is not None:
            attempt = self._close(region, job, now, PREEMPTED)
            job.attempts.remove(attempt)
            job.preempted.append(attempt)
        limit = (job.request.get("preemptionConfiguration") or {}).get("preemptionRetriesBeforeTermination")
        if limit is not None and len(job.preempted) > limit:
            set_service_status(region, job, FAILED, now, PREEMPTED)
        else:
            set_service_status(region, job, RUNNABLE, now, PREEMPTED)

    def terminate(self, region: Region, job: ServiceJob, reason: str) -> None:
        """TerminateServiceJob: a job not yet done ends FAILED with ``reason``, its training
        job stopped; it is not retried."""
        if job.status in TERMINAL:
            return
        now = self.clock.now_ms()
        job.is_terminated = True
        if job.running is not None:
            self._end(region, job, now, FAILED, reason, retry=False)
        else:
            set_service_status(region, job, FAILED, now, reason)

    def event_times(self, region: Region) -> list[int]:
        """When running service jobs end or time out, and when time-limit actions fire, for
        advancing the clock to them."""
        times: list[int] = [when for _, when, _ in due(region) if when > 0]
        for job in region.service_active.values():
            attempt = job.running
            if job.status == RUNNING and attempt is not None and attempt.finishes_at is not None:
                times.append(attempt.finishes_at)
                deadline = _deadline(job, attempt)
                if deadline is not None:
                    times.append(deadline)
        return times


def _payload(job: ServiceJob) -> dict[str, Any]:
    """The serviceRequestPayload (a CreateTrainingJob request; SubmitServiceJob checked it is
    a JSON object)."""
    payload: dict[str, Any] = json.loads(job.payload)
    return payload


def _training_job_name(job: ServiceJob) -> str:
    return str(_payload(job).get("TrainingJobName") or job.name)


def _no_capacity_now(job: ServiceJob, now: int) -> bool:
    """Whether the job's training job failed for capacity at ``now`` without time passing: asking
    SageMaker again at the same instant would loop for ever."""
    attempt = job.capacity_attempt
    return attempt is not None and attempt.stopped_at == now and job.scheduled_at == now


def _deadline(job: ServiceJob, attempt: ServiceAttempt) -> int | None:
    return None if job.timeout is None else attempt.started_at + job.timeout * 1000


def _retries(job: ServiceJob, reason: str | None) -> bool:
    """Attempts left, and the first evaluateOnExit rule matching the statusReason says RETRY
    (no rule matching: retry)."""
    if len(job.attempts) >= job.attempts_allowed:
        return False
    for rule in job.retry_rules:
        if status_reason_matches(rule.on_status_reason, reason):
            return rule.action == "RETRY"
    return True


def status_reason_matches(pattern: str | None, reason: str | None) -> bool:
    """A service job's ``onStatusReason`` glob: ``*`` matches any run of characters, wherever it
    stands (the User Guide's ``*CapacityError*``); every other character matches itself."""
    if pattern is None:
        return True
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, reason or "", re.DOTALL) is not None


def front_of_queue(region: Region, queue: Any) -> list[ServiceJob]:
    """The queue's RUNNABLE service jobs in the order they would be dispatched, each counted as
    holding its instances once its turn comes (a fair-share queue's next job comes from the
    share then using the fewest)."""
    waiting = [j for j in region.service_active.values() if j.queue is queue and j.status == RUNNABLE]
    held = [j for j in region.service_active.values() if j.status in IN_FLIGHT]
    order: list[ServiceJob] = []
    for job in _in_order(region, waiting, held):
        order.append(job)
        held.append(job)  # _in_order reads it: as if dispatched
    return order
