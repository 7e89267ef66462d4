"""Recipe: the AWS CLI (or any other process) against the fake, through its HTTP server.

``fake_batch.environ(region)`` starts the fake's HTTP server and returns the endpoint URLs
(``AWS_ENDPOINT_URL_BATCH``, ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``), the fake's credentials and
the region: give them to the subprocess and it talks to the fake as it would to AWS. Jobs still
run in this test process (the handler below), and move whenever the fake is called.

Run with ``tox -e recipe-awscli`` (awscli v1 from PyPI).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("awscli",)
REGION = "eu-west-1"


def aws(env: dict[str, str], *args: str) -> Any:
    """``aws <args> --output json`` in a subprocess; its parsed answer."""
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"aws {' '.join(args)} failed:\n{done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def cli_env(fake_batch: FakeBatch) -> dict[str, str]:
    """What the subprocess needs: the fake's endpoints, credentials and region."""
    return fake_batch.environ(REGION)


def test_the_cli_submits_a_job_and_reads_its_log(
    fake_batch: FakeBatch, batch_queue: str, cli_env: dict[str, str]
) -> None:
    @fake_batch.handler("report:*")
    def report(job: JobRun) -> int:
        print("rows:", job.command[-1])
        return 0

    aws(
        cli_env, "batch", "register-job-definition", "--job-definition-name", "report",
        "--type", "container",
        "--container-properties", json.dumps({"image": "report:1", "command": ["report", "42"],
                                              "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                                       {"type": "MEMORY", "value": "512"}]}),
    )  # fmt: skip
    job_id = aws(
        cli_env, "batch", "submit-job", "--job-name", "nightly", "--job-queue", batch_queue,
        "--job-definition", "report",
    )["jobId"]  # fmt: skip

    (job,) = aws(cli_env, "batch", "describe-jobs", "--jobs", job_id)["jobs"]
    assert job["status"] == "SUCCEEDED"
    stream = job["container"]["logStreamName"]
    events = aws(
        cli_env, "logs", "get-log-events", "--log-group-name", "/aws/batch/job",
        "--log-stream-name", stream,
    )["events"]  # fmt: skip
    assert [e["message"] for e in events] == ["rows: 42"]


def test_the_cli_sees_what_the_test_did(
    fake_batch: FakeBatch, batch_queue: str, cli_env: dict[str, str]
) -> None:
    queues = aws(cli_env, "batch", "describe-job-queues")["jobQueues"]

    assert [(q["jobQueueName"], q["state"]) for q in queues] == [("recipes", "ENABLED")]
    # every request of the subprocess is in fake_batch.calls, as the test's own are
    assert [c.operation for c in fake_batch.calls][-1] == "DescribeJobQueues"


def test_a_bad_request_fails_the_cli_as_aws_would(batch_queue: str, cli_env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "batch", "submit-job", "--job-name", "x",
         "--job-queue", batch_queue, "--job-definition", "missing"],
        env={**os.environ, **cli_env}, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 255  # awscli v1's code for a service error
    assert done.stderr.strip().splitlines()[-1] == (
        "An error occurred (ClientException) when calling the SubmitJob operation: SubmitJob: job "
        "definition 'missing' does not exist or is INACTIVE in eu-west-1 (active: none)"
    )
