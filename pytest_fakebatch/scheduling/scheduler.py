"""Moves jobs along their lifecycle when the fake is observed: no threads, no sleeps.

A *round* moves every job at most one step, later stages first, so that a test stepping the
scheduler sees each status; a *tick* repeats rounds until nothing can move any more. Both run
under the fake's lock. An attempt that starts is queued as a :class:`Run`: the thread that
observed it claims it, does its work (a handler) without the lock, and records it.

A bug in the fake stays with the job it hit: any exception from a step for one job (admitting,
dispatching, starting, collecting, finishing, stopping) ends that job FAILED with a status
reason naming the error, and the scheduler goes on with the others.
"""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..executors.base import Executor, Outcome
from ..model.jobs import (
    FAILED,
    PENDING,
    RUNNABLE,
    RUNNING,
    STARTING,
    SUBMITTED,
    SUCCEEDED,
    Attempt,
    Job,
    observed_status,
)
from ..model.region import Region
from .blocked import FrontOfQueue, expire, next_deadline
from .clock import Clock
from .consumables import take
from .container import attempt_spec
from .lifecycle import fail_broken, journal_change, set_status
from .multinode import launch_other_nodes, nodes_launching
from .ordering import fitting_environment, gang, offer_capacity
from .retry import should_retry
from .service_jobs import ServiceScheduler
from .tasks import TaskRunner, keeps_job_stream, leave_starting, log_stream_name

ESSENTIAL_EXITED = "Essential container in task exited"
DEPENDENCY_FAILED = "Dependent Job failed"
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


class Scheduler:
    def __init__(self, clock: Clock, executor: Executor) -> None:
        self.clock = clock
        self.executor = TaskRunner(executor)  # runs ECS tasks and EKS pods container by container
        self.extra_env: dict[str, str] = {}  # added to every attempt's environment (serve())
        self._unclaimed: list[Run] = []
        self.services = ServiceScheduler(clock)  # service jobs (SageMaker training) tick with the rest

    def tick(self, region: Region) -> None:
        """Move every job as far as it can go now (without running the attempts it starts)."""
        while self.round(region):
            pass

    def round(self, region: Region) -> bool:
        """Move every job at most one step; whether anything moved."""
        moved = self._stage(lambda r: expire(r, self.clock.now_ms()), region)  # time-limit actions
        runnable = list(region.active.get(RUNNABLE, {}).values())  # before retries re-enter
        moved |= self._stage(self._collect, region)
        moved |= self._stage(self._start, region)
        moved |= self._stage(lambda r: self._dispatch(r, runnable), region)
        moved |= self._stage(self._recheck, region)
        moved |= self._stage(self._admit, region)
        moved |= self._stage(self.services.round, region)
        return moved

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

    @contextlib.contextmanager
    def _containing(self, region: Region, job: Job) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            self.contain(region, job, error)

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

    @staticmethod
    def _stage(step: Callable[[Region], bool], region: Region) -> bool:
        """One stage of a round. Steps contain their own jobs' failures; what escapes belongs
        to no one job, so it is reported as a warning and the round goes on."""
        try:
            return step(region)
        except Exception as error:
            warnings.warn(f"{INTERNAL_ERROR}: {type(error).__name__}: {error}", RuntimeWarning, stacklevel=2)
            return False

    # SUBMITTED -> PENDING | RUNNABLE
    def _admit(self, region: Region) -> bool:
        submitted = region.active.get(SUBMITTED)
        if not submitted:
            return False
        now = self.clock.now_ms()
        arrays: list[Job] = []  # admitted now: their PENDING event shows the children admitted too
        for job in list(submitted.values()):
            with self._containing(region, job):
                if job.parent is not None and job.parent.status == SUBMITTED:
                    set_status(region, job.parent, PENDING, now, journal=False)
                    arrays.append(job.parent)
                if job.depends_on:
                    set_status(region, job, PENDING, now)
                    region.recheck.append(job)
                else:
                    set_status(region, job, RUNNABLE, now)
        for parent in arrays:
            if not parent.is_multinode:  # a multi-node job shows its main node's moves
                journal_change(region, parent, now)
        return True

    # PENDING -> RUNNABLE | FAILED, for jobs whose dependencies moved
    def _recheck(self, region: Region) -> bool:
        if not region.recheck:
            return False
        waiting, region.recheck = region.recheck, []
        now = self.clock.now_ms()
        moved = False
        for job in dict.fromkeys(waiting):
            if job.status != PENDING:
                continue
            with self._containing(region, job):
                moved |= self._resolve(region, job, now)
            moved |= job.status != PENDING
        return moved

    def _resolve(self, region: Region, job: Job, now: int) -> bool:
        statuses = [observed_status(dep.job) for dep in job.depends_on]
        if job.is_cancelled:
            if all(s in (SUCCEEDED, FAILED) for s in statuses):
                set_status(region, job, FAILED, now, job.status_reason)
                return True
        elif FAILED in statuses:
            set_status(region, job, FAILED, now, DEPENDENCY_FAILED)
            return True
        elif all(s == SUCCEEDED for s in statuses):
            set_status(region, job, RUNNABLE, now)
            return True
        return False

    # RUNNABLE -> STARTING, where a compute environment has room
    def _dispatch(self, region: Region, runnable: list[Job]) -> bool:
        if not runnable:
            return False
        now = self.clock.now_ms()
        launched, reserved = launch_other_nodes(region, runnable, now)
        runnable = [job for job in runnable if job.running is None]
        in_flight = [
            job
            for status in (STARTING, RUNNING)
            for job in region.active.get(status, {}).values()
            if job.running is not None
        ] + reserved
        used: dict[str, float] = {}
        for job in in_flight:
            assert job.running is not None
            ce = job.running.compute_environment
            used[ce] = used.get(ce, 0.0) + job.vcpus
        ceiling = self.executor.max_running
        slots = [len(in_flight)]
        front = FrontOfQueue(region, now)

        def try_start(job: Job) -> bool:
            with self._containing(region, job):
                return place(job)
            return False

        def place(job: Job) -> bool:
            group = gang(job)
            if any(j.status != RUNNABLE for j in group):
                return False
            need = sum(j.vcpus for j in group)
            env = (
                None
                if ceiling is not None and slots[0] + len(group) > ceiling
                else fitting_environment(job, used, need)
            )
            if env is None:
                front.missed(group, need)
                return False
            front.placed(group)
            if not take(region, group):  # take: the group's consumable resources
                return False
            used[env.name] = used.get(env.name, 0.0) + need
            slots[0] += len(group)
            for member in group:  # the main node is launched first, the others by multinode.py
                member.running = Attempt(started_at=now, compute_environment=env.name)
                if len(group) == 1 or _is_main_node(member):
                    set_status(region, member, STARTING, now)
            return True

        before = len(region.active.get(RUNNABLE, {}))
        offer_capacity(region, runnable, in_flight, try_start)
        return len(region.active.get(RUNNABLE, {})) != before or bool(launched)

    # STARTING -> RUNNING: the executor starts the attempt
    def _start(self, region: Region) -> bool:
        starting = region.active.get(STARTING)
        if not starting:
            return False
        now = self.clock.now_ms()
        moved = False
        for job in list(starting.values()):
            if job.running is not None and job.running.handle is not None:
                continue  # its task's containers are starting: _collect moves it on
            with self._containing(region, job):
                self._start_one(region, job, now)
            moved = True
        return moved

    def _start_one(self, region: Region, job: Job, now: int) -> None:
        attempt = job.running
        assert attempt is not None
        attempt.started_at = now
        attempt.log_stream = log_stream_name(job, uuid.uuid4().hex)
        if keeps_job_stream(job):
            region.logs.setdefault(job.spec.log_group, {})[attempt.log_stream] = []
        job.attempts.append(attempt)
        task = job.spec.task is not None  # an ECS task or EKS pod is RUNNING once it is up
        if not task:
            set_status(region, job, RUNNING, now, journal=False)  # the container sees its job RUNNING
        try:
            spec = attempt_spec(region, job, attempt, self.extra_env)
            attempt.handle = self.executor.start_job(region, job, attempt, spec, self.extra_env, now)
        finally:
            if not task:
                journal_change(region, job, now)
        if task:
            leave_starting(region, job, self.executor, None, now)
        self._unclaimed.append(Run(region, job, attempt.handle))

    # RUNNING -> SUCCEEDED | FAILED | RUNNABLE (retry), and timeouts
    def _collect(self, region: Region) -> bool:
        running = _started(region)  # a task's job is STARTING while its containers start
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
        for handle, job in sorted(jobs.items(), key=lambda item: _is_main_node(item[1])):
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
            self.finish(region, job, outcome, retry=False)
            return True
        if job.status == STARTING and not leave_starting(region, job, self.executor, outcome, now):
            return False
        deadline = _deadline(job)
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
        if _is_main_node(job):
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
        for job in _started(region):  # a STARTING task's containers log too
            attempt = job.running
            if attempt is not None and attempt.handle is not None:
                with self._containing(region, job):
                    logs = self.executor.logs(attempt.handle, now)  # a task's: its containers' too
                    if keeps_job_stream(job):
                        region.logs[job.spec.log_group][attempt.log_stream] = logs

    def next_event(self, region: Region) -> int | None:
        """The earliest time a running attempt ends or times out, a service job's simulated work
        ends, or a queue's time-limit action fires, where that is known."""
        times = self.services.event_times(region)
        for job in _started(region):
            attempt = job.running
            if attempt is None or attempt.handle is None or attempt.stopping is not None:
                continue  # a stopping attempt ends when its executor says so
            deadline = _deadline(job) if job.status == RUNNING else None
            if deadline is not None:
                times.append(deadline)
            with self._containing(region, job):
                finish = self.executor.finish_time(attempt.handle)
                if finish is not None:
                    times.append(finish)
        deadline = next_deadline(region)
        if deadline is not None:
            times.append(deadline)
        return min(times) if times else None

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


def _is_main_node(job: Job) -> bool:
    return job.parent is not None and job.index == job.spec.main_node


def _started(region: Region) -> list[Job]:
    """Jobs whose attempt the executor started: RUNNING, or STARTING while a task starts."""
    starting = region.active.get(STARTING, {}).values()
    started = [j for j in starting if j.running is not None and j.running.handle is not None]
    return [*started, *region.active.get(RUNNING, {}).values()]


def _deadline(job: Job) -> int | None:
    if job.spec.timeout is None or job.running is None:
        return None
    return job.running.started_at + job.spec.timeout * 1000
