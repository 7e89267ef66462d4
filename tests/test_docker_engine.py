"""The Docker engine as a session meets it: one bounded check however Docker mode was chosen,
and a sweep of dead runs' leftovers that another session may be sweeping at the same time.

The engine check tests need only the docker SDK (their DOCKER_HOST never answers); the sweep
tests need a running engine and are skipped without one.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import docker
import pytest
import requests
from busybox_image import IMAGE

from pytest_fakebatch.executors import docker_engine
from pytest_fakebatch.executors.docker import LABEL, DockerExecutor, sweep_leftovers
from pytest_fakebatch.executors.docker_engine import EXECUTOR

# -- one bounded engine check per session --------------------------------------------------


MARKED_TESTS = """
import pytest

@pytest.mark.fakebatch(docker=True)
def test_first(fake_batch):
    pass

@pytest.mark.fakebatch(docker=True)
def test_second(fake_batch):
    pass

def test_in_process(fake_batch):
    pass
"""


# the bound, shortened in the runs below so that waiting it out costs the suite 2 s, not 20
SHORT_CHECK = """
from pytest_fakebatch.executors import docker_engine

docker_engine.ENGINE_CHECK_SECONDS = 1.0
"""


def test_a_hung_engine_costs_one_bounded_check_when_only_markers_ask_for_docker(
    pytester: pytest.Pytester, hung_docker_host: str
) -> None:
    pytester.makepyfile(MARKED_TESTS)
    pytester.makeconftest(SHORT_CHECK)

    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml=report.xml")
    elapsed = time.monotonic() - started

    result.assert_outcomes(passed=1, errors=2)
    seconds = {
        case.get("name"): float(case.get("time", "nan"))
        for case in ET.parse(pytester.path / "report.xml").iter("testcase")
    }
    assert seconds["test_first"] < 10  # the one check, bounded at 1 s here
    assert seconds["test_second"] < 1  # remembered, not asked again
    assert elapsed < 20
    # the first marked test says what the flag would say, in one line; the next refers to it
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_first*",
            f"pytest-fakebatch Docker mode: no Docker engine answers (DOCKER_HOST={hung_docker_host})*"
            "Start dockerd*",
            "*ERROR at setup of test_second*",
            "pytest-fakebatch Docker mode: no Docker engine answers (see the error of *::test_first)",
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*UsageError*")


def test_a_hung_engine_stops_a_docker_mode_run_at_start_within_the_bounded_check(
    pytester: pytest.Pytester, hung_docker_host: str
) -> None:
    pytester.makepyfile(MARKED_TESTS)
    pytester.makeconftest(SHORT_CHECK)

    started = time.monotonic()
    result = pytester.runpytest_subprocess("--fakebatch-docker", "-p", "no:cacheprovider")

    assert time.monotonic() - started < 20
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: *no Docker engine answers (DOCKER_HOST={hung_docker_host})*"])


# -- sweeping leftovers that another session sweeps too ------------------------------------


@pytest.fixture
def engine(docker_engine: Any) -> Any:
    return docker_engine


@pytest.fixture
def leftovers(engine: Any) -> Iterator[list[str]]:
    """Four running containers labelled as a dead test run's; their ids. They name a host of
    this test's own, which the sweep here takes for its machine's: other test processes sharing
    the engine (xdist workers, Docker-mode runs) sweep as the real host and leave them alone.
    (Its own patch: a test's monkeypatch of the engine calls is undone before this cleans up.)"""
    host = f"{socket.gethostname()}-leftovers-{uuid.uuid4().hex[:8]}"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid now names no process
    labels = {
        LABEL: "1",
        f"{LABEL}.host": host,
        f"{LABEL}.session": "crashed",
        f"{LABEL}.pid": str(dead.pid),
        # as real labels do: should the pid be reused meanwhile (busy machines spawn a lot),
        # the process under it started at another time, so the run is still known dead
        f"{LABEL}.pid-start": "1",
    }
    run = {"labels": labels, "detach": True, "network_mode": "none"}  # none: no state left in the engine
    made = [engine.containers.run(IMAGE, ["sleep", "60"], **run) for _ in range(4)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(docker_engine, "HOST", host)
        yield [c.id for c in made]
    for container in made:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)


def remaining(engine: Any, ids: list[str]) -> set[str]:
    return {c.id for c in engine.containers.list(all=True, sparse=True)} & set(ids)


def test_two_sessions_sweeping_the_same_leftovers_both_succeed(engine: Any, leftovers: list[str]) -> None:
    start = threading.Barrier(2, timeout=30)
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            sweep_leftovers()
        except BaseException as error:  # reported by the test thread below
            failures.append(error)

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweepers:
        thread.start()
    for thread in sweepers:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in sweepers)
    assert failures == []
    assert remaining(engine, leftovers) == set()


def engine_error(status: int, explanation: str) -> docker.errors.APIError:
    response = requests.Response()
    response.status_code = status
    error_class = docker.errors.NotFound if status == 404 else docker.errors.APIError
    return error_class(f"{status} Client Error", response=response, explanation=explanation)


def removed_meanwhile(status: int, explanation: str) -> Any:
    """A remove_container that removes the container, then answers as if another session had."""
    real_remove = docker.APIClient.remove_container

    def remove(self: Any, container: str, **kwargs: Any) -> None:
        real_remove(self, container, **kwargs)
        raise engine_error(status, explanation.format(id=container))

    return remove


ALREADY_REMOVED = [
    (409, "removal of container {id} is already in progress"),
    (404, "No such container: {id}"),
]


@pytest.mark.parametrize(
    "answer",
    ALREADY_REMOVED,
)
def test_a_leftover_another_session_removes_meanwhile_is_not_an_error(
    engine: Any, leftovers: list[str], monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str]
) -> None:
    monkeypatch.setattr(docker.APIClient, "remove_container", removed_meanwhile(*answer))

    sweep_leftovers()

    assert remaining(engine, leftovers) == set()


@pytest.mark.parametrize("answer", ALREADY_REMOVED)
def test_closing_an_executor_whose_container_is_removed_meanwhile_is_not_an_error(
    engine: Any, monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str]
) -> None:
    executor = DockerExecutor(images={}, pull="never", max_running=None, test_id="close")
    mine = engine.containers.create(IMAGE, ["true"], labels={LABEL: "1", EXECUTOR: executor.executor_id})
    monkeypatch.setattr(docker.APIClient, "remove_container", removed_meanwhile(*answer))
    try:
        executor.close()

        assert remaining(engine, [mine.id]) == set()
    finally:
        monkeypatch.undo()
        with contextlib.suppress(docker.errors.NotFound):
            mine.remove(force=True)


def test_any_other_engine_conflict_during_the_sweep_is_raised(
    engine: Any, leftovers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuses(self: Any, container: str, **kwargs: Any) -> None:
        raise engine_error(409, f"container {container} is paused and cannot be removed")

    monkeypatch.setattr(docker.APIClient, "remove_container", refuses)

    with pytest.raises(docker.errors.APIError, match="409"):
        sweep_leftovers()
