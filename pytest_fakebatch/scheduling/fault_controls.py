"""``fake_batch.faults``: what a test asks to go wrong, checked and handed to the fault plan.

Every fault looks as it looks on AWS: see :mod:`..frontends.faults` (throttles, service errors,
the visibility lag) and :mod:`.faults` (reclaims, containers that never start).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping

from ..model.faults import (
    ERROR_STATUS,
    SERVER_ERROR,
    SERVER_MESSAGE,
    START_FAILURES,
    THROTTLE_MESSAGE,
    THROTTLED,
    FaultPlan,
    Injected,
    RequestRule,
    StartRule,
)
from ..model.jobs import RUNNING, TERMINAL, Job
from ..model.region import Region
from .attempts import Attempts
from .faults import reclaim


class Faults:
    """Faults on demand: each call adds to what the fake injects, :meth:`clear` stops them all.

    Random faults (``rate=`` of :meth:`spot`, ``chance=``) draw from :attr:`seed`, so the same
    seed and the same test give the same faults. :attr:`injected` records each fault injected.
    """

    def __init__(
        self,
        attempts: Attempts,
        lock: threading.RLock,
        regions: Mapping[str, Region],
        operations: Collection[str],
    ) -> None:
        self._attempts = attempts
        self._lock = lock
        self._regions = regions  # the fake's: jobs are found where they were submitted
        self._operations = operations

    @property
    def plan(self) -> FaultPlan:
        return self._attempts.faults

    @property
    def seed(self) -> int | str | None:
        """The seed random faults draw from (None: not seeded)."""
        return self.plan.seed

    def reseed(self, seed: int | str | None) -> None:
        """Draw random faults from ``seed`` from now on."""
        with self._lock:
            self.plan.seed = seed
            self.plan.rng.seed(seed)

    @property
    def injected(self) -> list[Injected]:
        """Every fault injected so far, oldest first."""
        with self._lock:
            return list(self.plan.injected)

    def throttle(
        self,
        operation: str,
        *,
        times: int | None = None,
        rate: float | None = None,
        chance: float | None = None,
    ) -> None:
        """Answer ``operation`` (``"*"``: every Batch operation) with HTTP 429
        ``TooManyRequestsException`` "Too Many Requests": its next ``times`` calls, the calls
        above ``rate`` a second of the fake's clock, each call with ``chance``, or (none of
        them given) every call until :meth:`clear`."""
        if sum(x is not None for x in (times, rate, chance)) > 1:
            raise ValueError("faults.throttle takes one of times=, rate= and chance=, not several")
        self._add(RequestRule(self._operation(operation), THROTTLED, THROTTLE_MESSAGE), times, rate, chance)

    def fail(
        self,
        operation: str,
        *,
        code: str = SERVER_ERROR,
        times: int | None = 1,
        chance: float | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` (``"*"``: every one; ``times=None``:
        every call) with ``code``: ``ServerException`` (HTTP 500, the default),
        ``ClientException`` (400) or ``TooManyRequestsException`` (429)."""
        if code not in ERROR_STATUS:
            raise ValueError(f"faults.fail: code {code!r} is not one of {', '.join(ERROR_STATUS)}")
        text = message or {THROTTLED: THROTTLE_MESSAGE, SERVER_ERROR: SERVER_MESSAGE}.get(
            code, f"{operation}: the request failed (injected by pytest-fakebatch)"
        )
        self._add(RequestRule(self._operation(operation), code, text), times, None, chance)

    def _add(self, rule: RequestRule, times: int | None, rate: float | None, chance: float | None) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times= is a count of calls, at least 1, not {times}")
        if rate is not None and rate < 0:
            raise ValueError(f"rate= is calls a second, at least 0, not {rate}")
        rule.times, rule.rate, rule.chance = times, rate, _chance(chance)
        with self._lock:
            self.plan.requests.append(rule)
            self.plan.rearm()

    def _operation(self, name: str) -> str:
        if name != "*" and name not in self._operations:
            known = ", ".join(sorted(self._operations))
            raise ValueError(f"faults: {name!r} is not a Batch operation (known: {known}; '*' for every one)")
        return name

    def lag(self, *, seconds: float) -> None:
        """Jobs submitted from now on are absent from DescribeJobs and ListJobs answers for
        ``seconds`` of the fake's clock (0 ends the lag for later jobs)."""
        if seconds < 0:
            raise ValueError(f"faults.lag(seconds=...) is at least 0, not {seconds}")
        with self._lock:
            self.plan.lag_ms = round(seconds * 1000)
            self.plan.rearm()

    def spot(self, *, rate: float) -> None:
        """Reclaim each attempt that starts from now on with this chance (0 to 1)."""
        with self._lock:
            self.plan.spot_rate = _chance(rate) or 0.0
            self.plan.rearm()

    def cannot_start(self, pattern: str, reason_code: str, *, times: int | None = None) -> None:
        """Attempts of jobs whose image, job definition name or job name matches the glob
        ``pattern`` fail to start with ``reason_code`` (``CannotPullContainerError``,
        ``ResourceInitializationError``, ``CannotStartContainerError`` or
        ``CannotInspectContainerError``): the next ``times`` of them, or every one."""
        if reason_code not in START_FAILURES:
            raise ValueError(
                f"faults.cannot_start: {reason_code!r} is not one of {', '.join(START_FAILURES)}"
            )
        if times is not None and times < 1:
            raise ValueError(f"times= is a count of attempts, at least 1, not {times}")
        with self._lock:
            self.plan.start_rules.append(StartRule(pattern, reason_code, times))
            self.plan.rearm()

    def reclaim(self, job_id: str) -> None:
        """The instance under ``job_id`` is reclaimed: its running attempt ends now (or, for a
        job not running yet, its next attempt once it runs), with the status reason
        ``Host EC2 (instance i-...) terminated.`` and no exit code."""
        with self._lock:
            found = self._find_job(job_id)
            if found is None:
                raise ValueError(f"faults.reclaim: no job {job_id!r} was submitted to this fake")
            region, job = found
            if job.children:
                raise ValueError(
                    f"faults.reclaim: {job_id} is an array or multi-node parent; reclaim a child"
                )
            if job.status in TERMINAL:
                raise ValueError(
                    f"faults.reclaim: job {job_id} is {job.status} already: nothing runs to reclaim"
                )
            if job.status == RUNNING and job.running is not None and job.running.stopping is None:
                reclaim(self._attempts, region, job, self.plan.instance_id(), self._attempts.clock.now_ms())
            else:
                self.plan.reclaims.add(job_id)
                self.plan.rearm()

    def _find_job(self, job_id: str) -> tuple[Region, Job] | None:
        for region in self._regions.values():
            job = region.jobs.get(job_id)
            if job is not None:
                return region, job
        return None

    def clear(self) -> None:
        """Inject nothing more (what was injected stays in :attr:`injected`)."""
        with self._lock:
            self.plan.clear()


def _chance(value: float | None) -> float | None:
    if value is not None and not 0 <= value <= 1:
        raise ValueError(f"a chance is between 0 and 1, not {value}")
    return value
