"""Attempts of several containers: an ECS task or an EKS pod, run one container at a time.

:class:`TaskRunner` is the executor the scheduler drives. A plain attempt goes straight to the
executor underneath; an ECS- or EKS-properties attempt becomes one executor attempt per
container, started in ``dependsOn`` order (EKS: init containers one after another, then the
pod's containers together), and their outcomes are combined into the attempt's:

- ECS: the first essential container to exit ends the task; the others are stopped, and the
  job's exit code and reason are that container's. A non-essential container's exit changes
  nothing. A container whose ``SUCCESS`` dependency failed never starts; if it is essential,
  the task stops there.
- EKS: a failing init container fails the pod; otherwise the pod ends when all its containers
  have exited, and the first of them (in pod order) that failed decides.

Finished containers are taken in the order they finished, so with simulated work (the
in-process executor) a container that depends on another starts when that one ended. The
executor's protocol splits an attempt into ``start`` (under the fake's lock) and ``run`` (the
work, without it): containers started while polling are run by the next thread that claims the
task's attempt (:meth:`TaskRunner.more_to_run` tells the scheduler to queue it), and no later
event of the task is taken before they have run.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..executors.base import AttemptSpec, Executor, Outcome
from ..model.jobs import Attempt, Job, container_memory, container_vcpus, log_group
from ..model.region import Region
from ..model.tasks import COMPLETE, EKS, START, SUCCESS, ContainerRun, TaskContainer, TaskPlan

_Logs = dict[str, list[tuple[int, str]]]


def log_stream_name(job: Job, task_id: str) -> str:
    """``<definition>/<container>/<task id>``: ``default`` for a plain job, else the name of the
    task's main (first essential) container; its other containers get their own name there."""
    task = job.spec.task
    return f"{job.spec.definition.name}/{'default' if task is None else task.main.name}/{task_id}"


@dataclass(eq=False)
class _Part:
    """One container of a running task."""

    container: TaskContainer
    run: ContainerRun
    spec: AttemptSpec
    sink: _Logs  # the log group its stream is in
    handle: Any = None
    ran: bool = False  # the executor's run() is done: its outcome is the executor's to report
    claimed: bool = False  # a run() has taken it (on some thread): no other run() may
    outcome: Outcome | None = None
    stopped: bool = False  # stopped because the task ended, not by itself

    @property
    def live(self) -> bool:
        return self.handle is not None and self.outcome is None

    @property
    def unrun(self) -> bool:
        return self.handle is not None and not self.ran

    @property
    def waiting(self) -> bool:
        """Started, and taken by no run() yet."""
        return self.unrun and not self.claimed


@dataclass(eq=False)
class TaskHandle:
    plan: TaskPlan
    parts: list[_Part]
    clock: int  # the time of the last event taken: a container started or ended
    decided: Outcome | None = None  # how the task ends, once it does (its containers stopping)
    outcome: Outcome | None = None  # how it ended, once every container has
    blocked: set[str] = field(default_factory=set)  # containers that can never start
    queued: bool = True  # its attempt is queued to run: started containers will be run

    def part(self, name: str) -> _Part:
        return next(p for p in self.parts if p.container.name == name)


class TaskRunner:
    """The scheduler's executor: see the module docstring."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        # run() takes a task's started containers without the fake's lock, and another thread
        # may queue the same task meanwhile: each container is claimed once, under this lock
        self._claims = threading.Lock()

    @property
    def max_running(self) -> int | None:
        return self.inner.max_running

    def start(self, spec: AttemptSpec, now_ms: int) -> Any:
        return self.inner.start(spec, now_ms)

    def start_job(
        self,
        region: Region,
        job: Job,
        attempt: Attempt,
        spec: AttemptSpec,
        extra_env: dict[str, str],
        now_ms: int,
    ) -> Any:
        """Start an attempt of ``job``: its one container, or each container of its task."""
        plan = job.spec.task
        if plan is None:
            return self.inner.start(spec, now_ms)
        task_id = attempt.log_stream.rsplit("/", 1)[-1]
        batch_env = {k: v for k, v in spec.environment.items() if k.startswith("AWS_BATCH_")}
        if plan.kind == EKS:
            node_uid = str(uuid.UUID(task_id))
            attempt.pod = (f"aws-batch.{uuid.uuid4()}", _node_name(task_id), node_uid)
            batch_env["AWS_BATCH_JOB_KUBERNETES_NODE_UID"] = node_uid
        parts = []
        for container in plan.containers:
            props = container.props
            group = log_group(props)
            stream = f"{job.spec.definition.name}/{container.name}/{task_id}"
            run = ContainerRun(container.name, container.init, group, stream)
            attempt.containers.append(run)
            sink = region.logs.setdefault(group, {})
            sink[stream] = []
            own_env = {e["name"]: e.get("value", "") for e in props.get("environment", [])}
            part_spec = dataclasses.replace(
                spec,
                image=props.get("image", ""),
                command=list(props.get("command", [])),
                environment={**extra_env, **own_env, **batch_env},
                container=props,
                vcpus=container_vcpus(props),
                memory_mib=container_memory(props),
                log_stream=stream,
                container_name=container.name,
            )
            parts.append(_Part(container, run, part_spec, sink))
        task = TaskHandle(plan, parts, now_ms)
        self._advance(task, now_ms, None)
        return task

    def run(self, handle: Any) -> None:
        """The work of the containers started since the last run (without the fake's lock)."""
        if not isinstance(handle, TaskHandle):
            self.inner.run(handle)
            return
        with self._claims:
            handle.queued = False
            mine = [part for part in handle.parts if part.waiting]
            for part in mine:
                part.claimed = True
        for part in mine:
            self.inner.run(part.handle)
            part.ran = True

    def more_to_run(self, handle: Any) -> bool:
        """Whether ``handle`` (a task) started containers that no queued run will run yet;
        the scheduler then queues its attempt to be run again."""
        if not isinstance(handle, TaskHandle):
            return False
        with self._claims:
            if handle.queued or not any(p.waiting for p in handle.parts):
                return False
            handle.queued = True
            return True

    def poll(self, handles: Sequence[Any], now_ms: int) -> dict[Any, Outcome]:
        tasks = [h for h in handles if isinstance(h, TaskHandle)]
        plain = [h for h in handles if not isinstance(h, TaskHandle)]
        inner = plain + [p.handle for t in tasks if t.outcome is None for p in t.parts if p.live]
        done = self.inner.poll(inner, now_ms) if inner else {}
        result = {h: done[h] for h in plain if h in done}
        for task in tasks:
            if task.outcome is None:
                self._advance(task, now_ms, done)
            if task.outcome is not None:
                result[task] = task.outcome
        return result

    def logs(self, handle: Any, now_ms: int) -> list[tuple[int, str]]:
        if not isinstance(handle, TaskHandle):
            return self.inner.logs(handle, now_ms)
        for part in handle.parts:
            if part.live:
                part.sink[part.run.log_stream] = self.inner.logs(part.handle, now_ms)
        main = handle.part(handle.plan.main.name)
        return list(main.sink[main.run.log_stream])

    def finish_time(self, handle: Any) -> int | None:
        if not isinstance(handle, TaskHandle):
            return self.inner.finish_time(handle)
        times = [self.inner.finish_time(p.handle) for p in handle.parts if p.live]
        known = [t for t in times if t is not None]
        return min(known) if known else None

    def stop(self, handle: Any, now_ms: int) -> Outcome | None:
        """Stop every container of a task; its outcome at once if they all stopped at once."""
        if not isinstance(handle, TaskHandle):
            return self.inner.stop(handle, now_ms)
        if handle.decided is None:
            self._end(handle, Outcome(exit_code=None), now_ms)
        return handle.outcome

    def close(self) -> None:
        self.inner.close()

    # -- running a task ---------------------------------------------------------------

    def _advance(self, task: TaskHandle, now_ms: int, done: dict[Any, Outcome] | None) -> None:
        """Take the task's events up to ``now_ms`` in time order: containers that ended,
        containers that may start because of that, and whether the task has ended. Started
        containers whose work has not run yet hold the task where it is."""
        while task.outcome is None and not any(p.unrun for p in task.parts):
            if task.decided is None and self._start_ready(task):
                continue
            live = [p for p in task.parts if p.live]
            if done is None:
                done = self.inner.poll([p.handle for p in live], now_ms) if live else {}
            ended = [p for p in live if p.handle in done]
            if task.decided is not None:  # ending: the stopped containers as they report
                for part in ended:
                    self._record(part, done[part.handle], task.clock)
                self._complete(task)
                return
            if not ended:
                return
            part = min(ended, key=lambda p: done[p.handle].finished_at or now_ms)
            self._record(part, done.pop(part.handle), now_ms)
            task.clock = max(task.clock, part.run.stopped_at or now_ms)
            self._decide(task, part)

    def _start_ready(self, task: TaskHandle) -> bool:
        """Start every container whose dependencies are met; whether one started. A
        container whose dependency can no longer be met is blocked for good."""
        started = False
        for part in task.parts:
            if part.handle is not None or part.container.name in task.blocked:
                continue
            state = self._dependencies(task, part.container)
            if state is None:
                continue
            if state is False:
                task.blocked.add(part.container.name)
                if part.container.essential:
                    name, condition = next(
                        d for d in part.container.depends_on if self._met(task, d) is False
                    )
                    reason = (
                        f"CannotStartContainerError: container '{part.container.name}' depends on "
                        f"'{name}' with condition {condition}, which was not met"
                    )
                    self._end(task, Outcome(exit_code=None, reason=reason, status_reason=reason), task.clock)
                    return False
                continue
            part.run.started_at = task.clock
            part.handle = self.inner.start(part.spec, task.clock)
            started = True
        return started

    def _dependencies(self, task: TaskHandle, container: TaskContainer) -> bool | None:
        """True when all of ``container``'s dependencies are met, False when one never can be,
        None while they are still pending."""
        states = [self._met(task, dep) for dep in container.depends_on]
        if False in states:
            return False
        return None if None in states else True

    @staticmethod
    def _met(task: TaskHandle, dependency: tuple[str, str]) -> bool | None:
        name, condition = dependency
        other = task.part(name)
        if name in task.blocked:
            return False
        if condition == START:
            return True if other.handle is not None else None
        if other.outcome is None:
            return None
        if condition == COMPLETE:
            return True
        assert condition == SUCCESS
        return other.run.exit_code == 0 and other.outcome.status_reason is None and not other.stopped

    def _decide(self, task: TaskHandle, part: _Part) -> None:
        """Whether ``part`` ending (by itself) ends the task, and how."""
        outcome = part.outcome
        assert outcome is not None
        if task.plan.kind != EKS:
            if part.container.essential:
                self._end(task, outcome, task.clock)
            return
        if part.container.init:
            if _failed(outcome):
                self._end(task, outcome, task.clock)
            return
        containers = [p for p in task.parts if not p.container.init]
        if all(p.outcome is not None for p in containers):
            bad = [
                p.outcome
                for p in containers
                if p.outcome and (p.outcome.exit_code != 0 or p.outcome.status_reason)
            ]
            self._end(task, bad[0] if bad else outcome, task.clock)

    def _end(self, task: TaskHandle, deciding: Outcome, at: int) -> None:
        """The task is over at ``at``: stop what still runs; the job's outcome is ``deciding``
        once every container has stopped."""
        task.decided = deciding
        task.clock = at
        live = [p for p in task.parts if p.live]
        exited = self.inner.poll([p.handle for p in live if p.ran], at) if live else {}
        for part in live:  # those that ended by ``at`` keep their own exit; the others are stopped
            if part.handle in exited and (exited[part.handle].finished_at or at) <= at:
                self._record(part, exited[part.handle], at)
                continue
            part.stopped = True
            part.ran = True  # a container stopped before its work ran never runs it
            stopped = self.inner.stop(part.handle, at)
            if stopped is not None:
                self._record(part, stopped, at)
        self._complete(task)

    def _complete(self, task: TaskHandle) -> None:
        """The task's outcome, once it is decided and none of its containers still runs."""
        deciding = task.decided
        if deciding is None or any(p.live for p in task.parts):
            return
        main = task.part(task.plan.main.name)
        task.outcome = Outcome(
            exit_code=deciding.exit_code,
            reason=deciding.reason,
            status_reason=deciding.status_reason,
            logs=list(main.sink[main.run.log_stream]),
            finished_at=task.clock,
        )

    @staticmethod
    def _record(part: _Part, outcome: Outcome, now_ms: int) -> None:
        part.outcome = outcome
        run = part.run
        run.stopped_at = max(outcome.finished_at or now_ms, run.started_at or 0)
        run.exit_code = outcome.exit_code
        run.reason = outcome.reason
        run.container_id = uuid.uuid4().hex
        part.sink[run.log_stream] = list(outcome.logs)


def _failed(outcome: Outcome) -> bool:
    return outcome.exit_code != 0 or outcome.status_reason is not None


def _node_name(task_id: str) -> str:
    """A node name as EKS gives them, ``ip-192-168-<a>-<b>.ec2.internal``, from the task id."""
    a, b = int(task_id[:2], 16), int(task_id[2:4], 16)
    return f"ip-192-168-{a}-{b}.ec2.internal"
