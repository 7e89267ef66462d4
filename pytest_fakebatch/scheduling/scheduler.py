"""Moves jobs along their lifecycle when the fake is observed: no threads, no sleeps.

A *round* moves every job at most one step, later stages first, so that a test stepping the
scheduler sees each status; a *tick* repeats rounds until nothing can move any more. Both run
under the fake's lock. The scheduler admits submitted jobs, resolves their dependencies,
dispatches them where capacity allows and starts their attempts; collecting and finishing
attempts (and containing the fake's own bugs) is :mod:`.attempts`'s part, which it extends.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable

from ..executors.base import Executor
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
from .attempts import INTERNAL_ERROR, Attempts, Run, attempt_deadline, is_main_node, started
from .blocked import FrontOfQueue, expire, next_deadline
from .clock import Clock
from .consumables import take
from .container import attempt_spec
from .faults import doom, fails_to_start
from .lifecycle import journal_change, set_status
from .multinode import launch_other_nodes
from .ordering import fitting_environment, gang, offer_capacity
from .service_jobs import ServiceScheduler
from .tasks import keeps_job_stream, leave_starting, log_stream_name

DEPENDENCY_FAILED = "Dependent Job failed"

__all__ = ["Run", "Scheduler"]


class Scheduler(Attempts):
    def __init__(self, clock: Clock, executor: Executor) -> None:
        super().__init__(clock, executor)
        self.services = ServiceScheduler(clock)  # service jobs (SageMaker training) tick with the rest

    def tick(self, region: Region) -> None:
        """Move every job as far as it can go now (without running the attempts it starts)."""
        while self.round(region):
            pass

    def round(self, region: Region) -> bool:
        """Move every job at most one step; whether anything moved."""
        active = region.active  # nothing to move (each stage would find nothing): no stage runs
        if not (
            active.get(SUBMITTED)
            or active.get(RUNNABLE)
            or active.get(STARTING)
            or active.get(RUNNING)
            or region.recheck
            or region.blocked
            or region.service_active
        ):
            return False
        moved = self._stage(lambda r: expire(r, self.clock.now_ms()), region)  # time-limit actions
        region.waiting.round += 1  # jobs that become RUNNABLE from here on wait for the next round
        moved |= self._stage(self._collect, region)
        moved |= self._stage(self._start, region)
        moved |= self._stage(self._dispatch, region)
        moved |= self._stage(self._recheck, region)
        moved |= self._stage(self._admit, region)
        moved |= self._stage(self.services.round, region)
        return moved

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
    def _dispatch(self, region: Region) -> bool:
        if not region.waiting.lines:
            return False
        now = self.clock.now_ms()
        launched, reserved = launch_other_nodes(region, now)
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
                if len(group) == 1 or is_main_node(member):
                    set_status(region, member, STARTING, now)
            return True

        before = len(region.active.get(RUNNABLE, {}))
        offer_capacity(region, in_flight, try_start)
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
        if self.faults.attempts and fails_to_start(self.faults, region, job, attempt, now):
            return
        attempt.log_stream = log_stream_name(job, secrets.token_hex(16))
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
        if self.faults.attempts:
            doom(self.faults, job)
        self._unclaimed.append(Run(region, job, attempt.handle))

    def next_event(self, region: Region) -> int | None:
        """The earliest time a running attempt ends or times out, a service job's simulated work
        ends, or a queue's time-limit action fires, where that is known."""
        times = self.services.event_times(region)
        for job in started(region):
            attempt = job.running
            if attempt is None or attempt.handle is None or attempt.stopping is not None:
                continue  # a stopping attempt ends when its executor says so
            deadline = attempt_deadline(job) if job.status == RUNNING else None
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
