"""FakeBatch: the object a test holds while Batch is faked."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from botocore.credentials import ReadOnlyCredentials

from .api import BATCH, LOGS, Call
from .api.logs.log_events import claims
from .api.shared.params import Params
from .api.shared.validation import check_request
from .errors import BatchError, NotImplementedOperation, ServerError, as_answered_by
from .events.log import EventLog, moto_answers_aws
from .events.records import Events
from .executors.base import Executor
from .executors.inprocess import Handler, Handlers, InProcessExecutor
from .executors.service import ServiceHandler
from .frontends import credentials, hook
from .frontends.faults import hide, refuse
from .frontends.routes import batch_model
from .frontends.serving import Serving
from .inspection.inspector import Inspector
from .inspection.records import ApiCall, JobInfo
from .model.region import Region
from .scheduling.clock import Clock
from .scheduling.driver import Driver
from .scheduling.fault_controls import Faults
from .scheduling.scheduler import Scheduler

H = TypeVar("H", bound=Handler)
S = TypeVar("S", bound=ServiceHandler)

DEFAULT_ACCOUNT = "123456789012"
_READS = ("Describe", "List", "Get")  # operations that only read: they start nothing


class FakeBatch:
    """An in-memory AWS Batch that answers every Batch call made through botocore.

    Use it through the ``fake_batch`` fixture, or as a context manager outside pytest.
    Jobs run on the in-process executor, or with ``docker=True`` as Docker containers:
    ``images`` maps globs of job images to local images, ``pull`` is ``"never"`` or
    ``"missing"``, ``max_containers`` caps the containers running at once, and ``label`` is
    written on each container (the fixture gives the test's id). Docker mode needs the docker
    SDK (``pip install "pytest-fakebatch[docker]"``) and an engine; without either the
    constructor raises ``RuntimeError`` saying which. ``events=False`` keeps no job
    state-change events (:attr:`events`) and puts none on EventBridge.
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        docker: bool = False,
        images: Mapping[str, str] | None = None,
        pull: str = "never",
        max_containers: int | None = None,
        label: str = "",
        clock: Clock | None = None,
        check_shapes: bool = False,
        executor: Executor | None = None,
        events: bool = True,
    ) -> None:
        self.account_id = account_id
        self.check_shapes = check_shapes  # also parse every answer with botocore and compare
        self.clock = clock or Clock()
        self.handlers = Handlers()
        if docker:
            if executor is not None:
                raise TypeError("FakeBatch takes docker=True or an executor, not both")
            from .executors.docker import DockerExecutor  # the docker SDK, only in Docker mode

            executor = DockerExecutor(
                images=dict(images or {}), pull=pull, max_running=max_containers, test_id=label
            )
        elif images or pull != "never" or max_containers is not None:
            raise TypeError("images=, pull= and max_containers= apply to docker=True only")
        self.executor: Executor = executor or InProcessExecutor(self.handlers)
        self.autorun = True
        # called with the fake after each answered Batch call (the plugin's progress line)
        self.after_call: Callable[[FakeBatch], None] | None = None
        self._scheduler = Scheduler(self.clock, self.executor)
        self._regions: dict[str, Region] = {}
        self._event_log = EventLog() if events else None
        self._lock = threading.RLock()  # guards state; attempts' work (handlers) runs without it
        self._seq = itertools.count()
        self._active = False  # between start() and stop()
        self._serving = Serving(self, self._lock, self._serve_attempts)
        self._driver = Driver(self._scheduler, self._lock, self._regions, self._region, self._publish_events)
        self._inspector = Inspector(self._regions, self._lock, self._scheduler, self._event_log)
        self.faults = Faults(self._scheduler, self._lock, self._regions, BATCH)
        """Faults on demand (throttles, service errors, reclaims, failed starts, a visibility lag)."""

    # -- lifetime -----------------------------------------------------------------------

    def start(self) -> FakeBatch:
        """Begin answering Batch calls (the fixture does this for you).

        No credentials are needed and none are set: the fake answers before botocore signs.
        While it is active, botocore does not ask the EC2 instance metadata service for
        credentials (a network timeout per client created); other sources answer as usual."""
        hook.activate(self)
        credentials.go_offline()
        self._active = True
        return self

    def serve(
        self,
        *,
        verify_signatures: bool = True,
        idle_timeout: float | None = None,
        max_connections: int | None = None,
    ) -> str:
        """Answer Batch (and job logs) over HTTP too, for code outside this process, such as
        a job's container; returns the endpoint URL. Attempts started from now on get
        :meth:`environ`'s variables (endpoints and :attr:`credentials`) in their environment.

        Every request must be signed (SigV4) with :attr:`credentials`;
        ``verify_signatures=False`` accepts any signature, for tools that cannot be given
        credentials, and then also refuses requests carrying a browser's ``Sec-Fetch-Site`` or
        ``Sec-Fetch-Mode`` header. Browser-style requests (an ``Origin`` header, a ``Host``
        other than the server's own, a body that is not JSON) are refused either way.
        ``idle_timeout`` (seconds, 30 unless given) closes a connection left idle;
        ``max_connections`` (64 unless given) caps the connections answered at once, more wait
        to be accepted. The first call starts the server; a later one asking for other settings
        raises ``RuntimeError``."""
        return self._serving.serve(
            verify_signatures=verify_signatures, idle_timeout=idle_timeout, max_connections=max_connections
        )

    def environ(self, region: str = "us-east-1") -> dict[str, str]:
        """The environment variables a subprocess needs to reach this fake over HTTP: endpoint
        URLs for Batch and CloudWatch Logs, the fake's credentials and a region. Starts the
        server (:meth:`serve`) if it is not running yet.

        ``subprocess.run(["aws", "batch", "describe-job-queues"], env={**os.environ,
        **fake.environ()})`` is all it takes."""
        return self._serving.environ(region)

    @property
    def credentials(self) -> ReadOnlyCredentials:
        """The access key and secret the HTTP mode's clients sign with; fresh per fake."""
        return self._serving.credentials

    def _serve_attempts(self, env: dict[str, str]) -> None:
        self._scheduler.extra_env = env  # attempts started from now on reach the server

    def stop(self) -> None:
        """Stop answering (the HTTP server's port and every open connection are closed before
        this returns), stop whatever still runs, and forget all state."""
        hook.deactivate(self)
        if self._active:
            credentials.go_online()
            self._active = False
        self._serving.close()  # the port and its connections; no serve() after this
        try:  # outside the lock too: Docker's removals may take seconds, and nothing new comes in
            self.executor.close()
        finally:
            with self._lock:
                self._regions.clear()

    def __enter__(self) -> FakeBatch:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- what jobs do -------------------------------------------------------------------

    @property
    def default_exit_code(self) -> int:
        """The exit code of jobs no handler matches (0 unless set)."""
        return self.handlers.default_exit_code

    @default_exit_code.setter
    def default_exit_code(self, code: int) -> None:
        self.handlers.default_exit_code = code

    def handler(
        self,
        pattern: str | None = None,
        *,
        image: str | None = None,
        definition: str | None = None,
        job_name: str | None = None,
    ) -> Callable[[H], H]:
        """Decorate the function that runs as the container of matching jobs.

        ``pattern`` is a glob matched against the image and the job definition's name;
        ``image=``, ``definition=`` or ``job_name=`` match one of them only. The function
        receives a :class:`JobRun` and returns None or an exit code (or an :class:`Exit`);
        what it prints becomes the job's log. The last registration that matches wins.
        """
        field_name, glob = self.handlers.choose(
            "handler", pattern, image=image, definition=definition, job_name=job_name
        )

        def register(fn: H) -> H:
            self.handlers.add(field_name, glob, fn)
            return fn

        return register

    def service_handler(
        self, pattern: str | None = None, *, image: str | None = None, job_name: str | None = None
    ) -> Callable[[S], S]:
        """Decorate the function that plays the SageMaker training job of matching service
        jobs (SubmitServiceJob), in Docker mode too.

        ``pattern`` is a glob matched against the payload's training image
        (``AlgorithmSpecification.TrainingImage``) and the job name; ``image=`` or
        ``job_name=`` match one of them only. The function receives a
        :class:`ServiceJobRun` and returns None to complete, or raises (or returns
        ``Exit(status_reason=...)``) to fail; what it prints is the training job's log. The
        last registration that matches wins; unmatched service jobs complete at once.
        """
        handlers = self._scheduler.services.handlers
        field_name, glob = handlers.choose("service_handler", pattern, image=image, job_name=job_name)

        def register(fn: S) -> S:
            handlers.add(field_name, glob, fn)
            return fn

        return register

    # -- driving the scheduler ----------------------------------------------------------

    def run_until_idle(self) -> None:
        """Move every job as far as it can go now (what each API call does when autorun)."""
        self._driver.observe(None, until_idle=True)

    def step(self) -> bool:
        """Move every job at most one status along; whether anything moved."""
        moved = self._driver.observe(None, until_idle=False)
        self._publish_events()
        return moved

    def advance(self, seconds: float) -> None:
        """Move the clock forward: simulated work finishes and timeouts fire at their own
        times, and with autorun the jobs they free start then, not at the end of the jump."""
        self._driver.advance(seconds, autorun=lambda: self.autorun)

    @property
    def events(self) -> Events:
        """Every job state-change event so far, oldest first, as AWS Batch sends them to
        EventBridge (none for a submission); ``.filter(job=..., status=...)`` narrows them.
        Empty when the fake was made with ``events=False``."""
        return self._inspector.events()

    def _publish_events(self) -> None:
        """Put new events on EventBridge where moto answers it (outside the lock: its rules
        run their targets)."""
        log = self._event_log
        if log is not None and moto_answers_aws():
            with self._lock:
                log.sync()
            log.publish()

    # -- inspection ---------------------------------------------------------------------

    def jobs(self, *, status: str | None = None, region: str | None = None) -> list[JobInfo]:
        """Every submitted job (array children included), oldest first."""
        return self._inspector.jobs(status=status, region=region)

    def progress(self) -> tuple[int, int, int]:
        """(jobs finished, jobs in all, attempts starting or running): array children and
        multi-node nodes count one each, their parents not at all."""
        return self._inspector.progress()

    def job(self, job_id: str, *, region: str | None = None) -> JobInfo:
        """One job by id (``<parent>:<index>`` for an array child)."""
        return self._inspector.job(job_id, region=region)

    @property
    def calls(self) -> list[ApiCall]:
        """Every request answered (Batch and job logs), oldest first: an :class:`ApiCall` each."""
        return self._inspector.calls

    # -- the API ------------------------------------------------------------------------

    def answers_logs(self, region: str, operation: str, body: dict[str, Any]) -> bool:
        """Whether a CloudWatch Logs request is about job output this fake holds."""
        with self._lock:
            try:
                return operation in LOGS and claims(self._region(region), body.get("logGroupName"))
            except Exception as bug:  # never a traceback into botocore
                raise ServerError(f"{operation}: pytest-fakebatch failed internally: {bug!r}") from bug

    def dispatch(self, service: str, operation: str, region_name: str, body: Any, valid: bool = False) -> Any:
        """Answer one request (``valid``: botocore's client validation passed it); raises BatchError
        for the caller's errors and our own bugs. The lock guards state, not running attempts."""
        error: str | None = None
        try:
            return self._dispatch(service, operation, region_name, body, valid)
        except BatchError as failure:
            error = as_answered_by(service, failure).code
            raise
        except Exception as bug:  # never a traceback into botocore
            error = ServerError.code
            raise ServerError(
                f"{operation}: pytest-fakebatch failed internally: {type(bug).__name__}: {bug}"
            ) from bug
        finally:
            self._inspector.record(service, operation, region_name, body, error)

    def _dispatch(self, service: str, operation: str, region_name: str, body: Any, valid: bool) -> Any:
        table = BATCH if service == "batch" else LOGS
        fn = table.get(operation)
        if fn is None:
            raise NotImplementedOperation(
                f"{operation} is not implemented by pytest-fakebatch yet "
                f"(implemented: {', '.join(sorted(table))})"
            )
        check_request(service, operation, region_name, body, validated=valid)  # nothing runs if refused
        faults = self._scheduler.faults
        if faults.armed and service == "batch":  # a fault injected where requests are answered
            refuse(faults, operation, self.clock.now_ms(), self._lock)
        if self.autorun:  # the scheduler contains its own bugs: they never fail this request
            self._driver.observe(region_name, until_idle=True)
        with self._lock:
            region = self._region(region_name)
            if service == "logs":
                self._scheduler.sync_logs(region)
            answer = fn(
                Call(Params(operation, body), region, self.clock, self._scheduler, self._seq.__next__)
            )
            if region_name not in self._regions and not region.is_empty():
                self._regions[region_name] = region  # kept once a request put something in it
            if faults.armed and service == "batch":  # jobs just submitted, not visible yet
                answer = hide(faults, operation, answer, self.clock.now_ms())
        if self.autorun and not operation.startswith(_READS):  # what the call started runs now
            self._driver.observe(region_name, until_idle=True)
        self._publish_events()
        if self.after_call is not None and not self._driver.in_handler():
            self.after_call(self)
        return answer

    def _region(self, name: str) -> Region:
        """The region's state; an empty one, not kept, for a region nothing was made in."""
        journal = self._event_log.journal if self._event_log is not None else None
        return self._regions.get(name) or Region(self.account_id, name, journal=journal)

    @staticmethod
    def operations() -> dict[str, bool]:
        """Every Batch operation botocore knows, and whether the fake implements it."""
        return {name: name in BATCH for name in batch_model().operation_names}
