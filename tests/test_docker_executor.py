"""The Docker executor and engine driven directly: pulls, polling, engine failures, cleanup (the
image mapping and log parsing are tested without an engine in tests/test_docker_args.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

import docker
import pytest
import requests
from busybox_image import IMAGE
from docker_jobs import ENGINE, ours

from pytest_fakebatch.executors import docker_engine
from pytest_fakebatch.executors.base import AttemptSpec, Outcome
from pytest_fakebatch.executors.docker import LABEL, DockerExecutor, sweep_leftovers
from pytest_fakebatch.executors.docker_engine import process_start

pytestmark = [
    pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE}),
    pytest.mark.usefixtures("no_containers_left"),
]


def attempt_spec(image: str, command: list[str]) -> AttemptSpec:
    return AttemptSpec(
        job_id="job-1",
        job_name="direct",
        attempt=1,
        definition_name="direct",
        queue_name="q",
        image=image,
        command=command,
        environment={},
        container={},
        vcpus=1.0,
        memory_mib=None,
        log_stream="direct/default/1",
        array_index=None,
        parameters={},
    )


def run_to_end(executor: DockerExecutor, spec: AttemptSpec, timeout: float = 30) -> Outcome:
    handle = executor.start(spec, time.time_ns() // 1_000_000)
    deadline = time.monotonic() + timeout
    while True:  # a real container: wait for it, bounded
        done = executor.poll([handle], time.time_ns() // 1_000_000)
        if handle in done:
            return done[handle]
        assert time.monotonic() < deadline, "the attempt did not end in time"
        time.sleep(0.05)


def test_a_failed_pull_is_an_outcome_not_an_exception() -> None:
    executor = DockerExecutor(images={}, pull="missing", max_running=None, test_id="direct")
    try:
        outcome = run_to_end(executor, attempt_spec("127.0.0.1:1/nothing:here", ["true"]))
    finally:
        executor.close()

    assert outcome.exit_code is None
    assert outcome.status_reason is not None
    assert outcome.status_reason.startswith("CannotPullContainerError: 127.0.0.1:1/nothing:here: pull failed")


def running_containers(count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len([c for c in ours() if c.attrs.get("State") == "running"]) < count:  # real time, bounded
        assert time.monotonic() < deadline, "the containers did not start in time"
        time.sleep(0.05)


def test_no_engine_query_per_poll_however_many_run(monkeypatch: pytest.MonkeyPatch) -> None:
    executor = DockerExecutor(images={}, pull="never", max_running=None, test_id="direct")
    try:
        handles = [executor.start(attempt_spec(IMAGE, ["sleep", "60"]), 0) for _ in range(3)]
        running_containers(3)
        for handle in handles:
            assert handle.future is not None
            handle.future.result(timeout=30)
        requests: list[str] = []
        real_get = executor._client.api._get

        def counted(url: str, *args: Any, **kwargs: Any) -> Any:
            requests.append(url)
            return real_get(url, *args, **kwargs)

        monkeypatch.setattr(executor._client.api, "_get", counted)

        assert executor.poll(handles, time.time_ns() // 1_000_000) == {}
        assert requests == []  # each running container's waiting thread learns of its exit
    finally:
        executor.close()


def test_an_engine_failure_fails_the_call_once_then_the_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    executor = DockerExecutor(images={}, pull="never", max_running=None, test_id="direct")
    engine = executor._client
    dead = docker.DockerClient(base_url="tcp://127.0.0.1:1", version="1.41", timeout=5)
    monkeypatch.setattr(executor, "_client", dead)
    try:
        handle = executor.start(attempt_spec(IMAGE, ["true"]), 0)
        assert handle.future is not None
        handle.future.result(timeout=30)

        with pytest.raises(requests.exceptions.ConnectionError):
            executor.poll([handle], 0)
        outcome = executor.poll([handle], 0)[handle]
    finally:
        monkeypatch.setattr(executor, "_client", engine)
        executor.close()

    assert outcome.exit_code is None
    assert outcome.status_reason is not None
    assert outcome.status_reason.startswith("CannotStartContainerError: the Docker engine failed")


def test_close_removes_containers_that_still_run() -> None:
    executor = DockerExecutor(images={}, pull="never", max_running=None, test_id="direct")
    executor.start(attempt_spec(IMAGE, ["sleep", "60"]), 0)
    executor.start(attempt_spec(IMAGE, ["sleep", "60"]), 0)
    running_containers(2)

    executor.close()

    assert ours() == []


def test_sweep_removes_only_containers_of_dead_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    # a host of this test's own, taken by the sweep here for its machine's: other test processes
    # sharing the engine (xdist workers, Docker-mode runs) sweep as the real host and leave these
    host = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(docker_engine, "HOST", host)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid now names no process
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    here = {LABEL: "1", f"{LABEL}.host": host, f"{LABEL}.session": "crashed"}
    gone = {f"{LABEL}.pid": str(dead.pid), f"{LABEL}.pid-start": "1"}  # "1": even if the pid is reused
    living_pid = {f"{LABEL}.pid": str(living.pid)}
    labels = {
        "orphan": {**here, **gone},
        # the pid names a living process that started after the run that labelled it: reused
        "reused": {**here, **living_pid, f"{LABEL}.pid-start": "1"},
        "alive": {**here, f"{LABEL}.pid": str(os.getppid())},
        "alive since": {**here, **living_pid, f"{LABEL}.pid-start": process_start(living.pid)},
        # same project, another machine (a shared engine): its pids say nothing about this host
        "elsewhere": {**here, **gone, f"{LABEL}.host": f"not-{host}"},
        "stranger": {"someone-else": "1", f"{LABEL}.pid": "1"},
    }
    made = {name: ENGINE.containers.create(IMAGE, ["true"], labels=tags) for name, tags in labels.items()}
    try:
        sweep_leftovers()
        remaining = {c.id for c in ENGINE.containers.list(all=True, sparse=True)}
        assert {name for name, container in made.items() if container.id in remaining} == {
            "alive",
            "alive since",
            "elsewhere",
            "stranger",
        }
    finally:
        living.kill()
        living.wait()
        for container in made.values():
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
