"""How one ECS task or EKS pod goes on: which of its containers start, when, and how it ends.

The outcomes of its containers are combined into the attempt's:

- ECS: the first essential container to exit ends the task; the others are stopped, and the
  job's exit code and reason are that container's. A non-essential container's exit changes
  nothing. A container whose ``SUCCESS`` dependency failed never starts; if it is essential,
  the task stops there.
- EKS: a failing init container fails the pod; otherwise the pod ends when all its containers
  have exited, and the first of them (in pod order) that failed decides.

A task is *up* (its job RUNNING) once no container of it is left waiting on another: AWS counts
"Amazon EKS initContainer completion duration, and Amazon ECS containerDependency resolution
duration" as time in STARTING.

Finished containers are taken in the order they finished, so with simulated work (the
in-process executor) a container that depends on another starts when that one ended. Started
containers whose work has not run yet hold the task where it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ..executors.base import AttemptSpec, Executor, Outcome
from ..model.tasks import COMPLETE, EKS, START, SUCCESS, ContainerRun, TaskContainer, TaskPlan

_Logs = dict[str, list[tuple[int, str]]]


@dataclass(eq=False)
class Part:
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
    parts: list[Part]
    clock: int  # the time of the last event taken: a container started or ended
    decided: Outcome | None = None  # how the task ends, once it does (its containers stopping)
    outcome: Outcome | None = None  # how it ended, once every container has
    blocked: set[str] = field(default_factory=set)  # containers that can never start
    queued: bool = True  # its attempt is queued to run: started containers will be run
    up_at: int | None = None  # when no container was left waiting on another (job RUNNING)

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.container.name == name)


def advance(inner: Executor, task: TaskHandle, now_ms: int, done: dict[Any, Outcome] | None) -> None:
    """Take the task's events up to ``now_ms`` in time order: containers that ended,
    containers that may start because of that, and whether the task has ended."""
    while task.outcome is None and not any(p.unrun for p in task.parts):
        if task.decided is None and _start_ready(inner, task):
            continue
        live = [p for p in task.parts if p.live]
        if done is None:
            done = inner.poll([p.handle for p in live], now_ms) if live else {}
        ended = [p for p in live if p.handle in done]
        if task.decided is not None:  # ending: the stopped containers as they report
            for part in ended:
                _record(part, done[part.handle], task.clock)
            _complete(task)
            return
        earliest = min(ended, key=lambda p: done[p.handle].finished_at or now_ms) if ended else None
        give_up = give_up_at(task)
        first = None if earliest is None else done[earliest.handle].finished_at or now_ms
        if give_up is not None and give_up <= now_ms and (first is None or give_up < first):
            task.clock = max(task.clock, give_up)  # a dependency's startTimeout ran out
            _start_ready(inner, task)
            continue
        if earliest is None:
            return
        _record(earliest, done.pop(earliest.handle), now_ms)
        task.clock = max(task.clock, earliest.run.stopped_at or now_ms)
        _decide(inner, task, earliest)


def end(inner: Executor, task: TaskHandle, deciding: Outcome, at: int) -> None:
    """The task is over at ``at``: stop what still runs; the job's outcome is ``deciding``
    once every container has stopped."""
    task.decided = deciding
    task.clock = at
    live = [p for p in task.parts if p.live]
    exited = inner.poll([p.handle for p in live if p.ran], at) if live else {}
    for part in live:  # those that ended by ``at`` keep their own exit; the others are stopped
        if part.handle in exited and (exited[part.handle].finished_at or at) <= at:
            _record(part, exited[part.handle], at)
            continue
        part.stopped = True
        part.ran = True  # a container stopped before its work ran never runs it
        stopped = inner.stop(part.handle, at)
        if stopped is not None:
            _record(part, stopped, at)
    _complete(task)


def _start_ready(inner: Executor, task: TaskHandle) -> bool:
    """Start every container whose dependencies are met; whether one started. A container
    whose dependency can no longer be met is blocked for good."""
    started = False
    for part in task.parts:
        if part.handle is not None or part.container.name in task.blocked:
            continue
        state = _dependencies(task, part.container)
        if state is None:
            continue
        if state is False:
            task.blocked.add(part.container.name)
            if part.container.essential:
                name, condition = next(d for d in part.container.depends_on if _met(task, d) is False)
                reason = (
                    f"CannotStartContainerError: container '{part.container.name}' depends on "
                    f"'{name}' with condition {condition}, which was not met"
                )
                if task.part(name).outcome is None:  # gave up waiting
                    reason += (
                        f" within the startTimeout of '{name}' ({_start_timeout(task.part(name))} seconds)"
                    )
                end(inner, task, Outcome(exit_code=None, reason=reason, status_reason=reason), task.clock)
                return False
            continue
        part.run.started_at = task.clock
        part.sink[part.run.log_stream] = []  # a container's stream exists once it starts
        part.handle = inner.start(part.spec, task.clock)
        started = True
    waiting = [p for p in task.parts if p.handle is None and p.container.name not in task.blocked]
    if task.up_at is None and not waiting:
        task.up_at = task.clock
    return started


def _dependencies(task: TaskHandle, container: TaskContainer) -> bool | None:
    """True when all of ``container``'s dependencies are met, False when one never can be,
    None while they are still pending."""
    states = [_met(task, dep) for dep in container.depends_on]
    if False in states:
        return False
    return None if None in states else True


def _met(task: TaskHandle, dependency: tuple[str, str]) -> bool | None:
    name, condition = dependency
    other = task.part(name)
    if name in task.blocked:
        return False
    if condition == START:
        return True if other.handle is not None else None
    if other.outcome is None:
        deadline = _gives_up(other)
        return False if deadline is not None and deadline <= task.clock else None
    if condition == COMPLETE:
        return True
    assert condition == SUCCESS
    return other.run.exit_code == 0 and other.outcome.status_reason is None and not other.stopped


def give_up_at(task: TaskHandle) -> int | None:
    """When a container waiting for another to complete gives up, as ECS's agent does: the
    awaited container's ``startTimeout`` after it started ("Time duration (in seconds) to wait
    before giving up on resolving dependencies for a container")."""
    times = [
        deadline
        for part in task.parts
        if part.handle is None and part.container.name not in task.blocked
        for name, condition in part.container.depends_on
        if condition != START
        and task.part(name).outcome is None
        and (deadline := _gives_up(task.part(name))) is not None
    ]
    return min(times, default=None)


def _gives_up(awaited: Part) -> int | None:
    timeout = _start_timeout(awaited)
    if timeout is None or awaited.run.started_at is None:
        return None
    return awaited.run.started_at + timeout * 1000


def _start_timeout(part: Part) -> int | None:
    value = part.container.props.get("startTimeout")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _decide(inner: Executor, task: TaskHandle, part: Part) -> None:
    """Whether ``part`` ending (by itself) ends the task, and how."""
    outcome = part.outcome
    assert outcome is not None
    if task.plan.kind != EKS:
        if part.container.essential:
            end(inner, task, outcome, task.clock)
        return
    if part.container.init:
        if _failed(outcome):
            end(inner, task, outcome, task.clock)
        return
    containers = [p for p in task.parts if not p.container.init]
    if all(p.outcome is not None for p in containers):
        bad = [p.outcome for p in containers if p.outcome is not None and _failed(p.outcome)]
        end(inner, task, bad[0] if bad else outcome, task.clock)


def _complete(task: TaskHandle) -> None:
    """The task's outcome, once it is decided and none of its containers still runs."""
    deciding = task.decided
    if deciding is None or any(p.live for p in task.parts):
        return
    main = task.part(task.plan.main.name)
    task.outcome = Outcome(
        exit_code=deciding.exit_code,
        reason=deciding.reason,
        status_reason=deciding.status_reason,
        logs=list(main.sink.get(main.run.log_stream, ())),
        finished_at=task.clock,
    )


def _record(part: Part, outcome: Outcome, now_ms: int) -> None:
    part.outcome = outcome
    run = part.run
    run.stopped_at = max(outcome.finished_at or now_ms, run.started_at or 0)
    run.exit_code = outcome.exit_code
    run.reason = outcome.reason
    run.container_id = run.container_id or uuid.uuid4().hex
    part.sink[run.log_stream] = list(outcome.logs)


def _failed(outcome: Outcome) -> bool:
    return outcome.exit_code != 0 or outcome.status_reason is not None
