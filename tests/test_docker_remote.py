"""Docker mode against an engine that is not the test's local socket: ``DOCKER_HOST=tcp://...``.

The engine is a second dockerd of tests/remote_engine.py (its own port, socket and state, an
image tagged only there), reached over TCP as an engine on another machine would be. Jobs run
there through boto3, their logs arrive in CloudWatch Logs, the containers carry our labels and
are gone afterwards; host volumes are copied in and back rather than bind-mounted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from remote_engine import RemoteEngine, remote_engine

from pytest_fakebatch import FakeBatch
from pytest_fakebatch.executors.docker import LABEL, SESSION_ID, sweep_leftovers

REMOTE_IMAGE = "fakebatch-remote-only:test"  # the remote engine has it, the default one does not

pytestmark = pytest.mark.fakebatch(docker=True, images={"busybox*": REMOTE_IMAGE})


@pytest.fixture(scope="module")
def engine() -> Iterator[RemoteEngine]:
    with remote_engine() as started:
        started.client.images.get(started.image).tag(REMOTE_IMAGE)
        yield started


@pytest.fixture(autouse=True)
def on_the_remote_engine(engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """DOCKER_HOST names the remote engine before the fake starts; once it has stopped, no
    container is left there."""
    monkeypatch.setenv("DOCKER_HOST", engine.host)
    yield
    left = engine.client.containers.list(all=True)
    assert [c.name for c in left] == []


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def wait_for(batch: Any, job_id: str, statuses: tuple[str, ...] = ("SUCCEEDED", "FAILED")) -> Any:
    """Describe the job until it reaches one of ``statuses`` (real containers: bounded real time)."""
    deadline = time.monotonic() + 60
    while True:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in statuses:
            return job
        assert time.monotonic() < deadline, f"job {job_id} is still {job['status']}"
        time.sleep(0.05)


def messages(logs: Any, job: Any) -> list[str]:
    events = logs.get_log_events(
        logGroupName="/aws/batch/job", logStreamName=job["container"]["logStreamName"], startFromHead=True
    )["events"]
    return [e["message"] for e in events]


def test_a_job_and_an_array_run_on_the_remote_engine(
    batch: Any, logs: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register("hello", sh("echo hello from $AWS_BATCH_JOB_ID"))
    register("index", sh("echo child $AWS_BATCH_JOB_ARRAY_INDEX"))
    single = batch.submit_job(jobName="hello", jobQueue=queue, jobDefinition="hello")["jobId"]
    parent = batch.submit_job(
        jobName="array", jobQueue=queue, jobDefinition="index", arrayProperties={"size": 3}
    )["jobId"]

    job = wait_for(batch, single)
    array = wait_for(batch, parent)

    assert job["status"] == "SUCCEEDED"
    assert job["container"]["exitCode"] == 0
    assert messages(logs, job) == [f"hello from {single}"]
    assert array["status"] == "SUCCEEDED"
    assert array["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 3
    children = batch.describe_jobs(jobs=[f"{parent}:{i}" for i in range(3)])["jobs"]
    assert {c["arrayProperties"]["index"]: messages(logs, c) for c in children} == {
        0: ["child 0"],
        1: ["child 1"],
        2: ["child 2"],
    }


def test_containers_on_the_remote_engine_carry_the_labels(
    batch: Any, queue: str, register: Any, engine: RemoteEngine, fake_batch: FakeBatch
) -> None:
    register("sleepy", sh("sleep 60"), linuxParameters={"initProcessEnabled": True})
    job_id = batch.submit_job(jobName="sleepy", jobQueue=queue, jobDefinition="sleepy")["jobId"]
    wait_for(batch, job_id, ("RUNNING",))

    deadline = time.monotonic() + 30  # RUNNING: the executor's pool creates it now
    while not (mine := engine.client.containers.list(filters={"label": f"{LABEL}.job-id={job_id}"})):
        assert time.monotonic() < deadline, "no container of the job on the remote engine"
        time.sleep(0.05)

    assert len(mine) == 1
    labels = mine[0].labels
    assert (labels[LABEL], labels[f"{LABEL}.session"]) == ("1", SESSION_ID)
    assert (labels[f"{LABEL}.host"], labels[f"{LABEL}.pid"]) == (socket.gethostname(), str(os.getpid()))
    # an engine started with --bridge=none: "none" (loopback alone, as its default), so that
    # the engine keeps no network state for the container once it is gone
    assert mine[0].attrs["HostConfig"]["NetworkMode"] == "none"
    batch.terminate_job(jobId=job_id, reason="done looking")
    assert wait_for(batch, job_id)["status"] == "FAILED"


def test_the_sweep_on_the_remote_engine_removes_only_dead_runs_of_this_host(engine: RemoteEngine) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    ours = {LABEL: "1", f"{LABEL}.session": "crashed", f"{LABEL}.pid": str(dead.pid)}
    created = {
        "dead run of this host": {**ours, f"{LABEL}.host": socket.gethostname()},
        "dead run of another host": {**ours, f"{LABEL}.host": "another-host"},
        "not ours": {"someone": "else"},
    }
    ids = {
        what: engine.client.containers.create(REMOTE_IMAGE, ["true"], labels=labels).id
        for what, labels in created.items()
    }
    try:
        sweep_leftovers()

        left = {c.id for c in engine.client.containers.list(all=True)}
        assert {what for what, cid in ids.items() if cid in left} == {"dead run of another host", "not ours"}
    finally:
        for cid in ids.values():  # only what this test created
            with contextlib.suppress(docker.errors.NotFound):
                engine.client.api.remove_container(cid, force=True)


HOST_DOC = (
    "The path on the host container instance that's presented to the container. ... If the source "
    "path location doesn't exist on the host container instance, the Docker daemon creates it. If "
    "the location does exist, the contents of the source path folder are exported."
)


@pytest.mark.aws_doc("botocore: Host", HOST_DOC, family="Job definitions", ops=("RegisterJobDefinition",))
def test_a_host_directory_is_copied_in_and_what_the_job_wrote_copied_back(
    batch: Any, logs: Any, queue: str, register: Any, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    (work / "in").mkdir(parents=True)
    (work / "in" / "input.txt").write_text("to the job\n")
    register(
        "copies",
        sh(
            "cat /work/in/input.txt; echo from the job > /work/out.txt; mkdir /new/deep; echo x > /new/deep/f"
        ),
        volumes=[
            {"name": "work", "host": {"sourcePath": str(work)}},
            {"name": "new", "host": {"sourcePath": str(tmp_path / "made")}},
        ],
        mountPoints=[
            {"sourceVolume": "work", "containerPath": "/work"},
            {"sourceVolume": "new", "containerPath": "/new"},
        ],
    )
    job_id = batch.submit_job(jobName="copies", jobQueue=queue, jobDefinition="copies")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    assert messages(logs, job) == ["to the job"]
    assert (work / "out.txt").read_text() == "from the job\n"
    assert (work / "in" / "input.txt").read_text() == "to the job\n"
    assert (tmp_path / "made" / "deep" / "f").read_text() == "x\n"


@pytest.mark.aws_doc(
    "botocore: MountPoint",
    "If this value is true, the container has read-only access to the volume.",
    family="Job definitions",
    ops=("RegisterJobDefinition",),
)
def test_a_read_only_host_directory_is_readable_and_not_writable(
    batch: Any, logs: Any, queue: str, register: Any, tmp_path: Path
) -> None:
    (tmp_path / "in.txt").write_text("read me\n")
    (tmp_path / "settings.conf").write_text("level=3\n")
    register(
        "read-only",
        sh("cat /in/in.txt /etc/job.conf; touch /in/x 2>/dev/null || echo read-only"),
        volumes=[
            {"name": "in", "host": {"sourcePath": str(tmp_path)}},
            {"name": "conf", "host": {"sourcePath": str(tmp_path / "settings.conf")}},
        ],
        mountPoints=[
            {"sourceVolume": "in", "containerPath": "/in", "readOnly": True},
            {"sourceVolume": "conf", "containerPath": "/etc/job.conf", "readOnly": True},
        ],
    )
    job_id = batch.submit_job(jobName="ro", jobQueue=queue, jobDefinition="read-only")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    assert messages(logs, job) == ["read me", "level=3", "read-only"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "settings.conf"]


def test_the_remote_engine_is_never_asked_to_bind_a_path_of_the_tests_machine(
    batch: Any, queue: str, register: Any, engine: RemoteEngine, tmp_path: Path
) -> None:
    register(
        "held",
        sh("sleep 60"),
        linuxParameters={"initProcessEnabled": True},
        volumes=[
            {"name": "in", "host": {"sourcePath": str(tmp_path / "in")}},
            {"name": "work", "host": {"sourcePath": str(tmp_path / "work")}},
        ],
        mountPoints=[
            {"sourceVolume": "in", "containerPath": "/in", "readOnly": True},
            {"sourceVolume": "work", "containerPath": "/work"},
        ],
    )
    job_id = batch.submit_job(jobName="held", jobQueue=queue, jobDefinition="held")["jobId"]
    wait_for(batch, job_id, ("RUNNING",))
    deadline = time.monotonic() + 30
    while not (mine := engine.client.containers.list(filters={"label": f"{LABEL}.job-id={job_id}"})):
        assert time.monotonic() < deadline, "no container of the job on the remote engine"
        time.sleep(0.05)

    mounts = sorted((m["Destination"], m["Type"], m["RW"]) for m in mine[0].attrs["Mounts"])

    assert mounts == [("/in", "volume", False), ("/work", "volume", True)]
    batch.terminate_job(jobId=job_id, reason="done looking")
    assert wait_for(batch, job_id)["status"] == "FAILED"


def test_a_socket_stays_a_bind_mount_of_the_engine_machines_path(
    batch: Any, logs: Any, queue: str, register: Any, tmp_path: Path
) -> None:
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "app.sock"))  # the engine's machine is this one here
    try:
        register(
            "socket",
            sh("test -S /run/app.sock && echo a socket"),
            volumes=[{"name": "sock", "host": {"sourcePath": str(tmp_path / "app.sock")}}],
            mountPoints=[{"sourceVolume": "sock", "containerPath": "/run/app.sock"}],
        )
        job_id = batch.submit_job(jobName="sock", jobQueue=queue, jobDefinition="socket")["jobId"]

        job = wait_for(batch, job_id)
    finally:
        listening.close()

    assert job["status"] == "SUCCEEDED"
    assert messages(logs, job) == ["a socket"]
