"""The sweep of dead runs' leftovers against a real Docker engine: what it removes (a dead run's
containers in every state, with their volumes) and what it leaves (this session's, a living
run's, another host's, anything not labelled as ours). Skipped without an engine.

Only the containers a test creates are removed by it, by id: the engine may be shared.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import docker
import pytest
import sweep_labels
from sweep_labels import a_dead_pid

from pytest_fakebatch.executors import docker_engine
from pytest_fakebatch.executors.docker_engine import SESSION_LABELS, process_start, sweep_leftovers

# the host these tests' containers name, this worker's own: other test processes sharing the
# engine (xdist workers, Docker-mode runs) sweep as the real host and leave them alone
HOST = f"{socket.gethostname()}-sweep-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def _this_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine, "HOST", HOST)


@pytest.fixture
def engine(docker_engine: Any) -> Any:
    return docker_engine


@pytest.fixture
def make(engine: Any, busybox_image: str) -> Iterator[Any]:
    """``make(labels, state, volume=False)``: a busybox container in ``state`` ("created",
    "running" or "exited"), with an anonymous volume at /data if asked; removed at the end."""
    made: list[str] = []

    def make(labels: dict[str, str], state: str = "created", volume: bool = False) -> str:
        command = ["sleep", "120"] if state == "running" else ["true"]
        created = engine.api.create_container(
            busybox_image,
            command,
            labels=labels,
            volumes=["/data"] if volume else None,
            host_config=engine.api.create_host_config(network_mode="none"),
        )
        made.append(created["Id"])
        if state != "created":
            engine.api.start(created["Id"])
        if state == "exited":
            assert engine.api.wait(created["Id"], timeout=60)["StatusCode"] == 0
        return str(created["Id"])

    yield make
    for container in made:
        with contextlib.suppress(docker.errors.NotFound):
            engine.api.remove_container(container, force=True, v=True)


@pytest.fixture
def dead_pid() -> int:
    return a_dead_pid()


labels = functools.partial(sweep_labels.labels, host=HOST)  # a run of this worker's own host


def left(engine: Any, ids: dict[str, str]) -> set[str]:
    """The names, among ``ids``, of the containers the engine still has."""
    present = {c["Id"] for c in engine.api.containers(all=True, quiet=True)}
    return {name for name, container in ids.items() if container in present}


def anonymous_volume(engine: Any, container: str) -> str:
    (mount,) = engine.api.inspect_container(container)["Mounts"]
    assert (mount["Type"], mount["Destination"]) == ("volume", "/data")
    return str(mount["Name"])


def test_the_sweep_removes_a_dead_runs_containers_in_every_state_with_their_volumes(
    engine: Any, make: Any, dead_pid: int
) -> None:
    dead = labels(dead_pid, pid_start="1")
    ids = {state: make(dead, state, volume=True) for state in ("created", "running", "exited")}
    volumes = {state: anonymous_volume(engine, container) for state, container in ids.items()}

    sweep_leftovers()

    assert left(engine, ids) == set()
    present = {v.name for v in engine.volumes.list()}
    assert {state for state, volume in volumes.items() if volume in present} == set()


def test_the_sweep_leaves_every_container_it_cannot_tell_is_a_dead_runs(
    engine: Any, make: Any, dead_pid: int, living: int
) -> None:
    ids = {
        "dead": make(labels(dead_pid)),
        "this session": make({**SESSION_LABELS, "pytest-fakebatch.host": HOST}, "running"),
        "a living run": make(labels(living, pid_start=process_start(living)), "running"),
        "a living run, older labels": make(labels(living)),
        # a living pid whose process started after the run that labelled it: the run is dead
        "a reused pid": make(labels(living, pid_start="1")),
        "the parent of this process": make(labels(os.getppid())),
        "another host": make(labels(dead_pid, host=f"not-{HOST}")),
        "not ours": make({**labels(dead_pid), "pytest-fakebatch": "0"}),
        "someone else's": make({"someone-else": "1", "pytest-fakebatch.pid": str(dead_pid)}),
    }

    sweep_leftovers()

    assert left(engine, ids) == set(ids) - {"dead", "a reused pid"}


def test_the_sweep_waits_at_most_a_minute_for_each_answer(
    engine: Any, make: Any, dead_pid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = {"dead": make(labels(dead_pid))}
    clients: list[Any] = []
    real_from_env = docker.from_env

    def from_env(**options: Any) -> Any:
        clients.append(real_from_env(**options))
        return clients[-1]

    monkeypatch.setattr(docker_engine.docker, "from_env", from_env)

    sweep_leftovers()

    assert [client.api.timeout for client in clients] == [60]
    assert left(engine, ids) == set()
