"""Faults in Docker mode: a reclaimed attempt's container is really stopped, and a container that
cannot start is never created; the retry strategy then decides, as on AWS."""

from __future__ import annotations

import re
from typing import Any

import docker
import pytest
from busybox_image import IMAGE
from docker_jobs import LABEL, ours, wait_for, wait_for_container, wait_until_removed

from pytest_fakebatch import FakeBatch

pytestmark = [
    pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE}),
    pytest.mark.usefixtures("no_containers_left"),
]
RECLAIMED = re.compile(r"Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.")


@pytest.mark.aws_doc(
    "API: EvaluateOnExit",
    "onStatusReason Contains a glob pattern to match against the StatusReason returned for a job.",
    family="Retries and timeouts",
    ops=("SubmitJob", "DescribeJobs"),
)
def test_a_reclaim_really_stops_the_container_and_evaluate_on_exit_retries(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    # the first attempt sleeps (and is reclaimed), the second finishes at once
    register(
        "spot",
        ["sh", "-c", 'if [ "$AWS_BATCH_JOB_ATTEMPT" = 1 ]; then sleep 60; fi; echo done'],
        linuxParameters={"initProcessEnabled": True},
        retryStrategy={
            "attempts": 2,
            "evaluateOnExit": [
                {"onStatusReason": "Host EC2*", "action": "RETRY"},
                {"onReason": "*", "action": "EXIT"},
            ],
        },
    )
    job_id = batch.submit_job(jobName="spot", jobQueue=queue, jobDefinition="spot")["jobId"]
    wait_for(batch, job_id, ["RUNNING"])
    first = wait_for_container(job_id)

    fake_batch.faults.reclaim(job_id)
    job = wait_for(batch, job_id)

    try:
        first.reload()
        assert first.status != "running"  # the reclaimed attempt's container was stopped
    except docker.errors.NotFound:  # stopped, and already removed
        pass
    assert job["status"] == "SUCCEEDED"
    reclaimed, retried = job["attempts"]
    assert RECLAIMED.fullmatch(reclaimed["statusReason"])
    assert "exitCode" not in reclaimed["container"]
    assert retried["container"]["exitCode"] == 0
    wait_until_removed(job_id)


@pytest.mark.aws_doc(
    "UG: Automated job retries",
    '"evaluateOnExit": [ ... { "action": "RETRY", "onStatusReason": "Task failed to start" }, ...',
    family="Container jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
def test_a_container_that_cannot_be_pulled_is_never_created(
    batch: Any, queue: str, register: Any, fake_batch: FakeBatch
) -> None:
    register("pull", ["echo", "hello"])
    fake_batch.faults.cannot_start("busybox*", "CannotPullContainerError")
    job_id = batch.submit_job(jobName="pull", jobQueue=queue, jobDefinition="pull")["jobId"]

    job = wait_for(batch, job_id)

    assert (job["status"], job["statusReason"]) == ("FAILED", "Task failed to start")
    assert job["attempts"][0]["container"]["reason"].startswith(
        "CannotPullContainerError: Error response from daemon: pull access denied for busybox:latest"
    )
    assert ours(**{f"{LABEL}.job-id": job_id}) == []  # no container was ever created
