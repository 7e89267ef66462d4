"""Recipe: Docker mode, where each job attempt is a real container.

The marker (or ``pytest --fakebatch-docker`` for a whole run) switches the fake's executor to
Docker; ``images`` maps the registry image the job definition names (as in production) to a local
image, so nothing is pulled. The container's exit code decides the attempt and its output is the
job's CloudWatch log.

This project builds its test image offline from the host's busybox
(``tests/busybox_image.py``, on ``PYTHONPATH`` in ``tox -e recipe-docker``); use your own image.
Containers run in real time, so the test polls Batch (briefly) until the job ends.

Run with ``tox -e recipe-docker`` (needs a Docker engine).
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import docker
import pytest
from busybox_image import IMAGE, ensure_busybox_image

TOOLS = ("docker",)
REGION = "eu-west-1"
ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/etl:1.4.0"

pytestmark = pytest.mark.fakebatch(docker=True, images={ECR_IMAGE: IMAGE})


@pytest.fixture(scope="module", autouse=True)
def local_image() -> str:
    """The local image that stands in for ECR_IMAGE (built once, offline)."""
    return ensure_busybox_image(docker.from_env())


def wait_until_done(batch: Any, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """DescribeJobs until the job is SUCCEEDED or FAILED: containers take real time."""
    deadline = time.monotonic() + timeout
    while (job := batch.describe_jobs(jobs=[job_id])["jobs"][0])["status"] not in ("SUCCEEDED", "FAILED"):
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {timeout}s"
        time.sleep(0.2)
    return job


@pytest.fixture
def etl(batch_queue: str) -> str:
    """A job definition running a shell script in the ETL image."""
    boto3.client("batch", region_name=REGION).register_job_definition(
        jobDefinitionName="etl",
        type="container",
        parameters={"day": "2026-01-01"},
        containerProperties={
            "image": ECR_IMAGE,
            "command": ["sh", "-c", 'echo "slice $AWS_BATCH_JOB_ARRAY_INDEX of Ref::day"'],
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "128"}],
        },
    )
    return "etl"


def test_an_array_job_runs_as_containers(batch_queue: str, etl: str) -> None:
    batch = boto3.client("batch", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)

    job_id = batch.submit_job(
        jobName="slices", jobQueue=batch_queue, jobDefinition=etl, arrayProperties={"size": 2}
    )["jobId"]

    assert wait_until_done(batch, job_id)["status"] == "SUCCEEDED"
    for index in (0, 1):
        (child,) = batch.describe_jobs(jobs=[f"{job_id}:{index}"])["jobs"]
        stream = child["container"]["logStreamName"]
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
        assert [e["message"] for e in events] == [f"slice {index} of 2026-01-01"]


def test_the_exit_code_fails_the_job(batch_queue: str, etl: str) -> None:
    batch = boto3.client("batch", region_name=REGION)

    job_id = batch.submit_job(
        jobName="broken",
        jobQueue=batch_queue,
        jobDefinition=etl,
        containerOverrides={"command": ["sh", "-c", "echo no input >&2; exit 3"]},
    )["jobId"]

    job = wait_until_done(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 3
