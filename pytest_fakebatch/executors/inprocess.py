"""The default executor: a job's attempt is a Python callable run inside the test process."""

from __future__ import annotations

import contextlib
import fnmatch
import io
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from .base import AttemptSpec, Outcome


@dataclass(frozen=True, slots=True)
class Exit:
    """What a handler returns when an exit code alone does not say how its attempt ended.

    ``Exit(status_reason="Host EC2 (instance i-0abc) terminated.", code=None)`` scripts a
    Spot reclaim; ``Exit(137, reason="OutOfMemoryError: Container killed due to memory
    usage")`` an out-of-memory kill.
    """

    code: int | None = 0
    reason: str | None = None
    status_reason: str | None = None


HandlerResult = int | Exit | None
Handler = Callable[["JobRun"], HandlerResult]


class JobRun:
    """What a handler sees of the attempt it runs: the container's view of its job."""

    def __init__(self, spec: AttemptSpec, started_ms: int) -> None:
        self.job_id = spec.job_id
        self.job_name = spec.job_name
        self.attempt = spec.attempt
        self.array_index = spec.array_index
        self.definition = spec.definition_name
        self.queue = spec.queue_name
        self.image = spec.image
        self.command = list(spec.command)
        self.env = dict(spec.environment)
        self.parameters = dict(spec.parameters)
        self.vcpus = spec.vcpus
        self.memory = spec.memory_mib
        self._started_ms = started_ms
        self.elapsed_ms = 0
        self.logs: list[tuple[int, str]] = []

    def sleep(self, seconds: float) -> None:
        """Take ``seconds`` of simulated time; the attempt finishes when the clock gets there."""
        self.elapsed_ms += round(seconds * 1000)

    def log(self, message: str) -> None:
        """Write one line to the job's log (``print`` does the same)."""
        self.logs.append((self._started_ms + self.elapsed_ms, message))


class Loggable(Protocol):
    """What a handler's run needs for its output to become log lines."""

    def log(self, message: str) -> None: ...


R = TypeVar("R", bound=Loggable)


class _LogWriter(io.TextIOBase):
    """A stdout that turns every printed line into a log event of the running attempt."""

    def __init__(self, run: Loggable) -> None:
        self._run = run
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._run.log(line)
        return len(text)

    def flush_partial(self) -> None:
        if self._partial:
            self._run.log(self._partial)
            self._partial = ""


@dataclass(frozen=True, slots=True)
class _Route:
    field: str  # "any", "image", "definition" or "job_name"
    pattern: str
    handler: Handler

    def matches(self, spec: AttemptSpec) -> bool:
        candidates = {
            "any": (spec.image, spec.definition_name),
            "image": (spec.image,),
            "definition": (spec.definition_name,),
            "job_name": (spec.job_name,),
        }[self.field]
        return any(fnmatch.fnmatchcase(c, self.pattern) for c in candidates)


@dataclass
class Handlers:
    """Which callable runs which job: the last matching registration wins."""

    routes: list[_Route] = field(default_factory=list)
    default_exit_code: int = 0

    def add(self, field_name: str, pattern: str, handler: Handler) -> None:
        self.routes.append(_Route(field_name, pattern, handler))

    def find(self, spec: AttemptSpec) -> Handler | None:
        for route in reversed(self.routes):
            if route.matches(spec):
                return route.handler
        return None


@dataclass(eq=False, slots=True)
class _Attempt:
    outcome: Outcome


class InProcessExecutor:
    """Runs each attempt's handler when the attempt starts; it ends at start + simulated time."""

    max_running: int | None = None

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers

    def start(self, spec: AttemptSpec, now_ms: int) -> _Attempt:
        run = JobRun(spec, now_ms)
        handler = self.handlers.find(spec)
        outcome = Outcome(exit_code=self.handlers.default_exit_code)
        if handler is not None:
            outcome = call_handler(handler, run)
        outcome.logs = run.logs + outcome.logs
        outcome.finished_at = now_ms + run.elapsed_ms
        return _Attempt(outcome)

    def poll(self, handles: Sequence[Any], now_ms: int) -> dict[Any, Outcome]:
        done = {}
        for handle in handles:
            finished_at = handle.outcome.finished_at
            if finished_at is None or finished_at <= now_ms:
                done[handle] = handle.outcome
        return done

    def logs(self, handle: Any, now_ms: int) -> list[tuple[int, str]]:
        return [(ts, line) for ts, line in handle.outcome.logs if ts <= now_ms]

    def finish_time(self, handle: Any) -> int | None:
        finished_at: int | None = handle.outcome.finished_at
        return finished_at

    def stop(self, handle: Any, now_ms: int) -> Outcome:
        return Outcome(exit_code=None, logs=self.logs(handle, now_ms), finished_at=now_ms)

    def close(self) -> None:
        pass


def call_handler(handler: Callable[[R], HandlerResult], run: R) -> Outcome:
    """Run ``handler`` on ``run`` as its attempt: printed lines are logged, ``sys.exit`` and
    errors become the outcome (shared by container and service jobs)."""
    writer = _LogWriter(run)
    try:
        with contextlib.redirect_stdout(writer):
            result = handler(run)
    except SystemExit as exit_:  # sys.exit(n) in a handler is the container exiting with n
        writer.flush_partial()
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        return _exit_code_outcome(code)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as error:  # the job's own failure (pytest.fail too), never the test's
        writer.flush_partial()
        for line in traceback.format_exc().rstrip().splitlines():
            run.log(line)
        return Outcome(
            exit_code=1,
            reason=f"{type(error).__name__}: {error}",
            status_reason=f"Essential container in task exited ({type(error).__name__}: {error})",
        )
    writer.flush_partial()
    if isinstance(result, Exit):
        return Outcome(exit_code=result.code, reason=result.reason, status_reason=result.status_reason)
    return _exit_code_outcome(result)


def _exit_code_outcome(result: object) -> Outcome:
    if result is None:
        return Outcome(exit_code=0)
    if isinstance(result, int) and not isinstance(result, bool) and 0 <= result <= 255:
        return Outcome(exit_code=result)
    return Outcome(
        exit_code=1,
        reason=f"handler returned {result!r}",
        status_reason=f"Essential container in task exited (handler returned {result!r}; "
        "return None, an exit code 0..255 or Exit(...))",
    )
