"""Docker mode through boto3: containers stopped by terminate or timeout, lost, or stopped off the lock."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from busybox_image import IMAGE
from docker_jobs import sh, wait_for, wait_for_container, wait_until_removed

from pytest_fakebatch import FakeBatch
from pytest_fakebatch.executors.docker import DockerExecutor

pytestmark = [
    pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE}),
    pytest.mark.usefixtures("no_containers_left"),
]


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
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    executor = fake_batch.executor
    assert isinstance(executor, DockerExecutor)
    executor.stop_grace_seconds = 1  # the engine waits this long before its SIGKILL
    register("stubborn", sh("trap '' TERM; echo ready; while true; do sleep 1; done"))
    job_id = batch.submit_job(jobName="stubborn", jobQueue=queue, jobDefinition="stubborn")["jobId"]
    wait_for(batch, job_id, ["RUNNING"])
    wait_for_container(job_id)
    # the engine's stop is held until another call has been answered: were the fake's lock held
    # while a container stops, that call could never be answered
    stopping, answered = threading.Event(), threading.Event()
    answered_while_stopping: list[bool] = []
    engine = executor._client.api
    real_stop = engine.stop

    def held_stop(*args: Any, **kwargs: Any) -> Any:
        stopping.set()
        answered_while_stopping.append(answered.wait(timeout=30))
        return real_stop(*args, **kwargs)

    monkeypatch.setattr(engine, "stop", held_stop)

    batch.terminate_job(jobId=job_id, reason="stop it")
    assert stopping.wait(timeout=30), "the engine was never asked to stop the container"
    queues: dict[str, Any] = {}
    other = threading.Thread(target=lambda: queues.update(batch.describe_job_queues(jobQueues=[queue])))
    other.start()
    other.join(timeout=30)
    answered.set()

    assert not other.is_alive()
    assert [q["jobQueueName"] for q in queues["jobQueues"]] == [queue]
    job = wait_for(batch, job_id)
    assert answered_while_stopping == [True]
    assert (job["status"], job["statusReason"], job["container"]["exitCode"]) == ("FAILED", "stop it", 137)
    wait_until_removed(job_id)
