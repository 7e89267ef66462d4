"""Faults over HTTP mode: another process's botocore meets the same throttles, service errors
and visibility lag, and its own retry handler gets through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"


def run_client(fake: FakeBatch, code: str) -> Any:
    """``code`` run in a fresh Python (no fake inside) against the fake's server; its printed JSON."""
    variables = {**os.environ, **fake.environ(REGION), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    script = (
        "import boto3, json\nfrom botocore.config import Config\n"
        "def client(**retries):\n"
        "    return boto3.client('batch', config=Config(retries=retries))\n" + textwrap.dedent(code)
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=variables, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.aws_doc(
    "SDK: botocore retries/standard.py",
    "_THROTTLED_ERROR_CODES = [... 'TooManyRequestsException', ...]",
    family="Faults",
    ops=("DescribeJobQueues",),
)
def test_a_throttle_over_http_is_a_429_that_standard_retries_get_past(
    fake_batch: FakeBatch, queue: str
) -> None:
    fake_batch.faults.throttle("DescribeJobQueues", times=2)
    fake_batch.faults.fail("DescribeJobQueues", code="ServerException", times=1)

    seen = run_client(
        fake_batch,
        """
        try:
            client(total_max_attempts=1).describe_job_queues()
        except Exception as error:
            first = [error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Code"],
                     error.response["Error"]["Message"]]
        answer = client(mode="standard", total_max_attempts=4).describe_job_queues()
        print(json.dumps([first, answer["ResponseMetadata"]["RetryAttempts"], len(answer["jobQueues"])]))
        """,
    )

    assert seen == [[429, "TooManyRequestsException", "Too Many Requests"], 2, 1]
    assert [c.error for c in fake_batch.calls if c.operation == "DescribeJobQueues"] == [
        "TooManyRequestsException",
        "TooManyRequestsException",
        "ServerException",
        None,
    ]


def test_a_job_submitted_over_http_is_invisible_for_the_lag(
    fake_batch: FakeBatch, queue: str, definition: str
) -> None:
    fake_batch.faults.lag(seconds=5)

    job_id, early = run_client(
        fake_batch,
        """
        batch = client()
        job = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="work")["jobId"]
        print(json.dumps([job, batch.describe_jobs(jobs=[job])["jobs"]]))
        """,
    )
    fake_batch.advance(5)
    later = run_client(fake_batch, f"print(json.dumps(client().describe_jobs(jobs=['{job_id}'])['jobs']))")

    assert early == []
    assert [j["jobId"] for j in later] == [job_id]
