"""The events a test reads: :class:`JobEvent` (one EventBridge event) and :class:`Events`."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, overload

from ..api.shared.service_views import service_job_detail
from ..api.shared.views import job_detail
from ..frontends.shapes import own
from ..model.journal import QUEUE_BLOCKED, Change, thaw
from ..model.service import ServiceJob

SOURCE = "aws.batch"
JOB_STATE_CHANGE = "Batch Job State Change"
JOB_QUEUE_BLOCKED = "Batch Job Queue Blocked"
SERVICE_JOB_STATE_CHANGE = "Batch Service Job State Change"
SERVICE_JOB_QUEUE_BLOCKED = "Batch Service Job Queue Blocked"
# "The tags and serviceRequestPayload fields are not included in the event detail" (AWS Batch
# User Guide, "Service job state change events")
_NOT_IN_SERVICE_DETAIL = ("tags", "serviceRequestPayload")


@dataclass(frozen=True, eq=False)
class JobEvent:
    """One event AWS Batch sends to EventBridge: ``detail_type`` "Batch Job State Change",
    "Batch Job Queue Blocked" or "Batch Service Job State Change"; ``detail`` is the job as
    DescribeJobs (DescribeServiceJob) showed it at ``time``. :meth:`to_dict` is the event as
    an EventBridge rule's target receives it."""

    id: str
    detail_type: str
    account: str
    region: str
    time_ms: int  # epoch ms on the fake's clock
    job_id: str
    status: str
    resources: tuple[str, ...]
    source: str = SOURCE
    _change: Change | None = field(default=None, repr=False)

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.time_ms / 1000, tz=timezone.utc)

    @functools.cached_property
    def detail(self) -> dict[str, Any]:
        """The job as DescribeJobs showed it then (rendered on first use): the reader's own
        copy, which shares nothing with the fake's jobs and definitions."""
        change = self._change
        assert change is not None
        shown = thaw(change.job, change.state)
        if isinstance(shown, ServiceJob):
            rendered = service_job_detail(shown, {})
            for key in _NOT_IN_SERVICE_DETAIL:
                rendered.pop(key, None)
        else:
            rendered = job_detail(shown, {shown.top.arn: change.tags} if change.tags else {})
        copy: dict[str, Any] = own(rendered)
        return copy

    @property
    def status_reason(self) -> str | None:
        reason = self.detail.get("statusReason")
        return reason if isinstance(reason, str) else None

    def to_dict(self) -> dict[str, Any]:
        """The event in EventBridge's JSON shape (``detail-type``, ``time`` in ISO 8601...)."""
        return {
            "version": "0",
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.account,
            "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": list(self.resources),
            "detail": self.detail,
        }

    def __repr__(self) -> str:
        kind = "" if self.detail_type == JOB_STATE_CHANGE else f" ({self.detail_type})"
        return f"<JobEvent {self.job_id} {self.status}{kind} at {self.time_ms}>"


def job_event(event_id: str, change: Change) -> JobEvent:
    """The event of one journal entry."""
    job = change.job
    service = isinstance(job, ServiceJob)
    if change.kind == QUEUE_BLOCKED:
        detail_type = SERVICE_JOB_QUEUE_BLOCKED if service else JOB_QUEUE_BLOCKED
        queue = job.queue.arn if isinstance(job, ServiceJob) else job.spec.queue.arn
        resources: tuple[str, ...] = (job.arn, queue)
    else:
        detail_type = SERVICE_JOB_STATE_CHANGE if service else JOB_STATE_CHANGE
        resources = (job.arn,)
    return JobEvent(
        id=event_id,
        detail_type=detail_type,
        account=change.account,
        region=change.region,
        time_ms=change.at,
        job_id=job.id,
        status=change.status,
        resources=resources,
        _change=change,
    )


def _is_child(job_id: str, parent: str) -> bool:
    """Whether ``job_id`` is an array child or a multi-node node of job ``parent``."""
    return job_id[: len(parent) + 1] in (parent + ":", parent + "#")


class Events(Sequence[JobEvent]):
    """The events of a fake, oldest first; :meth:`filter` narrows them by job and status."""

    def __init__(self, events: Sequence[JobEvent]) -> None:
        self._events = tuple(events)

    @overload
    def __getitem__(self, index: int) -> JobEvent: ...
    @overload
    def __getitem__(self, index: slice) -> Events: ...
    def __getitem__(self, index: int | slice) -> JobEvent | Events:
        if isinstance(index, slice):
            return Events(self._events[index])
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __eq__(self, other: object) -> bool:
        """Equal to a list or tuple of the same events (``assert fake_batch.events == []``)."""
        if isinstance(other, Events):
            return self._events == other._events
        if isinstance(other, list | tuple):
            return list(self._events) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so not hashable

    def __iter__(self) -> Iterator[JobEvent]:
        return iter(self._events)

    def filter(
        self,
        *,
        job: str | None = None,
        status: str | Collection[str] | None = None,
        detail_type: str | None = None,
        children: bool = False,
    ) -> Events:
        """The events of job id ``job`` (with ``children=True`` also of its array children
        ``<job>:<i>`` and multi-node nodes ``<job>#<n>``), in ``status`` (one or several), of
        ``detail_type``; each filter given must hold."""
        statuses = {status} if isinstance(status, str) else set(status) if status is not None else None

        def wanted(event: JobEvent) -> bool:
            if job is not None and event.job_id != job and not (children and _is_child(event.job_id, job)):
                return False
            if statuses is not None and event.status not in statuses:
                return False
            return detail_type is None or event.detail_type == detail_type

        return Events([e for e in self._events if wanted(e)])

    def statuses(self, job: str) -> list[str]:
        """The statuses job ``job`` went through, in order (its state-change events)."""
        return [
            e.status
            for e in self._events
            if e.job_id == job and e.detail_type in (JOB_STATE_CHANGE, SERVICE_JOB_STATE_CHANGE)
        ]

    def __repr__(self) -> str:
        shown = ", ".join(repr(e) for e in self._events[:10])
        more = f", ... {len(self._events) - 10} more" if len(self._events) > 10 else ""
        return f"Events([{shown}{more}])"
