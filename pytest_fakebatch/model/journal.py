"""The journal: every status change of every job, in order, as the job was at that moment.

AWS Batch sends an EventBridge event for each change of a job's status (not for the
submission itself), whose ``detail`` is the job as DescribeJobs showed it then. The scheduler
writes one change here per change (:class:`Journal`); the ``events`` package takes them as
:class:`Change` s and renders them later. So that 10,000-child arrays stay cheap, a change keeps
only what of a job can still change afterwards (:func:`freeze`), in columns rather than an object
of its own; :func:`thaw` rebuilds the job as it was, for rendering.
"""

from __future__ import annotations

import copy
import dataclasses
import operator
from typing import Any, NamedTuple

from .jobs import TERMINAL, Attempt, Job, observed_status
from .service import ServiceJob

STATE_CHANGE = "state"  # the job's (observed) status changed
QUEUE_BLOCKED = "blocked"  # a RUNNABLE job was found blocking its queue


class Change(NamedTuple):
    """One entry of the journal, as :meth:`Journal.take` hands it out."""

    kind: str  # STATE_CHANGE | QUEUE_BLOCKED
    at: int  # epoch ms on the fake's clock
    region: str
    account: str
    job: Job | ServiceJob
    status: str  # the status the job moved to (observed, for an array or multi-node parent)
    state: Any  # what :func:`thaw` needs to show the job as it was
    tags: dict[str, str] | None  # the job's tags then


# an Attempt's fields in its constructor's order: an unfinished attempt is kept as a tuple of
# them (5x cheaper than copy.copy). Of plain values only (the executor's handle left out), such a
# tuple, and the state holding it, are untracked by the garbage collector, which would otherwise
# walk a copy for each change of each child of an array, on every full collection
_ATTEMPT_FIELDS = tuple(f.name for f in dataclasses.fields(Attempt))
_attempt_fields = operator.attrgetter(*_ATTEMPT_FIELDS)
_HANDLE = _ATTEMPT_FIELDS.index("handle")
_CONTAINERS = _ATTEMPT_FIELDS.index("containers")


def _attempt_now(attempt: Attempt) -> Attempt | tuple[Any, ...]:
    """An attempt as it is now: a finished one never changes again and is itself; an
    unfinished one is its fields' values, the executor's run left out (not shown, and not to be
    kept alive by events)."""
    if attempt.stopped_at is not None:
        return attempt
    fields = list(_attempt_fields(attempt))
    fields[_HANDLE] = None
    if attempt.containers:
        fields[_CONTAINERS] = tuple(copy.copy(run) for run in attempt.containers)
    return tuple(fields)


def _attempt_then(kept: Attempt | tuple[Any, ...]) -> Attempt:
    """The attempt :func:`_attempt_now` kept, to be shown (never changed)."""
    return kept if isinstance(kept, Attempt) else Attempt(*kept)


def freeze(job: Job | ServiceJob) -> Any:
    """What of ``job`` may still change after now: enough for :func:`thaw` to show it as it is."""
    if isinstance(job, ServiceJob):  # few of them: a copy, with its own lists of attempts
        frozen = copy.copy(job)
        frozen.attempts = [copy.copy(a) for a in job.attempts]
        frozen.preempted = list(job.preempted)
        frozen.running = None
        return frozen
    if job.status in TERMINAL and not job.children:
        return None  # a finished job never changes again: it is its own record
    mine = (
        job.status,
        job.status_reason,
        job.started_at,
        job.stopped_at,
        job.is_cancelled,
        job.is_terminated,
        tuple(_attempt_now(a) for a in job.attempts) if job.attempts else (),
    )
    if not job.children:
        return mine
    if job.is_multinode:  # the parent shows its main node, and lists its nodes
        return mine, tuple(freeze(node) for node in job.children)
    return mine, tuple(c.status for c in job.children), tuple(c.started_at for c in job.children)


def thaw(job: Job | ServiceJob, state: Any) -> Job | ServiceJob:
    """``job`` as :func:`freeze` saw it, for the views to render (never to change): a copy, or
    the job itself once it finished."""
    if isinstance(job, ServiceJob):
        assert isinstance(state, ServiceJob)
        return state
    if not job.children:
        return _thawed(job, state)
    if job.is_multinode:
        mine, nodes = state
        shown = _thawed(job, mine)
        shown.children = [_thawed(node, s) for node, s in zip(job.children, nodes, strict=True)]
        return shown
    mine, statuses, starts = state
    shown = _thawed(job, mine)
    children = []
    for child, status, started in zip(job.children, statuses, starts, strict=True):
        twin = copy.copy(child)
        twin.status, twin.started_at = status, started
        children.append(twin)
    shown.children = children
    return shown


def _thawed(job: Job, state: tuple[Any, ...] | None) -> Job:
    if state is None:  # it had finished
        return job
    shown = copy.copy(job)
    (
        shown.status,
        shown.status_reason,
        shown.started_at,
        shown.stopped_at,
        shown.is_cancelled,
        shown.is_terminated,
        attempts,
    ) = state
    shown.attempts = [_attempt_then(a) for a in attempts]
    return shown


class Journal:
    """The changes not yet taken, oldest first, kept column by column: a change is no object of
    its own until it is taken. A 10,000-child array makes 40,000 changes, and every full pass of
    the garbage collector would walk each of them as an object (it walks a column as one)."""

    __slots__ = ("_columns",)

    def __init__(self) -> None:
        self._columns: tuple[list[Any], ...] = tuple([] for _ in Change._fields)

    def __len__(self) -> int:
        return len(self._columns[0])

    def add(self, change: Change) -> None:
        for column, value in zip(self._columns, change, strict=True):
            column.append(value)

    def take(self) -> list[Change]:
        """Every change not yet taken, oldest first; the journal is left empty."""
        changes = list(map(Change, *self._columns))
        for column in self._columns:
            column.clear()
        return changes


def record(
    journal: Journal | None,
    region: str,
    account: str,
    job: Job | ServiceJob,
    at: int,
    kind: str,
    tags: dict[str, str] | None,
) -> None:
    """Write the change ``job`` just went through (a no-op where no journal is kept)."""
    if journal is None:
        return
    status = job.status if isinstance(job, ServiceJob) else observed_status(job)
    journal.add(Change(kind, at, region, account, job, status, freeze(job), dict(tags) if tags else None))
