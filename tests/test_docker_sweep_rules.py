"""The rules the Docker mode's session checks follow, tested without a Docker engine.

Which leftover containers the sweep takes for a dead run's (only ours, only from this host, only
when the process that created them is gone, a reused pid told apart by its start time), what an
engine's answer to a removal means, and the one clear error, naming DOCKER_HOST, of an engine that
does not answer or an SDK that cannot reach one. The sweep against a real engine is in
``test_docker_sweep_engine.py``.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import requests
import sweep_labels
from sweep_labels import a_dead_pid

from pytest_fakebatch.executors import docker_engine
from pytest_fakebatch.executors.docker_engine import (
    SESSION_LABELS,
    DockerUnavailable,
    _removal_in_progress,
    _session_is_dead,
    check_engine,
    connect,
    process_start,
    remove,
)

HOST = socket.gethostname()
labels = functools.partial(sweep_labels.labels, host=HOST)  # a run of this host's
HINT = (
    ". Start dockerd (or Docker Desktop), or set DOCKER_HOST to a running engine; "
    "or leave Docker mode off to use the in-process executor."
)


def stat_field_22(pid: int) -> str:
    """The 22nd field of /proc/<pid>/stat (starttime), the command name in parentheses counting
    as one field whatever it holds (proc(5))."""
    raw = Path(f"/proc/{pid}/stat").read_bytes()
    match = re.fullmatch(rb"\d+ \(.*\) (.*)\n?", raw, re.DOTALL)
    assert match is not None, raw
    return match.group(1).split(b" ")[19].decode()


# -- process_start: what tells a reused pid apart ----------------------------------------------


def test_process_start_is_the_start_time_proc_gives(living: int) -> None:
    assert process_start(living) == stat_field_22(living)
    assert process_start(os.getpid()) == stat_field_22(os.getpid())
    assert int(process_start(living)) >= int(process_start(os.getpid()))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_process_start_reads_past_a_command_name_with_parentheses_spaces_and_non_ascii(
    tmp_path: Path,
) -> None:
    odd = tmp_path / "é) 1 2 (3"  # the command name /proc shows: a stat line hard to split
    odd.symlink_to("/bin/sleep")
    child = subprocess.Popen([str(odd), "120"])
    try:
        comm = Path(f"/proc/{child.pid}/comm")
        deadline = time.monotonic() + 30
        while not comm.read_bytes().startswith("é) 1 2".encode()):  # exec renames it soon after
            assert time.monotonic() < deadline, comm.read_bytes()
            time.sleep(0.01)
        assert process_start(child.pid) == stat_field_22(child.pid)
    finally:
        child.kill()
        child.wait()


def test_process_start_of_a_process_that_is_gone_is_unknown() -> None:
    assert process_start(a_dead_pid()) == ""


# -- _session_is_dead: which labelled containers the sweep removes ----------------------------


def test_a_run_whose_process_is_gone_is_dead() -> None:
    assert _session_is_dead(labels(a_dead_pid(), pid_start="1")) is True
    assert _session_is_dead(labels(a_dead_pid())) is True  # labels of a release before pid-start


def test_this_session_is_alive() -> None:
    assert _session_is_dead(dict(SESSION_LABELS)) is False


def test_an_earlier_run_under_this_process_id_is_dead() -> None:
    # this process now holds the pid the earlier run had: that run is over
    assert _session_is_dead({**SESSION_LABELS, "pytest-fakebatch.session": "an-earlier-run"}) is True


def test_a_living_process_that_started_when_the_label_says_is_the_same_run(living: int) -> None:
    assert _session_is_dead(labels(living, pid_start=process_start(living))) is False


def test_a_living_process_that_started_at_another_time_reuses_a_dead_runs_pid(living: int) -> None:
    assert _session_is_dead(labels(living, pid_start="1")) is True


def test_a_living_process_is_kept_when_nothing_tells_when_the_run_started(living: int) -> None:
    assert _session_is_dead(labels(living)) is False
    assert _session_is_dead(labels(living, pid_start="")) is False


def test_a_living_process_is_kept_when_its_start_cannot_be_read(
    living: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docker_engine, "process_start", lambda pid: "")

    assert _session_is_dead(labels(living, pid_start="1")) is False


def test_another_users_living_process_is_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    pid = a_dead_pid()  # stands for another user's process: signalling it is not permitted

    def not_permitted(target: int, signal: int) -> None:
        assert (target, signal) == (pid, 0)
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "kill", not_permitted)
    try:
        dead = _session_is_dead(labels(pid, pid_start="1"))
    finally:
        monkeypatch.undo()

    assert dead is False


@pytest.mark.parametrize(
    "which",
    [
        {"pytest-fakebatch.host": f"not-{HOST}"},  # another machine sharing the engine
        {"pytest-fakebatch.host": ""},
        {"pytest-fakebatch": "0"},
        {"pytest-fakebatch": "true"},
        {"pytest-fakebatch.pid": ""},
        {"pytest-fakebatch.pid": "-1"},
        {"pytest-fakebatch.pid": "12a"},
    ],
    ids=["other host", "no host", "not ours (0)", "not ours (true)", "no pid", "pid -1", "pid 12a"],
)
def test_a_container_this_host_cannot_judge_is_never_dead(which: dict[str, str]) -> None:
    assert _session_is_dead({**labels(a_dead_pid()), **which}) is False


@pytest.mark.parametrize("missing", ["pytest-fakebatch", "pytest-fakebatch.host", "pytest-fakebatch.pid"])
def test_a_container_missing_a_label_is_never_dead(missing: str) -> None:
    found = labels(a_dead_pid())
    del found[missing]

    assert _session_is_dead(found) is False


def test_on_windows_no_pid_is_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    dead_run = labels(a_dead_pid())
    monkeypatch.setattr(os, "name", "nt")  # os.kill(pid, 0) would end the process there
    try:
        dead = _session_is_dead(dead_run)
    finally:
        monkeypatch.undo()

    assert dead is False


# -- remove: an engine's answers -------------------------------------------------------------


def engine_error(status: int, explanation: str | None) -> docker.errors.APIError:
    response = requests.Response()
    response.status_code = status
    error_class = docker.errors.NotFound if status == 404 else docker.errors.APIError
    return error_class(f"{status} Client Error", response=response, explanation=explanation)


class Engine:
    """An engine's remove endpoint answering ``answer``, recording each request."""

    def __init__(self, answer: BaseException | None = None) -> None:
        self.answer, self.removed = answer, []
        self.api = self

    def remove_container(self, container: str, **options: Any) -> None:
        self.removed.append((container, options))
        if self.answer is not None:
            raise self.answer


def test_remove_forces_a_running_container_out_with_its_volumes() -> None:
    engine = Engine()

    remove(engine, "c1")

    assert engine.removed == [("c1", {"force": True, "v": True})]


@pytest.mark.parametrize(
    "answer",
    [
        engine_error(404, "No such container: c1"),
        engine_error(409, "removal of container c1 is already in progress"),
    ],
    ids=["gone", "being removed"],
)
def test_a_container_already_gone_or_being_removed_is_not_an_error(answer: BaseException) -> None:
    remove(Engine(answer), "c1")


@pytest.mark.parametrize(
    "answer",
    [
        engine_error(409, "container c1 is paused and cannot be removed"),
        engine_error(409, None),
        engine_error(500, "removal of container c1 is already in progress"),
        engine_error(500, "driver failed removing container c1"),
    ],
    ids=["other conflict", "conflict unexplained", "server error saying so", "server error"],
)
def test_any_other_engine_error_of_a_removal_is_raised(answer: docker.errors.APIError) -> None:
    with pytest.raises(docker.errors.APIError) as raised:
        remove(Engine(answer), "c1")

    assert raised.value is answer


def test_only_the_engines_409_saying_so_is_a_removal_in_progress() -> None:
    assert _removal_in_progress(engine_error(409, "removal of container c1 is already in progress"))
    assert not _removal_in_progress(engine_error(409, "container c1 is paused and cannot be removed"))
    assert not _removal_in_progress(engine_error(409, None))
    assert not _removal_in_progress(engine_error(500, "removal of container c1 is already in progress"))


# -- connect and check_engine: one clear error naming DOCKER_HOST ---------------------------


@pytest.fixture
def refused_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DOCKER_HOST naming a local port that refuses connections at once."""
    with socket.socket() as bound:  # bound, never listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        host = f"tcp://127.0.0.1:{bound.getsockname()[1]}"
        monkeypatch.setenv("DOCKER_HOST", host)
        yield host


def test_no_engine_at_docker_host_is_one_error_naming_it(refused_host: str) -> None:
    with pytest.raises(DockerUnavailable) as raised:
        connect()

    message = str(raised.value)
    assert message.startswith(
        f"pytest-fakebatch Docker mode: no Docker engine answers (DOCKER_HOST={refused_host}): "
    )
    assert "Connection refused" in message
    assert message.endswith(HINT)
    assert (raised.value.__cause__, raised.value.__suppress_context__) == (None, True)  # one error


def test_no_engine_at_the_default_socket_says_docker_host_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    # the client cannot even be made: TLS asked for, without certificates
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/nonexistent/certificates")

    with pytest.raises(DockerUnavailable) as raised:
        check_engine()

    message = str(raised.value)
    assert message.startswith(
        "pytest-fakebatch Docker mode: no Docker engine answers "
        "(DOCKER_HOST unset, using the default socket): Path to a certificate"
    )
    assert message.endswith(HINT)


def test_an_engine_that_never_answers_fails_the_check_at_its_bound(
    hung_docker_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docker_engine, "ENGINE_CHECK_SECONDS", 0.5)

    with pytest.raises(DockerUnavailable) as raised:
        check_engine()

    message = str(raised.value)
    assert message.startswith(
        f"pytest-fakebatch Docker mode: no Docker engine answers (DOCKER_HOST={hung_docker_host}): "
    )
    assert "Read timed out. (read timeout=0.5)" in message
    assert message.endswith(HINT)


def test_without_the_docker_sdk_the_check_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine, "_SDK_MISSING", ImportError("No module named 'docker'"))

    with pytest.raises(DockerUnavailable) as raised:
        check_engine()

    assert str(raised.value) == (
        "pytest-fakebatch's Docker mode needs the docker SDK, which is not installed "
        "(No module named 'docker'): pip install 'pytest-fakebatch[docker]'"
    )


@pytest.mark.parametrize(("installed", "shown"), [("7.0.9", "7.0.9"), ("6.1.3", "6.1.3"), (None, "0")])
def test_a_docker_sdk_older_than_7_1_is_named_with_the_upgrade(
    monkeypatch: pytest.MonkeyPatch, refused_host: str, installed: str | None, shown: str
) -> None:
    if installed is None:  # an SDK that does not say its version
        monkeypatch.delattr(docker, "__version__")
    else:
        monkeypatch.setattr(docker, "__version__", installed)

    with pytest.raises(DockerUnavailable) as raised:
        connect()

    assert str(raised.value) == (
        f"pytest-fakebatch's Docker mode needs the docker SDK 7.1 or newer, and {shown} is installed "
        "(older releases cannot reach an engine with today's requests): "
        "pip install -U 'pytest-fakebatch[docker]'"
    )


@pytest.mark.parametrize("installed", ["7.1", "7.1.0", "7.2.0", "8.0.0"])
def test_a_docker_sdk_of_7_1_or_newer_goes_on_to_the_engine(
    monkeypatch: pytest.MonkeyPatch, refused_host: str, installed: str
) -> None:
    monkeypatch.setattr(docker, "__version__", installed)

    with pytest.raises(DockerUnavailable, match=r"^pytest-fakebatch Docker mode: no Docker engine answers"):
        connect()
