"""The hook's hot path: a request botocore's own client validation already passed is not walked
again whole, yet every rule its validator leaves unchecked (max lengths, enums, integer
ranges, booleans for numbers) is refused with the same exact message a client with validation
off gets; the scheduler's tick with nothing to move changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"
STATUSES = "SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED"


def _refusal(client: Any, operation: str, kwargs: dict[str, Any]) -> str:
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**kwargs)
    assert caught.value.response["Error"]["Code"] == "ClientException"
    return str(caught.value.response["Error"]["Message"])


@pytest.mark.parametrize(
    ("operation", "kwargs", "message"),
    [
        pytest.param(
            "list_jobs",
            {"jobQueue": "q", "jobStatus": "DONE"},
            f"ListJobs: 1 validation error detected: jobStatus must be one of {STATUSES}, got 'DONE'",
            id="enum",
        ),
        pytest.param(
            "list_jobs",
            {"jobQueue": "q", "maxResults": 2**31},
            "ListJobs: 1 validation error detected: maxResults must be between -2147483648 and "
            "2147483647, got 2147483648",
            id="integer-range",
        ),
        pytest.param(
            "submit_job",
            {"jobName": "j", "jobQueue": "q", "jobDefinition": "d", "retryStrategy": {"attempts": True}},
            "SubmitJob: 1 validation error detected: retryStrategy.attempts must be an integer, "
            "got a boolean",
            id="boolean-for-integer",
        ),
    ],
)
def test_rules_botocore_leaves_unchecked_answer_alike_with_validation_on_and_off(
    fake_batch: FakeBatch, operation: str, kwargs: dict[str, Any], message: str
) -> None:
    validating = boto3.client("batch", region_name=REGION)
    unchecked = boto3.client("batch", region_name=REGION, config=Config(parameter_validation=False))
    assert _refusal(validating, operation, kwargs) == message
    assert _refusal(unchecked, operation, kwargs) == message


def test_a_client_with_validation_off_is_still_validated_whole(fake_batch: FakeBatch) -> None:
    unchecked = boto3.client("batch", region_name=REGION, config=Config(parameter_validation=False))
    assert _refusal(unchecked, "describe_jobs", {"jobs": [7]}) == (
        "DescribeJobs: 1 validation error detected: jobs[0] must be a string, got int"
    )


def test_a_tick_with_nothing_to_move_changes_nothing(fake_batch: FakeBatch) -> None:
    batch = boto3.client("batch", region_name=REGION)
    assert batch.describe_job_queues()["jobQueues"] == []
    fake_batch.run_until_idle()
    assert fake_batch.step() is False
    assert fake_batch.jobs() == []


def test_answers_handed_without_a_json_copy_are_the_callers_own() -> None:
    with FakeBatch(check_shapes=False) as fake:
        batch = boto3.client("batch", region_name=REGION)
        fake.handler(image="busybox")(lambda job: print("one line"))
        batch.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
        batch.create_job_queue(
            jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
        batch.register_job_definition(
            jobDefinitionName="d",
            type="container",
            containerProperties={"image": "busybox", "vcpus": 1, "memory": 4},
        )
        submitted = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="d")
        submitted["jobName"] = "changed by the caller"
        first = batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED")
        first["jobSummaryList"][0]["jobName"] = "changed by the caller"
        first["jobSummaryList"].append({})
        again = batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED")["jobSummaryList"]
        assert [(s["jobId"], s["jobName"], s["status"]) for s in again] == [
            (submitted["jobId"], "j", "SUCCEEDED")
        ]
        assert fake.job(submitted["jobId"]).name == "j"
        logs = boto3.client("logs", region_name=REGION)
        described = batch.describe_jobs(jobs=[submitted["jobId"]])["jobs"][0]
        stream = {"logGroupName": "/aws/batch/job", "logStreamName": described["container"]["logStreamName"]}
        page = logs.get_log_events(**stream, startFromHead=True)
        assert [e["message"] for e in page["events"]] == ["one line"]
        page["events"][0]["message"] = "changed by the caller"
        page["events"].append({"message": "added by the caller"})
        assert [e["message"] for e in logs.get_log_events(**stream, startFromHead=True)["events"]] == [
            "one line"
        ]


def test_a_described_job_is_the_callers_own_copy() -> None:
    with FakeBatch(check_shapes=False) as fake:
        batch = boto3.client("batch", region_name=REGION)
        fake.autorun = False
        batch.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
        batch.create_job_queue(
            jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
        batch.register_job_definition(
            jobDefinitionName="d",
            type="container",
            containerProperties={"image": "busybox", "vcpus": 1, "memory": 4, "command": ["echo", "hi"]},
        )
        job_id = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="d", tags={"team": "a"})["jobId"]
        first = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        first["container"]["command"].append("changed by the caller")
        first["tags"]["team"] = "changed by the caller"
        again = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        assert (again["container"]["command"], again["tags"]) == (["echo", "hi"], {"team": "a"})


def test_sessions_and_clients_made_before_the_import_are_answered_too() -> None:
    script = (
        "import boto3, botocore.session\n"
        "client = boto3.client('batch', region_name='eu-west-1')\n"
        "session = botocore.session.Session()\n"
        "from pytest_fakebatch import FakeBatch\n"
        "with FakeBatch():\n"
        "    later = session.create_client('batch', region_name='eu-west-1')\n"
        "    print(client.describe_job_queues()['jobQueues'], later.describe_job_queues()['jobQueues'])\n"
    )
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "[] []\n"), done.stderr
