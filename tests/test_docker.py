"""The Docker executor: jobs run as real containers, driven through boto3 as a user would.

Every test runs in Docker mode through the marker (no ``--fakebatch-docker`` needed), with the
job image ``busybox:latest`` mapped to a busybox image built here offline. The module is
skipped only when no Docker engine answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import docker
import pytest
import requests
from busybox_image import IMAGE, ensure_busybox_image

from pytest_fakebatch import FakeBatch
from pytest_fakebatch.executors.base import AttemptSpec, Outcome
from pytest_fakebatch.executors.docker import LABEL, OOM_REASON, SESSION_ID, DockerExecutor, sweep_leftovers
from pytest_fakebatch.executors.docker_args import parse_logs, resolve_image

try:
    ENGINE = docker.from_env(timeout=30)
    ENGINE.ping()
except Exception as error:
    pytest.skip(f"no Docker engine answers: {error}", allow_module_level=True)

pytestmark = pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE})
TERMINAL = ("SUCCEEDED", "FAILED")


# -- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="session")
def busybox_image() -> str:
    """A busybox image, built offline from the host's static busybox (nothing is pulled)."""
    return ensure_busybox_image(ENGINE)


def ours(**labels: str) -> list[Any]:
    """This test process's containers (another pytest run may share the engine)."""
    wanted = [f"{LABEL}=1", f"{LABEL}.session={SESSION_ID}"] + [f"{k}={v}" for k, v in labels.items()]
    return list(ENGINE.containers.list(all=True, sparse=True, filters={"label": wanted}))


@pytest.fixture(autouse=True)
def no_containers_left(busybox_image: str) -> Iterator[None]:
    """After each test, and after the fake has stopped: no container of ours is left."""
    yield
    left = ours()
    for container in left:
        container.remove(force=True)
    assert not left, f"containers left behind: {[c.attrs.get('Names') for c in left]}"


def wait_for(batch: Any, job_id: str, statuses: Iterable[str] = TERMINAL, timeout: float = 30) -> Any:
    """Describe ``job_id`` until its status is one of ``statuses``; the job, as described.

    Each DescribeJobs ticks the fake's scheduler, which asks the engine which containers
    exited. The containers are real processes running in real time, so between two looks
    we have to wait for them: briefly, and never past the deadline.
    """
    wanted = set(statuses)
    deadline = time.monotonic() + timeout
    while True:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in wanted:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is still {job['status']} after {timeout}s, not {wanted}")
        time.sleep(0.05)


def wait_until_removed(job_id: str, timeout: float = 30) -> None:
    """Until no container of ``job_id`` is left: the executor's pool removes it (real time, bounded)."""
    deadline = time.monotonic() + timeout
    while ours(**{f"{LABEL}.job-id": job_id}):
        assert time.monotonic() < deadline, f"the container of job {job_id} was not removed in time"
        time.sleep(0.05)


def wait_for_container(job_id: str, timeout: float = 30) -> Any:
    """The running container of ``job_id`` once the engine has started it (real time, bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        running = [c for c in ours(**{f"{LABEL}.job-id": job_id}) if c.attrs.get("State") == "running"]
        if running:
            return running[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no running container for job {job_id} after {timeout}s")
        time.sleep(0.05)


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


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


# -- end to end, through boto3 -----------------------------------------------------------


def test_array_children_echo_their_index(
    batch: Any, logs: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register("echo-index", sh("echo $AWS_BATCH_JOB_ARRAY_INDEX"))
    parent = batch.submit_job(
        jobName="echo", jobQueue=queue, jobDefinition="echo-index", arrayProperties={"size": 3}
    )["jobId"]

    job = wait_for(batch, parent)

    assert job["status"] == "SUCCEEDED"
    assert job["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 3
    for index in range(3):
        child = batch.describe_jobs(jobs=[f"{parent}:{index}"])["jobs"][0]
        assert child["container"]["exitCode"] == 0
        events = logs.get_log_events(
            logGroupName="/aws/batch/job",
            logStreamName=child["container"]["logStreamName"],
            startFromHead=True,
        )["events"]
        assert [e["message"] for e in events] == [str(index)]
        assert child["startedAt"] <= events[0]["timestamp"] <= child["stoppedAt"]
        assert fake_batch.job(f"{parent}:{index}").output == [str(index)]


def test_a_failing_child_fails_the_array(batch: Any, queue: str, register: Any) -> None:
    register("fail-one", sh('[ "$AWS_BATCH_JOB_ARRAY_INDEX" != 1 ] || exit 7'))
    parent = batch.submit_job(
        jobName="fail", jobQueue=queue, jobDefinition="fail-one", arrayProperties={"size": 3}
    )["jobId"]

    job = wait_for(batch, parent)

    assert job["status"] == "FAILED"
    summary = job["arrayProperties"]["statusSummary"]
    assert (summary["FAILED"], summary["SUCCEEDED"]) == (1, 2)
    children = batch.describe_jobs(jobs=[f"{parent}:{i}" for i in range(3)])["jobs"]
    codes = {c["arrayProperties"]["index"]: c["container"]["exitCode"] for c in children}
    assert codes == {0: 0, 1: 7, 2: 0}


def test_retries_run_a_new_container_per_attempt(batch: Any, queue: str, register: Any) -> None:
    register("flaky", sh("echo attempt $AWS_BATCH_JOB_ATTEMPT; exit 3"), retryStrategy={"attempts": 2})
    job_id = batch.submit_job(jobName="flaky", jobQueue=queue, jobDefinition="flaky")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [3, 3]


def test_terminate_stops_the_running_container(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register("sleeper", ["sleep", "60"])
    job_id = batch.submit_job(jobName="sleep", jobQueue=queue, jobDefinition="sleeper")["jobId"]
    wait_for(batch, job_id, ["RUNNING"])
    wait_for_container(job_id)

    batch.terminate_job(jobId=job_id, reason="not needed any more")
    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["isTerminated"] is True

    job = wait_for(batch, job_id)  # FAILED once the container has stopped, as on AWS
    assert job["status"] == "FAILED"
    assert job["isTerminated"] is True
    assert job["statusReason"] == "not needed any more"
    # sleep is the container's PID 1, which ignores SIGTERM: SIGKILL after the grace period
    assert job["container"]["exitCode"] == 137
    wait_until_removed(job_id)


def test_timeout_stops_the_running_container(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    # with an init process, SIGTERM reaches sleep at once: no grace period to wait out
    register(
        "slow",
        ["sleep", "60"],
        timeout={"attemptDurationSeconds": 60},
        linuxParameters={"initProcessEnabled": True},
    )
    job_id = batch.submit_job(jobName="slow", jobQueue=queue, jobDefinition="slow")["jobId"]
    wait_for(batch, job_id, ["RUNNING"])
    wait_for_container(job_id)

    fake_batch.clock.advance(61)
    job = wait_for(batch, job_id, timeout=10)

    assert job["status"] == "FAILED"
    assert job["statusReason"] == "Job attempt duration exceeded timeout"
    assert job["container"]["exitCode"] == 143  # 128 + SIGTERM
    assert job["stoppedAt"] - job["startedAt"] == 60_000
    wait_until_removed(job_id)


def test_a_running_containers_output_is_readable_live(
    batch: Any, logs: Any, queue: str, register: Any
) -> None:
    register("chatty", sh("echo started; sleep 60"), linuxParameters={"initProcessEnabled": True})
    job_id = batch.submit_job(jobName="chatty", jobQueue=queue, jobDefinition="chatty")["jobId"]
    stream = wait_for(batch, job_id, ["RUNNING"])["container"]["logStreamName"]
    wait_for_container(job_id)

    deadline = time.monotonic() + 30
    while True:  # the container writes in real time: look again, briefly, until the deadline
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
        if events or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    batch.terminate_job(jobId=job_id, reason="seen enough")

    assert [e["message"] for e in events] == ["started"]
    assert wait_for(batch, job_id)["status"] == "FAILED"


def test_a_container_removed_behind_the_fakes_back_fails_its_job(
    batch: Any, queue: str, register: Any
) -> None:
    register("doomed", ["sleep", "60"])
    job_id = batch.submit_job(jobName="doomed", jobQueue=queue, jobDefinition="doomed")["jobId"]
    wait_for(batch, job_id, ["RUNNING"])
    wait_for_container(job_id).remove(force=True)

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    assert job["statusReason"].startswith("CannotInspectContainerError: the container is gone")


def test_a_missing_image_fails_the_job_without_an_exit_code(batch: Any, queue: str) -> None:
    batch.register_job_definition(
        jobDefinitionName="ghost",
        type="container",
        containerProperties={"image": "no-such-image:404", "vcpus": 1, "memory": 64},
    )
    job_id = batch.submit_job(jobName="ghost", jobQueue=queue, jobDefinition="ghost")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    assert job["statusReason"].startswith("CannotPullContainerError: no-such-image:404")
    assert job["container"]["reason"] == job["statusReason"]
    assert "exitCode" not in job["container"]


def test_a_command_that_cannot_start_fails_the_job(batch: Any, queue: str, register: Any) -> None:
    register("broken", ["/no/such/program"])
    job_id = batch.submit_job(jobName="broken", jobQueue=queue, jobDefinition="broken")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    assert job["statusReason"].startswith("CannotStartContainerError: ")
    assert "/no/such/program" in job["statusReason"]


def test_environment_overrides_and_parameters_reach_the_container(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register(
        "env",
        sh(
            "echo $GREETING $EXTRA Ref::who; echo $AWS_BATCH_JOB_ID $AWS_BATCH_JOB_ATTEMPT $AWS_BATCH_JQ_NAME"
        ),
        environment=[{"name": "GREETING", "value": "hello"}, {"name": "EXTRA", "value": "-"}],
        parameters={"who": "world"},
    )
    plain = batch.submit_job(jobName="plain", jobQueue=queue, jobDefinition="env")["jobId"]
    custom = batch.submit_job(
        jobName="custom",
        jobQueue=queue,
        jobDefinition="env",
        parameters={"who": "batch"},
        containerOverrides={"environment": [{"name": "EXTRA", "value": "extra"}]},
    )["jobId"]
    command = batch.submit_job(
        jobName="command",
        jobQueue=queue,
        jobDefinition="env",
        containerOverrides={"command": ["echo", "overridden", "Ref::who"]},
    )["jobId"]

    for job_id in (plain, custom, command):
        assert wait_for(batch, job_id)["status"] == "SUCCEEDED"

    assert fake_batch.job(plain).output == ["hello - world", f"{plain} 1 {queue}"]
    assert fake_batch.job(custom).output == ["hello extra batch", f"{custom} 1 {queue}"]
    assert fake_batch.job(command).output == ["overridden world"]


def test_user_and_read_only_root_filesystem(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register(
        "locked",
        sh("id -u; touch /tmp/file 2>/dev/null && echo writable || echo read-only"),
        user="1234",
        readonlyRootFilesystem=True,
    )
    job_id = batch.submit_job(jobName="locked", jobQueue=queue, jobDefinition="locked")["jobId"]

    assert wait_for(batch, job_id)["status"] == "SUCCEEDED"
    assert fake_batch.job(job_id).output == ["1234", "read-only"]


CGROUP_LIMITS = sh(
    "(cut -d' ' -f1 /sys/fs/cgroup/cpu.max || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) 2>/dev/null;"
    "(cat /sys/fs/cgroup/memory.max || cat /sys/fs/cgroup/memory/memory.limit_in_bytes) 2>/dev/null"
)


def test_vcpus_and_memory_become_container_limits(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register("limits", CGROUP_LIMITS, vcpus=1, memory=64)
    small = batch.submit_job(jobName="small", jobQueue=queue, jobDefinition="limits")["jobId"]
    big = batch.submit_job(
        jobName="big", jobQueue=queue, jobDefinition="limits", containerOverrides={"vcpus": 16}
    )["jobId"]

    for job_id in (small, big):
        assert wait_for(batch, job_id)["status"] == "SUCCEEDED"

    host_cpus = ENGINE.info()["NCPU"]
    assert fake_batch.job(small).output == ["100000", str(64 * 2**20)]
    assert fake_batch.job(big).output[0] == str(min(16, host_cpus) * 100000)  # capped to the host


def test_running_out_of_memory_is_reported_as_aws_does(batch: Any, queue: str, register: Any) -> None:
    register("hungry", sh("x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo survived"), memory=6)
    job_id = batch.submit_job(jobName="hungry", jobQueue=queue, jobDefinition="hungry")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 137
    assert job["container"]["reason"] == OOM_REASON


def test_a_container_reaches_the_fake_it_runs_in(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    # attempts started from now on get AWS_ENDPOINT_URL_BATCH; busybox's wget cannot sign SigV4
    fake_batch.serve(verify_signatures=False)
    scoped_to = "Authorization: AWS4-HMAC-SHA256 Credential=x/20240101/eu-west-1/batch/aws4_request"
    url = "$AWS_ENDPOINT_URL_BATCH/v1/describejobqueues"
    json_body = "Content-Type: application/json"
    register(
        "caller",
        sh(f"wget -q -O- --header '{scoped_to}' --header '{json_body}' --post-data '{{}}' {url}"),
    )
    job_id = batch.submit_job(jobName="caller", jobQueue=queue, jobDefinition="caller")["jobId"]

    assert wait_for(batch, job_id)["status"] == "SUCCEEDED", fake_batch.job(job_id).output
    answer = json.loads("".join(fake_batch.job(job_id).output))
    assert [q["jobQueueName"] for q in answer["jobQueues"]] == [queue]


def test_host_volumes_are_bind_mounted(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch, tmp_path: Any
) -> None:
    (tmp_path / "in.txt").write_text("from the host\n")
    register(
        "mounts",
        sh("cat /in/in.txt; touch /in/x 2>/dev/null || echo read-only; ulimit -n"),
        volumes=[{"name": "data", "host": {"sourcePath": str(tmp_path)}}],
        mountPoints=[{"sourceVolume": "data", "containerPath": "/in", "readOnly": True}],
        ulimits=[{"name": "nofile", "softLimit": 1000, "hardLimit": 2000}],
    )
    job_id = batch.submit_job(jobName="mounts", jobQueue=queue, jobDefinition="mounts")["jobId"]

    assert wait_for(batch, job_id)["status"] == "SUCCEEDED"
    assert fake_batch.job(job_id).output == ["from the host", "read-only", "1000"]


# -- the executor and the engine, directly -----------------------------------------------


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


def test_one_engine_query_per_poll_however_many_run(monkeypatch: pytest.MonkeyPatch) -> None:
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
        assert len(requests) == 1
        assert "/containers/json" in requests[0]
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


def test_sweep_removes_only_containers_of_dead_sessions() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid now names no process
    session = {f"{LABEL}.host": socket.gethostname(), f"{LABEL}.session": "crashed"}
    orphan = ENGINE.containers.create(
        IMAGE, ["true"], labels={LABEL: "1", **session, f"{LABEL}.pid": str(dead.pid)}
    )
    alive = ENGINE.containers.create(
        IMAGE, ["true"], labels={LABEL: "1", **session, f"{LABEL}.pid": str(os.getppid())}
    )
    stranger = ENGINE.containers.create(IMAGE, ["true"], labels={"someone-else": "1", f"{LABEL}.pid": "1"})
    try:
        sweep_leftovers()
        remaining = {c.id for c in ENGINE.containers.list(all=True, sparse=True)}
        assert orphan.id not in remaining
        assert {alive.id, stranger.id} <= remaining
    finally:
        for container in (orphan, alive, stranger):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


def test_image_mapping_and_log_parsing() -> None:
    images = {"busybox*": "local-busybox:1", "*": "fallback:1"}
    assert resolve_image(images, "busybox:latest") == "local-busybox:1"
    assert resolve_image(images, "python:3.12") == "fallback:1"
    assert resolve_image({}, "python:3.12") == "python:3.12"
    raw = b"2024-01-02T03:04:05.678901234Z one\n2024-01-02T03:04:06Z two words\ncontinued\n"
    assert parse_logs(raw) == [
        (1704164645678, "one"),
        (1704164646000, "two words"),
        (1704164646000, "continued"),
    ]


# -- the plugin, when no engine answers --------------------------------------------------


def test_an_unreachable_engine_stops_the_run_at_start(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")

    result = pytester.runpytest_subprocess("--fakebatch-docker", "-p", "no:cacheprovider")

    assert result.ret != 0
    result.stderr.fnmatch_lines(["ERROR: *DOCKER_HOST=tcp://127.0.0.1:1*Start dockerd*"])
    result.stdout.no_fnmatch_line("*test_nothing*PASSED*")


# -- stopping a container never holds the fake's lock -------------------------------------


def test_other_calls_are_answered_while_a_container_that_ignores_sigterm_is_stopped(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    executor = fake_batch.executor
    assert isinstance(executor, DockerExecutor)
    executor.stop_grace_seconds = 5  # the engine waits this long before its SIGKILL
    register("stubborn", sh("trap '' TERM; echo ready; while true; do sleep 1; done"))
    job_id = batch.submit_job(jobName="stubborn", jobQueue=queue, jobDefinition="stubborn")["jobId"]
    wait_for(batch, job_id, ["RUNNING"])
    container = wait_for_container(job_id)

    batch.terminate_job(jobId=job_id, reason="stop it")
    answered: dict[str, Any] = {}
    other = threading.Thread(target=lambda: answered.update(batch.describe_job_queues(jobQueues=[queue])))
    other.start()
    other.join(timeout=30)
    container.reload()  # how the container was once the other thread had its answer

    assert not other.is_alive()
    assert [q["jobQueueName"] for q in answered["jobQueues"]] == [queue]
    assert container.status == "running"  # still in its grace period: nobody waited for it
    job = wait_for(batch, job_id)
    assert (job["status"], job["statusReason"], job["container"]["exitCode"]) == ("FAILED", "stop it", 137)
    wait_until_removed(job_id)
