"""The pytest glue: options, the ``fake_batch`` fixture, the marker and the report header.

This is the module the ``pytest11`` entry point names. Thin by design: it reads the
configuration and hands it to :class:`FakeBatch`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import chaos
from .options import CLOCKS
from .options import MARKER_ARGUMENTS as MARKER_ARGUMENTS
from .options import pytest_addoption as pytest_addoption

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter  # pytest.TerminalReporter is pytest 8's

    # the fake itself is imported when a test first uses it: a run without the fixture pays
    # nothing for botocore's hook or the model
    from .fake import FakeBatch
    from .report.progress import Progress

_DOCKER_KEY = pytest.StashKey["DockerSettings | None"]()
_ENGINE_KEY = pytest.StashKey["str | None"]()  # set once checked: None if the engine answers, else why not
_FIRST_REFUSED_KEY = pytest.StashKey[str]()  # the first test refused Docker mode, to refer to
_DOCKER_USED_KEY = pytest.StashKey[int]()  # tests whose fake ran its jobs as Docker containers
_REPORT_KEY = pytest.StashKey["Report | None"]()
_INDEX_KEY = pytest.StashKey["tuple[Path, int]"]()  # the report's index, and its pages
_OUTCOME_KEY = pytest.StashKey[str]()  # the call phase's outcome, for the test's timeline
_CLOCK_KEY = pytest.StashKey[str]()  # fakebatch_clock: "wall" or "frozen"
_DOCKER_SWITCHES = "--fakebatch-docker, ini fakebatch_docker, @pytest.mark.fakebatch(docker=True)"


@dataclass(frozen=True)
class DockerSettings:
    """What ``--fakebatch-docker`` and the ini keys ask of the Docker executor."""

    enabled: bool
    images: dict[str, str] = field(default_factory=dict)  # glob of the job's image -> local image
    pull: str = "never"  # never | missing
    max_containers: int | None = None


@dataclass(frozen=True)
class Report:
    """Where ``--fakebatch-report`` writes its pages, and this session's mark on them."""

    directory: Path
    session: str  # the controller's, handed to xdist workers: the index lists this run only


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    _leave_asserts_alone(early_config)  # before a conftest imports the fake


def _leave_asserts_alone(config: pytest.Config) -> None:
    """Keep pytest from rewriting the asserts of this package's modules. pytest rewrites every
    module of a distribution that names a ``pytest11`` entry point (and of a plugin named in
    ``pytest_plugins``), meant for assertion helpers; ours are the fake's own invariants.
    Rewriting parses and compiles each of the ~90 modules anew wherever pytest cannot cache the
    result (``PYTHONDONTWRITEBYTECODE``, as many CI images set, or a read-only install):
    about 200 ms at the first use of the fake, every session. pytest has no public way to
    unmark a package; where its hook is not the one known here, nothing changes."""
    hook = getattr(config.pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    package = __name__.rpartition(".")[0]
    if isinstance(marked, set) and package in marked:
        marked.discard(package)
        cache = getattr(hook, "_marked_for_rewrite_cache", None)
        if isinstance(cache, dict):
            cache.clear()


def pytest_configure(config: pytest.Config) -> None:
    _leave_asserts_alone(config)  # a plugin loaded by pytest_plugins, after the initial conftests
    config.addinivalue_line(
        "markers",
        f"fakebatch({', '.join(f'{name}=None' for name in MARKER_ARGUMENTS)}): configure the fake_batch "
        "fixture for one test (docker=True runs its jobs as containers, events=False keeps no events)",
    )
    config.stash[_DOCKER_KEY] = _docker_settings(config)
    config.stash[_REPORT_KEY] = _report(config)
    clock = config.getini("fakebatch_clock")
    if clock not in CLOCKS:
        raise pytest.UsageError(f"fakebatch_clock must be 'wall' or 'frozen', not '{clock}'")
    config.stash[_CLOCK_KEY] = clock


def _report(config: pytest.Config) -> Report | None:
    """The report's directory (the option's relative to where pytest was started, the ini
    key's relative to the rootdir), created; None when no report is asked for."""
    option = config.getoption("fakebatch_report")
    ini = config.getini("fakebatch_report")
    if not option and not ini:
        return None
    base = config.invocation_params.dir if option else config.rootpath
    directory = base / (option or ini)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise pytest.UsageError(f"fakebatch report directory '{directory}' cannot be made: {error}") from None
    worker = getattr(config, "workerinput", None)
    session = worker["fakebatch_report_session"] if worker else uuid.uuid4().hex
    return Report(directory, session)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: a worker's pages carry the controller's session mark."""
    report = node.config.stash.get(_REPORT_KEY, None)
    if report is not None:
        node.workerinput["fakebatch_report_session"] = report.session


def pytest_sessionfinish(session: pytest.Session) -> None:
    report = session.config.stash.get(_REPORT_KEY, None)
    if report is not None and not hasattr(session.config, "workerinput"):
        from .report.pages import write_index

        index, pages = write_index(report.directory, report.session)
        session.config.stash[_INDEX_KEY] = (index, pages)


def _docker_settings(config: pytest.Config) -> DockerSettings:
    enabled = config.getoption("fakebatch_docker")
    if enabled is None:
        enabled = bool(config.getini("fakebatch_docker"))
    images = {}
    for line in [*config.getini("fakebatch_images"), *config.getoption("fakebatch_image")]:
        pattern, sep, image = line.partition("=")
        if not sep or not pattern.strip() or not image.strip():
            raise pytest.UsageError(f"fakebatch image mapping '{line}' must look like PATTERN=IMAGE")
        images[pattern.strip()] = image.strip()
    pull = config.getini("fakebatch_pull")
    if pull not in ("never", "missing"):
        raise pytest.UsageError(f"fakebatch_pull must be 'never' or 'missing', not '{pull}'")
    ceiling = config.getini("fakebatch_max_containers")
    if ceiling and (not str(ceiling).isdigit() or int(ceiling) < 1):
        raise pytest.UsageError(f"fakebatch_max_containers must be a positive integer, not '{ceiling}'")
    return DockerSettings(bool(enabled), images, pull, int(ceiling) if ceiling else None)


def pytest_sessionstart(session: pytest.Session) -> None:
    settings = session.config.stash[_DOCKER_KEY]
    if settings is not None and settings.enabled:
        problem = _docker_engine(session.config)
        if problem is not None:
            raise pytest.UsageError(problem)


def _docker_engine(config: pytest.Config) -> str | None:
    """Check the Docker engine (bounded: about 10 s) and sweep dead runs' leftovers, once per
    session however Docker mode was chosen; None if the engine answers, else the one-line
    message naming DOCKER_HOST. The answer is remembered, so an engine that hangs costs its
    timeout once, not once per test."""
    if _ENGINE_KEY not in config.stash:
        from .executors import docker  # the docker SDK is imported only in Docker mode

        try:
            docker.check_engine()
            docker.sweep_leftovers()
            config.stash[_ENGINE_KEY] = None
        except docker.DockerUnavailable as error:
            config.stash[_ENGINE_KEY] = f"{error} (Docker mode is chosen by {_DOCKER_SWITCHES})"
    return config.stash[_ENGINE_KEY]


def pytest_report_header(config: pytest.Config) -> str:
    settings = config.stash.get(_DOCKER_KEY, None)
    if settings is not None and settings.enabled:
        host = os.environ.get("DOCKER_HOST", "the default Docker socket")
        return f"fakebatch: Docker executor ({host})"
    return "fakebatch: in-process executor"


def pytest_terminal_summary(terminalreporter: TerminalReporter, config: pytest.Config) -> None:
    """Where the header said in-process, say which tests ran their jobs in Docker after all."""
    settings = config.stash.get(_DOCKER_KEY, None)
    used = config.stash.get(_DOCKER_USED_KEY, 0)
    if used and not (settings is not None and settings.enabled):
        tests = "test" if used == 1 else "tests"
        marker = "@pytest.mark.fakebatch(docker=True)"
        terminalreporter.write_line(f"fakebatch: {used} {tests} ran jobs as Docker containers ({marker})")
    written = config.stash.get(_INDEX_KEY, None)
    if written is not None:
        index, pages = written
        tests = "test" if pages == 1 else "tests"
        terminalreporter.write_line(f"fakebatch: timelines of {pages} {tests} in {index}")


def _refuse_without_engine(request: pytest.FixtureRequest) -> None:
    """Error this test, without a traceback, when Docker mode was asked of it (by the marker
    alone) and no engine answers: the first such test with the engine check's message, the
    others with a reference to it."""
    problem = _docker_engine(request.config)
    if problem is None:
        return
    first = request.config.stash.setdefault(_FIRST_REFUSED_KEY, request.node.nodeid)
    if first != request.node.nodeid:
        problem = f"pytest-fakebatch Docker mode: no Docker engine answers (see the error of {first})"
    pytest.fail(problem, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A failed test that used the fake gets a "fakebatch" section in its report: its jobs and
    the logs of the FAILED ones. A passed one too, when asked for with -rA or -rP."""
    fake = getattr(item, "funcargs", {}).get("fake_batch") if call.when == "call" else None
    if fake is not None and (call.excinfo is not None or _passes_shown(item.config)):
        from .report.failure import failure_section

        section = failure_section(fake.jobs()) + chaos.report_lines(item, fake)  # and its faults
        item.add_report_section("call", "fakebatch", section)
    outcome = yield
    if call.when == "call":
        report: pytest.TestReport = outcome.get_result()
        item.stash[_OUTCOME_KEY] = report.outcome


def _passes_shown(config: pytest.Config) -> bool:
    chars = getattr(config.option, "reportchars", "") or ""
    return "A" in chars or "P" in chars


@pytest.fixture
def fake_batch(request: pytest.FixtureRequest) -> Iterator[FakeBatch]:
    """An active fake AWS Batch: every Batch call through boto3/botocore is answered by it.

    Configure one test with ``@pytest.mark.fakebatch(docker=True, images={...})``.
    """
    # a test's own marker beats its class's, which beats its module's, argument by argument:
    # what the closer one leaves out, a farther one still sets
    markers = list(request.node.iter_markers("fakebatch"))
    options: dict[str, Any] = {}
    for marker in reversed(markers):
        options.update(marker.kwargs)
    unknown = set(options) - set(MARKER_ARGUMENTS)
    if not isinstance(options.get("events", False), bool):
        raise pytest.UsageError(
            f"@pytest.mark.fakebatch(events=...) takes True or False, not {options['events']!r}"
        )
    if options.get("clock") not in (None, *CLOCKS):
        raise pytest.UsageError(
            f"@pytest.mark.fakebatch(clock=...) takes 'frozen' or 'wall', not {options['clock']!r}"
        )
    if unknown or any(marker.args for marker in markers):
        raise pytest.UsageError(
            f"@pytest.mark.fakebatch takes {', '.join(f'{name}=' for name in MARKER_ARGUMENTS)} only "
            f"(got {sorted(unknown)})"
        )
    settings: DockerSettings = request.config.stash[_DOCKER_KEY] or DockerSettings(False)
    use_docker = settings.enabled if options.get("docker") is None else bool(options["docker"])
    from .fake import FakeBatch

    account = options.get("account_id") or request.config.getini("fakebatch_account_id")
    docker: dict[str, Any] = {}
    if use_docker:
        _refuse_without_engine(request)
        docker = {
            "docker": True,
            "images": {**settings.images, **(options.get("images") or {})},
            "pull": settings.pull,
            "max_containers": settings.max_containers,
            "label": request.node.nodeid,
        }
        request.config.stash[_DOCKER_USED_KEY] = request.config.stash.get(_DOCKER_USED_KEY, 0) + 1
    try:
        fake = FakeBatch(
            check_shapes=bool(request.config.getini("fakebatch_check_shapes")),
            events=bool(
                request.config.getini("fakebatch_events")
                if options.get("events") is None
                else options["events"]
            ),
            **({"account_id": account} if account else {}),
            **docker,
        )
    except RuntimeError as error:  # the engine answered the session's check, not now
        pytest.fail(str(error), pytrace=False)
    if (options.get("clock") or request.config.stash[_CLOCK_KEY]) == "frozen":
        fake.clock.freeze()  # now: time then moves only as the test advances it
    progress = _progress_line(request.config) if use_docker else None
    if progress is not None:
        fake.after_call = lambda f: progress.observe(*f.progress())
    chaos.configure(fake, request, options.get("faults"))
    fake.start()
    try:
        yield fake
    finally:
        try:
            if progress is not None:
                progress.close()
            _write_timeline(request, fake)
        finally:
            fake.stop()


def _write_timeline(request: pytest.FixtureRequest, fake: FakeBatch) -> None:
    report = request.config.stash.get(_REPORT_KEY, None)
    if report is None:
        return
    from .report.pages import write_page

    outcome = request.node.stash.get(_OUTCOME_KEY, "error")  # no call phase: setup broke
    write_page(report.directory, report.session, request.node.nodeid, outcome, fake)


def _progress_line(config: pytest.Config) -> Progress | None:
    """The live line of a test waiting on containers, on a terminal and without -q only."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not getattr(reporter, "isatty", False) or config.option.verbose < 0:
        return None
    capture = config.pluginmanager.get_plugin("capturemanager")
    from .report.progress import Progress

    def write(text: str) -> None:
        if capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write(text, flush=True)
        else:
            reporter.write(text, flush=True)

    return Progress(write)
