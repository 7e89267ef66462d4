"""Faults injected on purpose: the plan a test (or ``--fakebatch-chaos``) sets, and the record
of every fault injected. Pure state and one seeded random draw; no I/O, no clock of its own.

Request faults (throttles, service errors) are consulted where requests are answered, attempt
faults (reclaims, failed starts) where attempts start and are collected; a fake with no fault
configured pays one attribute test each time (:attr:`FaultPlan.armed`, :attr:`FaultPlan.attempts`).
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass, field

THROTTLED = "TooManyRequestsException"  # HTTP 429, "Too Many Requests"
THROTTLE_MESSAGE = "Too Many Requests"
SERVER_ERROR = "ServerException"
# the error codes fail() answers with, and the HTTP status each travels with
ERROR_STATUS = {
    THROTTLED: 429,
    SERVER_ERROR: 500,
    "ClientException": 400,
}
SERVER_MESSAGE = "An internal error occurred (injected by pytest-fakebatch)"
# the reasons an attempt's container fails to start, with AWS's words (ECS' stopped-task errors)
START_FAILURES = {
    "CannotPullContainerError": (
        "CannotPullContainerError: Error response from daemon: pull access denied for {image}, "
        "repository does not exist or may require 'docker login'"
    ),
    "ResourceInitializationError": (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
        "retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s)"
    ),
    "CannotStartContainerError": (
        "CannotStartContainerError: Error response from daemon: failed to create shim task: "
        "OCI runtime create failed"
    ),
    "CannotInspectContainerError": (
        "CannotInspectContainerError: Could not transition to inspecting; timed out after waiting 30s"
    ),
}
TASK_FAILED_TO_START = "Task failed to start"
RECLAIMED = "Host EC2 (instance {instance}) terminated."


@dataclass(frozen=True, slots=True)
class Injected:
    """One fault the fake injected: ``kind`` is ``throttle``, ``error``, ``reclaim``,
    ``cannot-start`` or ``lag``; ``target`` the operation or job id; ``detail`` the error code
    or status reason answered; ``at`` the fake's clock (epoch ms)."""

    kind: str
    target: str
    detail: str
    at: int

    def __str__(self) -> str:
        return f"{self.kind} {self.target}: {self.detail}"


@dataclass(slots=True)
class RequestRule:
    """Answer matching calls with ``code``: the next ``times`` (None: every one), those above
    ``rate`` calls a second, or each with ``chance``."""

    operation: str  # an operation name, or "*" for every one
    code: str
    message: str
    times: int | None = None
    rate: float | None = None
    chance: float | None = None
    recent: list[int] = field(default_factory=list)  # answered calls' times, for ``rate``

    def matches(self, operation: str) -> bool:
        return self.operation in ("*", operation)


@dataclass(slots=True)
class StartRule:
    pattern: str
    code: str
    times: int | None


class FaultPlan:
    """What to inject, drawn from ``seed`` where it is random, and what was injected."""

    def __init__(self, seed: int | str | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.requests: list[RequestRule] = []
        self.lag_ms = 0
        self.hidden: dict[str, int] = {}  # job id -> when DescribeJobs and ListJobs first see it
        self.reclaims: set[str] = set()  # job ids whose next (or current) attempt is reclaimed
        self.spot_rate = 0.0
        self.start_rules: list[StartRule] = []
        self.doomed: dict[str, str] = {}  # job id -> the instance reclaimed under its attempt
        self.stopping: dict[str, str] = {}  # job id -> the reclaim its stopping attempt ends with
        self.injected: list[Injected] = []
        self.armed = False  # any request fault or lag: the answering side's one test
        self.attempts = False  # any attempt fault: the scheduler's one test

    def rearm(self) -> None:
        self.requests = [rule for rule in self.requests if rule.times != 0]
        self.start_rules = [rule for rule in self.start_rules if rule.times != 0]
        self.armed = bool(self.requests or self.lag_ms or self.hidden)
        self.attempts = bool(
            self.reclaims or self.spot_rate or self.start_rules or self.doomed or self.stopping
        )

    def clear(self) -> None:
        """Inject nothing from now on; what was injected stays on record."""
        self.requests, self.start_rules, self.reclaims, self.hidden = [], [], set(), {}
        self.doomed = {}
        self.lag_ms, self.spot_rate = 0, 0.0
        self.rearm()

    def record(self, kind: str, target: str, detail: str, at: int) -> None:
        self.injected.append(Injected(kind, target, detail, at))

    # -- where requests are answered ---------------------------------------------------

    def refuse(self, operation: str, now: int) -> RequestRule | None:
        """The rule that refuses this call, counted and recorded; None to answer it."""
        for rule in self.requests:
            if not rule.matches(operation):
                continue
            if rule.rate is not None:
                rule.recent = [t for t in rule.recent if t > now - 1000]
                if len(rule.recent) < rule.rate:
                    rule.recent.append(now)
                    continue
            elif rule.chance is not None and self.rng.random() >= rule.chance:
                continue
            if rule.times is not None:
                rule.times -= 1
            self.record("throttle" if rule.code == THROTTLED else "error", operation, rule.code, now)
            if rule.times == 0:
                self.rearm()
            return rule
        return None

    def submitted(self, job_id: str, now: int) -> None:
        """A job just submitted: hidden from DescribeJobs and ListJobs for the lag."""
        if self.lag_ms:
            self.hidden[job_id] = now + self.lag_ms
            self.record("lag", job_id, f"invisible for {self.lag_ms / 1000:g} s", now)

    def invisible(self, job_id: str, now: int) -> bool:
        """Whether DescribeJobs and ListJobs leave this job (or its array's child) out now."""
        if not self.hidden:
            return False
        until = self.hidden.get(job_id.split(":")[0].split("#")[0])
        return until is not None and now < until

    def forget_visible(self, now: int) -> None:
        self.hidden = {job: until for job, until in self.hidden.items() if now < until}
        if not self.hidden:
            self.rearm()

    # -- where attempts start and are collected ---------------------------------------

    def start_failure(self, names: tuple[str, ...]) -> str | None:
        """The error code an attempt of a job with these names (image, definition, job name)
        fails to start with, counted; None to start it."""
        for rule in self.start_rules:
            if any(fnmatch.fnmatchcase(name, rule.pattern) for name in names if name):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self.rearm()
                return rule.code
        return None

    def reclaimed(self, job_id: str) -> bool:
        """Whether the attempt starting now (or running) is reclaimed: asked for, or drawn."""
        if job_id in self.reclaims:
            self.reclaims.discard(job_id)
            self.rearm()
            return True
        return bool(self.spot_rate) and self.rng.random() < self.spot_rate

    def instance_id(self) -> str:
        return f"i-{self.rng.getrandbits(68):017x}"
