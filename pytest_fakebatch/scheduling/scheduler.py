"""Moves jobs along their lifecycle when the fake is observed: no threads, no sleeps.

A *round* moves every job at most one step, later stages first, so that a test stepping the
scheduler sees each status; a *tick* repeats rounds until nothing can move any more.
"""

from __future__ import annotations

import uuid

from ..executors.base import AttemptSpec, Executor, Outcome
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
    container_memory,
    observed_status,
)
from ..model.region import Region
from ..model.resources import ComputeEnvironment
from .blocked import FrontOfQueue, expire, next_deadline
from .clock import Clock
from .lifecycle import set_status
from .ordering import offer_capacity
from .retry import should_retry

ESSENTIAL_EXITED = "Essential container in task exited"
DEPENDENCY_FAILED = "Dependent Job failed"
TIMED_OUT = "Job attempt duration exceeded timeout"
MAIN_NODE_EXITED = "Main node exited"


class Scheduler:
    def __init__(self, clock: Clock, executor: Executor) -> None:
        self.clock = clock
        self.executor = executor
        self.extra_env: dict[str, str] = {}  # added to every attempt's environment (serve())
        self._busy = False

    def tick(self, region: Region) -> None:
        """Move every job as far as it can go now."""
        while self.round(region):
            pass

    def round(self, region: Region) -> bool:
        """Move every job at most one step; whether anything moved.

        A handler that calls Batch itself (a job that submits jobs) re-enters the fake while
        a round runs: that call is answered without moving jobs, which the outer round does.
        """
        if self._busy:
            return False
        self._busy = True
        try:
            moved = expire(region, self.clock.now_ms())  # queues' jobStateTimeLimitActions
            runnable = list(region.active.get(RUNNABLE, {}).values())  # before retries re-enter
            moved |= self._collect(region)
            moved |= self._start(region)
            moved |= self._dispatch(region, runnable)
            moved |= self._recheck(region)
            moved |= self._admit(region)
        finally:
            self._busy = False
        return moved

    # SUBMITTED -> PENDING | RUNNABLE
    def _admit(self, region: Region) -> bool:
        submitted = region.active.get(SUBMITTED)
        if not submitted:
            return False
        now = self.clock.now_ms()
        for job in list(submitted.values()):
            if job.parent is not None and job.parent.status == SUBMITTED:
                set_status(region, job.parent, PENDING, now)
            if job.depends_on:
                set_status(region, job, PENDING, now)
                region.recheck.append(job)
            else:
                set_status(region, job, RUNNABLE, now)
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
            statuses = [observed_status(dep.job) for dep in job.depends_on]
            if job.is_cancelled:
                if all(s in (SUCCEEDED, FAILED) for s in statuses):
                    set_status(region, job, FAILED, now, job.status_reason)
                    moved = True
            elif FAILED in statuses:
                set_status(region, job, FAILED, now, DEPENDENCY_FAILED)
                moved = True
            elif all(s == SUCCEEDED for s in statuses):
                set_status(region, job, RUNNABLE, now)
                moved = True
        return moved

    # RUNNABLE -> STARTING, where a compute environment has room
    def _dispatch(self, region: Region, runnable: list[Job]) -> bool:
        if not runnable:
            return False
        now = self.clock.now_ms()
        # a multi-node job's other nodes hold their capacity while RUNNABLE, and launch once
        # its main node is RUNNING
        reserved = [job for job in runnable if job.running is not None and job.status == RUNNABLE]
        launched = [job for job in reserved if _main_node_running(job)]
        for job in launched:
            set_status(region, job, STARTING, now)
        runnable = [job for job in runnable if job.running is None]
        in_flight = [
            job
            for status in (STARTING, RUNNING)
            for job in region.active.get(status, {}).values()
            if job.running is not None
        ] + [job for job in reserved if job.status == RUNNABLE]
        used: dict[str, float] = {}
        for job in in_flight:
            assert job.running is not None
            ce = job.running.compute_environment
            used[ce] = used.get(ce, 0.0) + job.vcpus
        ceiling = self.executor.max_running
        slots = [len(in_flight)]
        front = FrontOfQueue(region, now)

        def try_start(job: Job) -> bool:
            group = _gang(job)
            if any(j.status != RUNNABLE for j in group):
                return False
            need = sum(j.vcpus for j in group)
            env = None if ceiling is not None and slots[0] + len(group) > ceiling else _place(job, used, need)
            if env is None:
                front.missed(group, need)
                return False
            front.placed(group)
            used[env.name] = used.get(env.name, 0.0) + need
            slots[0] += len(group)
            for member in group:  # the main node is launched first (other nodes: see above)
                member.running = Attempt(started_at=now, compute_environment=env.name)
                if len(group) == 1 or _is_main_node(member):
                    set_status(region, member, STARTING, now)
            return True

        before = slots[0]
        offer_capacity(region, runnable, in_flight, try_start)
        return slots[0] != before or bool(launched)

    # STARTING -> RUNNING: the executor starts the attempt
    def _start(self, region: Region) -> bool:
        starting = region.active.get(STARTING)
        if not starting:
            return False
        now = self.clock.now_ms()
        for job in list(starting.values()):
            attempt = job.running
            assert attempt is not None
            attempt.started_at = now
            attempt.log_stream = f"{job.spec.definition.name}/default/{uuid.uuid4().hex}"
            job.attempts.append(attempt)
            region.logs.setdefault(job.spec.log_group, {})[attempt.log_stream] = []
            set_status(region, job, RUNNING, now)  # the container sees its job RUNNING
            try:
                attempt.handle = self.executor.start(attempt_spec(job, attempt, self.extra_env), now)
            except Exception as error:  # an executor breaking its promise: fail the attempt, keep the job
                reason = f"CannotStartContainerError: {type(error).__name__}: {error}"
                self.finish(
                    region, job, Outcome(exit_code=None, reason=reason, status_reason=reason), retry=True
                )
        return True

    # RUNNING -> SUCCEEDED | FAILED | RUNNABLE (retry), and timeouts
    def _collect(self, region: Region) -> bool:
        running = region.active.get(RUNNING)
        if not running:
            return False
        now = self.clock.now_ms()
        jobs = {job.running.handle: job for job in running.values() if job.running is not None}
        finished = self.executor.poll(list(jobs), now)
        moved = False
        # a multi-node job's main node last: nodes that ended by themselves keep their outcome
        for handle, job in sorted(jobs.items(), key=lambda item: _is_main_node(item[1])):
            if job.running is None or job.running.handle is not handle:
                continue  # stopped meanwhile, by its main node's exit
            if _nodes_launching(job):
                continue  # they launch the instant the main node runs: its exit comes after
            deadline = _deadline(job)
            outcome = finished.get(handle)
            if deadline is not None and (
                (outcome is not None and (outcome.finished_at or now) > deadline)
                or (outcome is None and now >= deadline)
            ):
                stopped = self.executor.stop(handle, deadline)
                stopped.status_reason = TIMED_OUT
                stopped.finished_at = deadline
                self.finish(region, job, stopped, retry=False)
                moved = True
            elif outcome is not None:
                self.finish(region, job, outcome, retry=True)
                moved = True
        return moved

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
        for job in region.active.get(RUNNING, {}).values():
            attempt = job.running
            if attempt is not None and attempt.handle is not None:
                region.logs[job.spec.log_group][attempt.log_stream] = self.executor.logs(attempt.handle, now)

    def next_event(self, region: Region) -> int | None:
        """The earliest time a running attempt ends or times out, or a queue's time-limit action
        fires, where that is known."""
        times = []
        for job in region.active.get(RUNNING, {}).values():
            if job.running is None or job.running.handle is None:
                continue
            deadline = _deadline(job)
            if deadline is not None:
                times.append(deadline)
            finish = self.executor.finish_time(job.running.handle)
            if finish is not None:
                times.append(finish)
        deadline = next_deadline(region)
        if deadline is not None:
            times.append(deadline)
        return min(times) if times else None

    def stop(self, region: Region, job: Job, reason: str) -> None:
        """Stop the running attempt of ``job`` (TerminateJob) and fail it without retry."""
        if job.status == STARTING:
            job.running = None
            set_status(region, job, FAILED, self.clock.now_ms(), reason)
            return
        attempt = job.running
        assert attempt is not None
        outcome = self.executor.stop(attempt.handle, self.clock.now_ms())
        outcome.status_reason = reason
        self.finish(region, job, outcome, retry=False)


def _gang(job: Job) -> list[Job]:
    """The jobs whose capacity is taken together: a multi-node job's nodes on its first start,
    as AWS gets the capacity for the whole job before it launches it; otherwise the job alone.

    AWS Batch User Guide, "Job lifecycle for MNP jobs": "The main node is launched first and it
    moves to the STARTING status ... When the main node reaches the RUNNING status ... the child
    nodes are launched and they also move to the STARTING status." The other nodes wait
    RUNNABLE, their capacity held, until the main node is RUNNING."""
    parent = job.parent
    if job.is_multinode and parent is not None and not any(n.attempts for n in parent.children):
        return parent.children
    return [job]


def _place(job: Job, used: dict[str, float], need: float) -> ComputeEnvironment | None:
    """The first ENABLED environment of the job's queue with ``need`` vCPUs free. A DISABLED
    queue takes no new jobs but, as on AWS, still runs those it holds."""
    for _, env in job.spec.queue.compute_environments:
        limit = env.max_vcpus
        if env.state == "ENABLED" and (limit is None or used.get(env.name, 0.0) + need <= limit):
            return env
    return None


def _nodes_launching(job: Job) -> bool:
    """Whether ``job`` is a main node whose other nodes are still being launched."""
    if not _is_main_node(job):
        return False
    assert job.parent is not None
    return any(
        node.status == STARTING or (node.status == RUNNABLE and node.running is not None)
        for node in job.parent.children
        if node is not job
    )


def _main_node_running(node: Job) -> bool:
    parent = node.parent
    main = node.spec.main_node
    return parent is not None and main is not None and parent.children[main].status == RUNNING


def _is_main_node(job: Job) -> bool:
    return job.parent is not None and job.index == job.spec.main_node


def _deadline(job: Job) -> int | None:
    if job.spec.timeout is None or job.running is None:
        return None
    return job.running.started_at + job.spec.timeout * 1000


def attempt_spec(job: Job, attempt: Attempt, extra_env: dict[str, str]) -> AttemptSpec:
    """The container AWS would start for this attempt: command, environment and resources."""
    spec = job.spec
    container = job.container
    env = {**extra_env, **{e["name"]: e.get("value", "") for e in container.get("environment", [])}}
    env.update(
        AWS_BATCH_JOB_ID=job.id,
        AWS_BATCH_JOB_ATTEMPT=str(len(job.attempts)),
        AWS_BATCH_JQ_NAME=spec.queue.name,
        AWS_BATCH_CE_NAME=attempt.compute_environment,
    )
    if job.index is not None and spec.array_size is not None:
        env["AWS_BATCH_JOB_ARRAY_INDEX"] = str(job.index)
        env["AWS_BATCH_JOB_ARRAY_SIZE"] = str(spec.array_size)
    if job.index is not None and spec.main_node is not None and job.parent is not None:
        env["AWS_BATCH_JOB_NODE_INDEX"] = str(job.index)
        env["AWS_BATCH_JOB_NUM_NODES"] = str(len(job.parent.children))
        env["AWS_BATCH_JOB_MAIN_NODE_INDEX"] = str(spec.main_node)
        if job.index != spec.main_node:
            env["AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"] = node_address(spec.main_node)
    return AttemptSpec(
        job_id=job.id,
        job_name=spec.name,
        attempt=len(job.attempts),
        definition_name=spec.definition.name,
        queue_name=spec.queue.name,
        image=container.get("image", ""),
        command=list(container.get("command", [])),
        environment=env,
        container=container,
        vcpus=job.vcpus,
        memory_mib=container_memory(container),
        log_stream=attempt.log_stream,
        array_index=job.index,
        parameters=spec.parameters,
    )


def node_address(index: int) -> str:
    """The private IPv4 address a multi-node job's node is given (10.0.0.10 for node 0)."""
    return f"10.0.{(index + 10) // 256}.{(index + 10) % 256}"
