"""Attempts: started, collected when they end, finished (or retried), stopped; and containment.

An attempt that starts is queued as a :class:`Run`: the thread that observed it claims it, does
its work (a handler) without the lock, and records it. Each round the scheduler collects the
attempts that ended (or timed out) and finishes them: SUCCEEDED, FAILED, or back to RUNNABLE for
a retry. A bug in the fake stays with the job it hit: any exception from a step for one job ends
that job FAILED with a status reason naming the error (:meth:`Attempts.contain`).

This is where faults of running attempts belong (an executor that breaks, a reclaimed instance):
everything between the executor's start and the job's terminal status passes through here.
Imports: the model, the executors, and the scheduling modules below it (lifecycle, retry, tasks).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from ..executors.base import Executor, Outcome
from ..model.faults import FaultPlan
from ..model.jobs import (
    FAILED,
    PENDING,
    RUNNABLE,
    RUNNING,
    STARTING,
    SUBMITTED,
    SUCCEEDED,
    Job,
)
from ..model.region import Region
from .clock import Clock
from .faults import ends_reclaimed, reclaim_due
from .lifecycle import fail_broken, set_status
from .multinode import nodes_launching
from .retry import should_retry
from .tasks import TaskRunner, keeps_job_stream, leave_starting

ESSENTIAL_EXITED = "Essential container in task exited"
TIMED_OUT = "Job attempt duration exceeded timeout"
MAIN_NODE_EXITED = "Main node exited"
INTERNAL_ERROR = "pytest-fakebatch internal error"


@dataclass(eq=False)
class Run:
    """A started attempt whose work is still to be done, by the thread that claims it."""

    region: Region
    job: Job
    handle: Any
    error: Exception | None = None  # the executor broke while running it: contained on record


class Attempts:
    """The attempts of one fake's jobs: what the scheduler starts, this collects and finishes."""

    def __init__(self, clock: Clock, executor: Executor) -> None:
        self.clock = clock
        self.executor = TaskRunner(executor)  # runs ECS tasks and EKS pods container by container
        self.extra_env: dict[str, str] = {}  # added to every attempt's environment (serve())
        self._unclaimed: list[Run] = []
        self.faults = FaultPlan()  # reclaims and failed starts asked of attempts (fake.faults)

    # -- attempts' work, outside the lock ---------------------------------------------

    def claim(self) -> list[Run]:
        """The started attempts no thread has claimed yet; the caller runs them (lock held)."""
        runs, self._unclaimed = self._unclaimed, []
        return runs

    def execute(self, runs: list[Run]) -> None:
        """Do the work of claimed attempts: called WITHOUT the lock, changes no state."""
        for run in runs:
            try:
                self.executor.run(run.handle)
            except Exception as error:  # the executor broke: recorded under the lock
                run.error = error

    def record(self, runs: list[Run]) -> None:
        """After :meth:`execute`, under the lock: an executor that broke fails its job; how the
        others ended is collected by the next round's poll."""
        for run in runs:
            attempt = run.job.running
            if run.error is not None and attempt is not None and attempt.handle is run.handle:
                self.contain(run.region, run.job, run.error)

    # -- containment ---------------------------------------------------------------

    def _containing(self, region: Region, job: Job) -> _Contained:
        return _Contained(self, region, job)

    def contain(self, region: Region, job: Job, error: Exception) -> None:
        """A bug in the fake hit ``job``: end it FAILED, naming the error, wherever it was.
        A multi-node job's nodes end together (they started together and decide together)."""
        reason = f"{INTERNAL_ERROR}: {type(error).__name__}: {error}"
        now = self.clock.now_ms()
        parent = job.parent
        for target in parent.children if job.is_multinode and parent is not None else [job]:
            attempt, target.running = target.running, None
            self._unclaimed = [r for r in self._unclaimed if r.job is not target]
            if attempt is not None:
                handle, attempt.handle = attempt.handle, None
                attempt.stopped_at = max(now, attempt.started_at)
                attempt.status_reason = reason
                if handle is not None:
                    with contextlib.suppress(Exception):  # the container goes at close() anyway
                        self.executor.stop(handle, now)
            fail_broken(region, target, now, reason)

    # RUNNING -> SUCCEEDED | FAILED | RUNNABLE (retry), and timeouts
    def _collect(self, region: Region) -> bool:
        running = started(region)  # a task's job is STARTING while its containers start
        if not running:
            return False
        now = self.clock.now_ms()
        jobs = {job.running.handle: job for job in running if job.running is not None}
        try:
            finished = self.executor.poll(list(jobs), now)
        except Exception:  # find the attempts the executor breaks on: only their jobs fail
            finished = {}
            for handle, job in jobs.items():
                with self._containing(region, job):
                    finished.update(self.executor.poll([handle], now))
        for handle, job in jobs.items():  # an ECS task or EKS pod started more of its containers
            if self.executor.more_to_run(handle):
                self._unclaimed.append(Run(region, job, handle))
        moved = False
        # a multi-node job's main node last: nodes that ended by themselves keep their outcome
        for handle, job in sorted(jobs.items(), key=lambda item: is_main_node(item[1])):
            if job.running is None or job.running.handle is not handle:
                continue  # stopped meanwhile, by its main node's exit, or contained
            if nodes_launching(job):
                continue  # they launch the instant the main node runs: its exit comes after
            was = job.status
            with self._containing(region, job):
                moved |= self._collect_one(region, job, finished.get(handle), now)
            moved |= job.status != was
        return moved

    def _collect_one(self, region: Region, job: Job, outcome: Outcome | None, now: int) -> bool:
        attempt = job.running
        assert attempt is not None
        if attempt.stopping is not None:  # asked to stop: it ends as it was asked to
            if outcome is None:
                return False
            outcome.status_reason = attempt.stopping
            if attempt.stop_at is not None:
                outcome.finished_at = attempt.stop_at
            self.finish(
                region, job, outcome, retry=self.faults.attempts and ends_reclaimed(self.faults, job, outcome)
            )
            return True
        if self.faults.attempts and reclaim_due(self, region, job, now):
            return True
        if job.status == STARTING and not leave_starting(region, job, self.executor, outcome, now):
            return False
        deadline = attempt_deadline(job)
        if deadline is not None and (
            (outcome is not None and (outcome.finished_at or now) > deadline)
            or (outcome is None and now >= deadline)
        ):
            self._stop_attempt(region, job, TIMED_OUT, deadline)
            return True
        if outcome is not None:
            self.finish(region, job, outcome, retry=True)
            return True
        return False

    def finish(self, region: Region, job: Job, outcome: Outcome, *, retry: bool) -> None:
        """Record how the running attempt ended and move the job on (or back for a retry)."""
        attempt = job.running
        assert attempt is not None
        job.running = None
        attempt.handle = None
        attempt.stopped_at = max(outcome.finished_at or self.clock.now_ms(), attempt.started_at)
        attempt.exit_code = outcome.exit_code
        attempt.reason = outcome.reason
        attempt.status_reason = outcome.status_reason or ESSENTIAL_EXITED
        if keeps_job_stream(job):
            region.logs[job.spec.log_group][attempt.log_stream] = list(outcome.logs)
        if outcome.exit_code == 0 and outcome.status_reason is None:
            set_status(region, job, SUCCEEDED, attempt.stopped_at, attempt.status_reason)
        elif (
            retry
            and len(job.attempts) < job.spec.attempts
            and should_retry(job.spec.retry_rules, attempt.exit_code, attempt.reason, attempt.status_reason)
        ):
            set_status(region, job, RUNNABLE, attempt.stopped_at, attempt.status_reason)
            return
        else:
            set_status(region, job, FAILED, attempt.stopped_at, attempt.status_reason)
        if is_main_node(job):
            self._end_other_nodes(region, job)

    def _end_other_nodes(self, region: Region, main: Job) -> None:
        """The main node decided a multi-node job: the other nodes are stopped."""
        assert main.parent is not None
        for node in main.parent.children:
            if node.status in (STARTING, RUNNING):
                self.stop(region, node, MAIN_NODE_EXITED)
            elif node.status in (SUBMITTED, PENDING, RUNNABLE):
                node.running = None
                set_status(region, node, FAILED, self.clock.now_ms(), MAIN_NODE_EXITED)

    def sync_logs(self, region: Region) -> None:
        """Bring the log streams of running attempts up to now, as the awslogs driver would."""
        now = self.clock.now_ms()
        for job in started(region):  # a STARTING task's containers log too
            attempt = job.running
            if attempt is not None and attempt.handle is not None:
                with self._containing(region, job):
                    logs = self.executor.logs(attempt.handle, now)  # a task's: its containers' too
                    if keeps_job_stream(job):
                        region.logs[job.spec.log_group][attempt.log_stream] = logs

    def stop(self, region: Region, job: Job, reason: str) -> None:
        """Stop the running attempt of ``job`` (TerminateJob) and fail it without retry: at
        once where the executor stops it at once, else when a later poll sees it stopped."""
        with self._containing(region, job):
            if job.status == STARTING and (job.running is None or job.running.handle is None):
                job.running = None
                set_status(region, job, FAILED, self.clock.now_ms(), reason)
            elif job.running is not None and job.running.stopping is None:
                self._stop_attempt(region, job, reason, None)

    def _stop_attempt(self, region: Region, job: Job, reason: str, at: int | None) -> None:
        attempt = job.running
        assert attempt is not None
        attempt.stopping, attempt.stop_at = reason, at
        outcome = self.executor.stop(attempt.handle, self.clock.now_ms() if at is None else at)
        if outcome is not None:
            self._collect_one(region, job, outcome, self.clock.now_ms())


def is_main_node(job: Job) -> bool:
    return job.parent is not None and job.index == job.spec.main_node


def started(region: Region) -> list[Job]:
    """Jobs whose attempt the executor started: RUNNING, or STARTING while a task starts."""
    starting = region.active.get(STARTING, {}).values()
    started = [j for j in starting if j.running is not None and j.running.handle is not None]
    return [*started, *region.active.get(RUNNING, {}).values()]


def attempt_deadline(job: Job) -> int | None:
    if job.spec.timeout is None or job.running is None:
        return None
    return job.running.started_at + job.spec.timeout * 1000


class _Contained:
    """``with attempts._containing(region, job):`` an Exception raised inside (a bug in the fake)
    fails ``job`` alone (:meth:`Attempts.contain`) and goes no further. A class rather than a
    generator: the scheduler enters one per job it moves."""

    __slots__ = ("attempts", "job", "region")

    def __init__(self, attempts: Attempts, region: Region, job: Job) -> None:
        self.attempts, self.region, self.job = attempts, region, job

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: object) -> bool:
        if not isinstance(error, Exception):
            return False
        self.attempts.contain(self.region, self.job, error)
        return True
