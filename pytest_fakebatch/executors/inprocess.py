"""The default executor: a job's attempt is a Python callable run inside the test process."""

from __future__ import annotations

import contextlib
import fnmatch
import io
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TextIO, TypeVar

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


class SimulatedWork:
    """What every handler's run has: simulated time and the log lines written at it."""

    def __init__(self, started_ms: int) -> None:
        self.started_ms = started_ms
        self.elapsed_ms = 0
        self.logs: list[tuple[int, str]] = []

    def sleep(self, seconds: float) -> None:
        """Take ``seconds`` of simulated time; the attempt finishes when the clock gets there."""
        self.elapsed_ms += round(seconds * 1000)

    def log(self, message: str) -> None:
        """Write one line to the attempt's log (``print`` does the same)."""
        self.logs.append((self.started_ms + self.elapsed_ms, message))


class JobRun(SimulatedWork):
    """What a handler sees of the attempt it runs: the container's view of its job."""

    def __init__(self, spec: AttemptSpec, started_ms: int) -> None:
        super().__init__(started_ms)
        self.job_id = spec.job_id
        self.job_name = spec.job_name
        self.attempt = spec.attempt
        self.array_index = spec.array_index
        self.definition = spec.definition_name
        self.queue = spec.queue_name
        self.image = spec.image
        self.container_name = spec.container_name  # ECS/EKS jobs: which of the job's containers
        self.command = list(spec.command)
        self.env = dict(spec.environment)
        self.parameters = dict(spec.parameters)
        self.vcpus = spec.vcpus
        self.memory = spec.memory_mib


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


A = TypeVar("A")  # what a handler is matched against
F = TypeVar("F", bound=Callable[..., Any])  # the handler


@dataclass(frozen=True, slots=True)
class _Route(Generic[F]):
    fields: tuple[str, ...]  # the attempt's fields its glob is matched against
    pattern: str
    handler: F


class Routes(Generic[A, F]):
    """Which callable runs which attempt: each registration globs one named field of the
    attempt, or all of those ``fields`` lists under "any"; the last match wins."""

    def __init__(self, fields: dict[str, Callable[[A], str]], any_of: tuple[str, ...]) -> None:
        self._fields = fields
        self._any_of = any_of
        self._routes: list[_Route[F]] = []

    def choose(self, caller: str, pattern: str | None, **named: str | None) -> tuple[str, str]:
        """The field ("any" for ``pattern``) and glob of one registration; TypeError unless
        exactly one of them is given."""
        given = [(f, v) for f, v in (("any", pattern), *named.items()) if v is not None]
        if len(given) != 1:
            names = ["pattern", *(f"{name}=" for name in named)]
            raise TypeError(f"{caller}() takes exactly one of {', '.join(names[:-1])} and {names[-1]}")
        return given[0]

    def add(self, field_name: str, pattern: str, handler: F) -> None:
        fields = self._any_of if field_name == "any" else (field_name,)
        self._routes.append(_Route(fields, pattern, handler))

    def find(self, attempt: A) -> F | None:
        for route in self._routes[::-1]:  # the last registration first
            if any(fnmatch.fnmatchcase(self._fields[name](attempt), route.pattern) for name in route.fields):
                return route.handler
        return None


class Handlers(Routes[AttemptSpec, Handler]):
    """Which callable runs which job's container, and the exit code of jobs none matches."""

    def __init__(self) -> None:
        super().__init__(
            {
                "image": lambda spec: spec.image,
                "definition": lambda spec: spec.definition_name,
                "job_name": lambda spec: spec.job_name,
            },
            any_of=("image", "definition"),
        )
        self.default_exit_code = 0


@dataclass(eq=False, slots=True)
class _Attempt:
    run: JobRun
    handler: Handler | None
    default_exit_code: int
    outcome: Outcome | None = None  # set once the handler has returned
    stopped: bool = False  # stopped before its handler ran: it never runs


class InProcessExecutor:
    """Runs each attempt's handler in :meth:`run`, on the thread that observed the attempt
    start, without the fake's lock; the attempt ends at start + simulated time."""

    max_running: int | None = None

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers

    def start(self, spec: AttemptSpec, now_ms: int) -> _Attempt:
        return _Attempt(JobRun(spec, now_ms), self.handlers.find(spec), self.handlers.default_exit_code)

    def run(self, handle: Any) -> None:
        if handle.stopped or handle.outcome is not None:
            return
        run: JobRun = handle.run
        outcome = Outcome(exit_code=handle.default_exit_code)
        if handle.handler is not None:
            outcome = call_handler(handle.handler, run)
        outcome.logs = run.logs + outcome.logs
        outcome.finished_at = run.started_ms + run.elapsed_ms
        handle.outcome = outcome

    def poll(self, handles: Sequence[Any], now_ms: int) -> dict[Any, Outcome]:
        done = {}
        for handle in handles:
            outcome = handle.outcome
            if outcome is not None and (outcome.finished_at is None or outcome.finished_at <= now_ms):
                done[handle] = outcome
        return done

    def logs(self, handle: Any, now_ms: int) -> list[tuple[int, str]]:
        lines = handle.outcome.logs if handle.outcome is not None else list(handle.run.logs)
        return [(ts, line) for ts, line in lines if ts <= now_ms]

    def finish_time(self, handle: Any) -> int | None:
        return None if handle.outcome is None else handle.outcome.finished_at

    def stop(self, handle: Any, now_ms: int) -> Outcome:
        handle.stopped = True  # a handler already running goes on; what it returns is ignored
        return Outcome(exit_code=None, logs=self.logs(handle, now_ms), finished_at=now_ms)

    def close(self) -> None:
        pass


class _Stdout(io.TextIOBase):
    """``sys.stdout`` while handlers run: each thread running a handler prints to its job's
    log; any other thread prints to the job's log when exactly one handler runs (threads a
    handler started, say), else to the stream that was ``sys.stdout`` before."""

    def __init__(self, before: TextIO) -> None:
        self.before = before
        self.writers: dict[int, _LogWriter] = {}  # thread ident -> the log of its handler

    def writable(self) -> bool:
        return True

    def _target(self) -> Any:
        writers = dict(self.writers)
        mine = writers.get(threading.get_ident())
        if mine is None and len(writers) == 1:
            (mine,) = writers.values()
        return self.before if mine is None else mine

    def write(self, text: str) -> int:
        written: int = self._target().write(text)
        return written

    def flush(self) -> None:
        self._target().flush()


_stdout_lock = threading.Lock()
_stdout: _Stdout | None = None


@contextlib.contextmanager
def _printing_to(writer: _LogWriter) -> Iterator[None]:
    """Route this thread's ``print`` to ``writer`` while a handler runs (see :class:`_Stdout`).
    ``contextlib.redirect_stdout`` would not do: handlers on two threads would restore each
    other's streams."""
    global _stdout
    me = threading.get_ident()
    with _stdout_lock:
        if _stdout is None or sys.stdout is not _stdout:
            _stdout = _Stdout(sys.stdout)
            sys.stdout = _stdout
        router = _stdout
        router.writers[me] = writer
    try:
        yield
    finally:
        with _stdout_lock:
            router.writers.pop(me, None)
            if not router.writers and sys.stdout is router:
                sys.stdout = router.before
                _stdout = None


def call_handler(handler: Callable[[R], HandlerResult], run: R) -> Outcome:
    """Run ``handler`` on ``run`` as its attempt: printed lines are logged, ``sys.exit`` and
    errors become the outcome (shared by container and service jobs)."""
    writer = _LogWriter(run)
    try:
        with _printing_to(writer):
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
