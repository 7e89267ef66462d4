"""Docker mode through boto3: jobs run as real containers; output, environment, limits, exit codes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from busybox_image import IMAGE
from docker_jobs import ENGINE, sh, wait_for, wait_for_container

from pytest_fakebatch import FakeBatch

pytestmark = [
    pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE}),
    pytest.mark.usefixtures("no_containers_left"),
]


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
    # a worker the kernel kills for memory, under a wrapper that passes its status on a moment
    # later: the engine records the kill while the container lives (it can lose the record of a
    # main process killed while other containers run; see docs/docker.md)
    hog = "x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo survived"
    register("hungry", [*sh('sh -c "$0"; code=$?; sleep 1; exit $code'), hog], memory=6)
    job_id = batch.submit_job(jobName="hungry", jobQueue=queue, jobDefinition="hungry")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 137
    # the reason ECS gives a container the kernel killed for its memory (ECS's OutOfMemoryError page)
    assert job["container"]["reason"] == "OutOfMemoryError: Container killed due to memory usage"


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
