"""Shared fixtures, through boto3: a ready environment, queue and job definition; handlers for it."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from busybox_image import ensure_busybox_image
from conformance import pytest_addoption, pytest_collection_modifyitems, pytest_configure  # noqa: F401

from pytest_fakebatch import FakeBatch, JobRun

REGION = "eu-west-1"


@pytest.fixture
def batch(fake_batch: FakeBatch) -> Any:
    """A Batch client in REGION, answered by the fake."""
    return boto3.client("batch", region_name=REGION)


@pytest.fixture
def logs(fake_batch: FakeBatch) -> Any:
    return boto3.client("logs", region_name=REGION)


@pytest.fixture
def queue(batch: Any) -> str:
    """An ENABLED queue 'q' on a MANAGED EC2 environment 'ce' with 16 vCPUs; returns 'q'."""
    batch.create_compute_environment(
        computeEnvironmentName="ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 16, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    return "q"


@pytest.fixture
def definition(batch: Any) -> str:
    """A container job definition 'work' (image 'worker:latest', 1 vCPU); returns 'work'."""
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "worker:latest", "command": ["run"], "vcpus": 1, "memory": 512},
    )
    return "work"


@pytest.fixture
def runs(fake_batch: FakeBatch) -> list[JobRun]:
    """Every attempt the definition 'work' ran, as its handler saw it."""
    seen: list[JobRun] = []

    @fake_batch.handler(definition="work")
    def record(job: JobRun) -> None:
        seen.append(job)

    return seen


@pytest.fixture
def sleeper(fake_batch: FakeBatch) -> None:
    """Jobs of 'work' take 600 simulated seconds."""

    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)


# -- Docker mode: the helpers are in tests/docker_jobs.py --------------------------------------


@pytest.fixture(scope="session")
def docker_engine() -> Any:
    """A docker SDK client of the engine, which has the offline busybox image; without an
    engine the test is skipped, and says so."""
    import docker

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as error:
        pytest.skip(f"no Docker engine answers: {error}")
    ensure_busybox_image(client)
    return client


@pytest.fixture(scope="session")
def busybox_image() -> str:
    """A busybox image, built offline from the host's static busybox (nothing is pulled)."""
    from docker_jobs import ENGINE  # here, not at the top: the import needs a Docker engine

    return ensure_busybox_image(ENGINE)


@pytest.fixture
def no_containers_left(busybox_image: str) -> Iterator[None]:
    """After each test, and after the fake has stopped: no container of ours is left."""
    from docker_jobs import ours  # here, not at the top: the import needs a Docker engine

    yield
    left = ours()
    for container in left:
        container.remove(force=True)
    assert not left, f"containers left behind: {[c.attrs.get('Names') for c in left]}"


@pytest.fixture
def register(batch: Any) -> Any:
    """Register a busybox job definition: ``register(name, command, **containerProperties)``."""

    def register(name: str, command: list[str], *, vcpus: int = 1, memory: int = 64, **more: Any) -> str:
        top = {k: more.pop(k) for k in ("timeout", "retryStrategy", "parameters") if k in more}
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={
                "image": "busybox:latest",
                "command": command,
                "vcpus": vcpus,
                "memory": memory,
                **more,
            },
            **top,
        )
        return name

    return register


@pytest.fixture(autouse=True)
def _inner_runs_without_hypothesis(request: pytest.FixtureRequest) -> None:
    """pytest runs started through pytester leave Hypothesis's plugin out: no inner run uses it,
    and importing it costs each subprocess run a second of CPU (half the suite's pytester time).
    (monkeypatch is asked for only here: as an autouse fixture of every test, it would outlive
    the other fixtures' clean-ups, and tests that patch what those use would break them.)"""
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")  # first: pytester clears PYTEST_ADDOPTS as it starts
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject's addopts): one worker more than the cores. Many tests wait on a
    subprocess (pytester) or a container, and the extra worker runs meanwhile: on 2 cores the
    suite took 69 s with 3 workers against 79 s with 2."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture
def living() -> Iterator[int]:
    """The pid of a living process of ours, which started after this test process."""
    child = subprocess.Popen(["sleep", "120"])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def hung_docker_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DOCKER_HOST naming a local port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        host = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        monkeypatch.setenv("DOCKER_HOST", host)
        yield host
