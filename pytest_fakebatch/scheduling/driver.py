"""Driving the scheduler for the facade: moving jobs when the fake is observed, running the
attempts they start outside the lock, and moving the clock forward event by event.

The facade holds the lock and the regions; the :class:`Driver` is handed both. Jobs move only
when something observes the fake (a request, :meth:`FakeBatch.step`, ``run_until_idle``,
``advance``): no threads, no sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..model.region import Region
from .attempts import Run
from .scheduler import Scheduler


class Driver:
    """Moves one fake's jobs under its ``lock``; ``region`` gives a region's state by name (an
    empty one where nothing was made), ``publish`` puts new events out (called without the
    lock)."""

    def __init__(
        self,
        scheduler: Scheduler,
        lock: threading.RLock,
        regions: dict[str, Region],
        region: Callable[[str], Region],
        publish: Callable[[], None],
    ) -> None:
        self._scheduler = scheduler
        self._lock = lock
        self._regions = regions
        self._region_named = region
        self._publish = publish
        self._running = threading.local()  # .handler: this thread is running a handler

    def in_handler(self) -> bool:
        return bool(getattr(self._running, "handler", False))

    def observe(self, region_name: str | None, *, until_idle: bool) -> bool:
        """Move jobs (one region's, or all), and run the attempts they start: the scheduler
        moves them under the lock; this thread then runs the attempts it claimed (handlers)
        without the lock, and records them under the lock, until nothing more moves. A thread
        that is running a handler (a job that calls Batch) moves nothing: the thread that
        runs the handler does, once it returns. Whether anything moved."""
        if self.in_handler():
            return False
        moved = False
        runs: list[Run] = []
        while True:
            with self._lock:
                self._scheduler.record(runs)
                if runs and not until_idle:
                    return moved
                regions = (
                    list(self._regions.values()) if region_name is None else [self._region_named(region_name)]
                )
                for region in regions:
                    if until_idle:
                        self._scheduler.tick(region)
                    else:
                        moved |= self._scheduler.round(region)
                runs = self._scheduler.claim()
            if not runs:
                self._publish()
                return moved
            self._running.handler = True
            try:
                self._scheduler.execute(runs)
            finally:
                self._running.handler = False

    def advance(self, seconds: float, *, autorun: Callable[[], bool]) -> None:
        """Move the clock forward: simulated work finishes and timeouts fire at their own
        times, and while ``autorun()`` the jobs they free start then, not at the end of the jump."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, not by {seconds} seconds")
        with self._lock:
            target = self._scheduler.clock.now_ms() + round(seconds * 1000)
        while autorun() and not self.in_handler():
            self.observe(None, until_idle=True)
            with self._lock:
                now = self._scheduler.clock.now_ms()
                events = [
                    t
                    for r in self._regions.values()
                    if (t := self._scheduler.next_event(r)) is not None and t > now
                ]
                upcoming = min(events, default=None)
                if upcoming is None or upcoming > target:
                    break
                self._scheduler.clock.advance((upcoming - now) / 1000)
        with self._lock:
            self._scheduler.clock.advance(max(0, target - self._scheduler.clock.now_ms()) / 1000)
        if autorun():
            self.observe(None, until_idle=True)
