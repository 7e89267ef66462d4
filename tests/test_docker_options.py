"""The Docker options as a user sets them, through pytester in Docker mode: ``--fakebatch-image``
and the ini key ``fakebatch_images`` run a job's image as the mapped local image (a real
container runs), and ``fakebatch_pull`` decides whether an absent image is pulled."""

from __future__ import annotations

import pytest
from busybox_image import IMAGE

pytestmark = pytest.mark.usefixtures("docker_engine")

# the inner test: a job whose image no engine has ("worker:latest"), run as a real container
INNER = """
import time

import boto3


def run(fake_batch, image, command):
    batch = boto3.client("batch", region_name="eu-west-1")
    batch.create_compute_environment(
        computeEnvironmentName="ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 2, "subnets": ["s"], "instanceRole": "r"},
    )
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    batch.register_job_definition(
        jobDefinitionName="d",
        type="container",
        containerProperties={"image": image, "command": command, "vcpus": 1, "memory": 64},
    )
    job_id = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="d")["jobId"]
    deadline = time.monotonic() + 60
    while True:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job, fake_batch.job(job_id).output
        assert time.monotonic() < deadline, "the job did not finish in 60 s"
        time.sleep(0.05)  # a real container, in real time: look again, never past the deadline


def test_mapped(fake_batch):
    job, output = run(fake_batch, "worker:latest", ["sh", "-c", "echo mapped from $AWS_BATCH_JQ_NAME"])
    assert (job["status"], job["container"]["exitCode"], output) == ("SUCCEEDED", 0, ["mapped from q"])


def test_absent(fake_batch):
    job, _ = run(fake_batch, ABSENT, ["true"])
    assert job["status"] == "FAILED"
    print("REASON:", job["statusReason"])
"""


def inner(pytester: pytest.Pytester, absent: str = "fakebatch-no-such-image:404") -> None:
    pytester.makepyfile(test_inner=f"ABSENT = {absent!r}\n" + INNER)


def reason(result: pytest.RunResult) -> str:
    (line,) = [line for line in result.outlines if "REASON: " in line]
    return line.partition("REASON: ")[2]


def test_the_image_option_maps_a_jobs_image_to_a_local_one(pytester: pytest.Pytester) -> None:
    inner(pytester)

    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--fakebatch-docker",
        "--fakebatch-image",
        f"worker:*={IMAGE}",
        "-k",
        "mapped",
    )

    result.assert_outcomes(passed=1, deselected=1)


def test_the_images_ini_key_maps_a_jobs_image_to_a_local_one(pytester: pytest.Pytester) -> None:
    inner(pytester)
    pytester.makeini(f"[pytest]\nfakebatch_images =\n    python:*=unused:1\n    worker:*={IMAGE}\n")

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fakebatch-docker", "-k", "mapped")

    result.assert_outcomes(passed=1, deselected=1)


def test_without_a_mapping_the_jobs_own_image_is_used(pytester: pytest.Pytester) -> None:
    inner(pytester)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fakebatch-docker", "-k", "mapped")

    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*CannotPullContainerError: worker:latest: image not found*"])


def test_pull_never_fails_an_absent_image_without_pulling(pytester: pytest.Pytester) -> None:
    inner(pytester)
    pytester.makeini("[pytest]\nfakebatch_pull = never\n")

    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--fakebatch-docker", "-s", "-k", "absent"
    )

    result.assert_outcomes(passed=1, deselected=1)
    assert reason(result) == (
        "CannotPullContainerError: fakebatch-no-such-image:404: image not found in the local Docker "
        "engine and fakebatch_pull is 'never' (build or tag it locally, map the job's image with "
        "--fakebatch-image PATTERN=IMAGE, or set fakebatch_pull = missing)"
    )


def test_pull_missing_pulls_an_absent_image(pytester: pytest.Pytester) -> None:
    # a registry that refuses at once (nothing listens on port 1): the pull is tried, and fails
    inner(pytester, absent="127.0.0.1:1/fakebatch-absent:1")
    pytester.makeini("[pytest]\nfakebatch_pull = missing\n")

    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--fakebatch-docker", "-s", "-k", "absent"
    )

    result.assert_outcomes(passed=1, deselected=1)
    assert reason(result).startswith(
        "CannotPullContainerError: 127.0.0.1:1/fakebatch-absent:1: pull failed: "
    )
