"""The facade's inspection: jobs, one job, events, progress and the call record, read under the
fake's lock out of the state the facade holds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from ..events.log import EventLog
from ..events.records import Events
from ..model.jobs import observed_status
from ..model.region import Region
from ..scheduling.scheduler import Scheduler
from .records import ApiCall, JobInfo, job_info, progress, recorded


class Inspector:
    """Reads one fake's state for a test: ``regions`` is the facade's own dict (regions are
    added to it as requests create them), read under ``lock``."""

    def __init__(
        self,
        regions: dict[str, Region],
        lock: threading.RLock,
        scheduler: Scheduler,
        event_log: EventLog | None,
    ) -> None:
        self._regions = regions
        self._lock = lock
        self._scheduler = scheduler
        self._event_log = event_log
        self._calls: list[ApiCall] = []  # every request answered, oldest first
        self._unread: list[tuple[str, str, str, Any, str | None]] = []  # answered since last read

    def record(self, service: str, operation: str, region: str, body: Any, error: str | None) -> None:
        """Note one answered request for :attr:`calls`; it becomes an :class:`ApiCall` (its body
        cut to a readable size) only when the calls are read."""
        with self._lock:
            self._unread.append((service, operation, region, body, error))

    @property
    def calls(self) -> list[ApiCall]:
        """Every request answered, oldest first (the same list each time)."""
        with self._lock:
            if self._unread:
                unread, self._unread = self._unread, []
                self._calls.extend(ApiCall(s, o, r, recorded(b), e) for s, o, r, b, e in unread)
            return self._calls

    def jobs(self, *, status: str | None = None, region: str | None = None) -> list[JobInfo]:
        """Every submitted job (array children included), oldest first."""
        with self._lock:
            return [
                job_info(r, j, shown)
                for r in self._selected_regions(region)
                for j in r.jobs.values()
                if (shown := observed_status(j)) == status or status is None
            ]

    def job(self, job_id: str, *, region: str | None = None) -> JobInfo:
        """One job by id (``<parent>:<index>`` for an array child)."""
        with self._lock:
            for r in self._selected_regions(region):
                if job_id in r.jobs:
                    job = r.jobs[job_id]
                    return job_info(r, job, observed_status(job))
        raise KeyError(f"no job '{job_id}' was submitted")

    def progress(self) -> tuple[int, int, int]:
        """(jobs finished, jobs in all, attempts starting or running)."""
        with self._lock:
            return progress(list(self._regions.values()))

    def events(self) -> Events:
        """Every job state-change event so far, oldest first; empty without an event log."""
        if self._event_log is None:
            return Events(())
        with self._lock:
            self._event_log.sync()
            return self._event_log.events()

    def _selected_regions(self, region: str | None) -> Iterator[Region]:
        for state in self._regions.values():
            if region is None or state.region == region:
                self._scheduler.sync_logs(state)
                yield state
