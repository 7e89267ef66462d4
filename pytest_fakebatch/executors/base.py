"""What the scheduler asks of an executor: start an attempt, poll, stop. Two implement it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AttemptSpec:
    """Everything needed to run one attempt of one job, as AWS would start its container."""

    job_id: str
    job_name: str
    attempt: int
    definition_name: str
    queue_name: str
    image: str
    command: list[str]
    environment: dict[str, str]
    container: dict[str, Any]  # the container properties after overrides
    vcpus: float
    memory_mib: int | None
    log_stream: str
    array_index: int | None
    parameters: dict[str, str]


@dataclass(slots=True)
class Outcome:
    """How an attempt ended. ``finished_at`` (epoch ms) is None for "when it was observed"."""

    exit_code: int | None = 0
    reason: str | None = None
    status_reason: str | None = None
    logs: list[tuple[int, str]] = field(default_factory=list)
    finished_at: int | None = None


class Executor(Protocol):
    """Runs attempts. Called only by the scheduler: every method under the fake's lock and
    quick (no user code, no waiting on the engine), except :meth:`run`, which is called once
    per attempt without the lock, by the thread that observed the attempt starting."""

    max_running: int | None  # a ceiling on attempts running at once, beside maxvCpus

    def start(self, spec: AttemptSpec, now_ms: int) -> Any:
        """Prepare an attempt and return a handle for it at once. Never raises for the job's
        own failures (a missing image, say): those come back as the handle's Outcome."""
        ...

    def run(self, handle: Any) -> None:
        """Do the attempt's work that must not hold the fake's lock (a handler: user code,
        which may call the fake from other threads). Returns when it is done; how it ended
        is what a later :meth:`poll` reports. A no-op for work that runs elsewhere."""
        ...

    def poll(self, handles: Sequence[Any], now_ms: int) -> dict[Any, Outcome]:
        """The outcomes of those attempts that have finished by ``now_ms``."""
        ...

    def logs(self, handle: Any, now_ms: int) -> list[tuple[int, str]]:
        """What a running attempt has logged so far, as (epoch ms, line) pairs."""
        ...

    def finish_time(self, handle: Any) -> int | None:
        """When a running attempt will end, where the executor knows it (simulated work);
        None for real work, which ends when it ends."""
        ...

    def stop(self, handle: Any, now_ms: int) -> Outcome | None:
        """Stop a running attempt without waiting for it: what it left (its logs, its exit
        code) if it is over at once, else None, and a later :meth:`poll` reports it once it
        has stopped."""
        ...

    def close(self) -> None:
        """Stop and remove everything still running; the fake is going away."""
        ...
