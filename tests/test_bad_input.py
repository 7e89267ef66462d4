"""Requests no AWS client would send, through the hook (client validation off) and over HTTP:
each is a ClientException naming the field, and the region is unharmed afterwards."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.config import Config
from installed_model import needs_member
from raw_http import Answer, send

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"  # the region of the conftest fixtures
LONG_DIGITS = "1" * 4301  # one digit more than Python converts to an int
GROUP = "/aws/batch/job"


def nested(depth: int) -> Any:
    value: Any = "RUNNABLE"
    for _ in range(depth):
        value = [value]
    return value


def loose(service: str = "batch", region: str = REGION) -> Any:
    """A client whose own validation is off: whatever it is given reaches the fake."""
    return boto3.client(service, region_name=region, config=Config(parameter_validation=False))


def assert_region_works(batch: Any, queue: str, definition: str) -> None:
    """The region still answers Describe/List, and a new job runs to SUCCEEDED."""
    assert batch.describe_compute_environments()["computeEnvironments"]
    assert [q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]] == [queue]
    batch.list_jobs(jobQueue=queue, jobStatus="SUCCEEDED")
    job_id = batch.submit_job(jobName="after", jobQueue=queue, jobDefinition=definition)["jobId"]
    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"


def error_code(answer: Answer) -> str:
    """The error code of a raw HTTP answer (rest-json carries it in x-amzn-ErrorType)."""
    return answer.headers.get("x-amzn-errortype", "").split(":")[0] or answer.json().get("__type")


QUEUE_ORDER = [{"order": 1, "computeEnvironment": "ce"}]
BATCH_CASES = [
    pytest.param(
        "update_compute_environment",
        {"computeEnvironment": "ce", "computeResources": {"maxvCpus": None}},
        r"computeResources\.maxvCpus must be an integer, got null",
        id="update-max-vcpus-null",
    ),
    pytest.param(
        "create_compute_environment",
        {
            "computeEnvironmentName": "ce2",
            "type": "MANAGED",
            "computeResources": {"type": "EC2", "maxvCpus": None, "subnets": ["s"]},
        },
        r"computeResources\.maxvCpus must be an integer, got null",
        id="create-max-vcpus-null",
    ),
    pytest.param(
        "list_jobs",
        {"jobQueue": "q", "filters": [{"name": "BEFORE_CREATED_AT", "values": ["²"]}]},
        "BEFORE_CREATED_AT takes a time in epoch milliseconds",
        id="created-at-unicode-digit",
    ),
    pytest.param(
        "list_jobs",
        {"jobQueue": "q", "filters": [{"name": "AFTER_CREATED_AT", "values": [LONG_DIGITS]}]},
        "AFTER_CREATED_AT takes a time in epoch milliseconds",
        id="created-at-4301-digits",
    ),
    pytest.param(
        "submit_job",
        {"jobName": "j", "jobQueue": "q", "jobDefinition": f"work:{LONG_DIGITS}"},
        "jobDefinition 'work:1+.*revision of over 10 digits",
        id="definition-revision-4301-digits",
    ),
    pytest.param(
        "submit_job",
        {"jobName": "j", "jobQueue": "q", "jobDefinition": "work:٣"},
        "jobDefinition 'work:٣' is not a job definition",
        id="definition-revision-arabic-digit",
    ),
    pytest.param(
        "register_job_definition",
        {
            "jobDefinitionName": "big",
            "type": "container",
            "containerProperties": {"image": "i", "vcpus": 10**400},
        },
        r"containerProperties\.vcpus must be between -2147483648 and 2147483647",
        id="definition-vcpus-10e400",
    ),
    pytest.param(
        "register_job_definition",
        {
            "jobDefinitionName": "big",
            "type": "container",
            "containerProperties": {"image": "i", "memory": True},
        },
        r"containerProperties\.memory must be an integer, got a boolean",
        id="definition-memory-true",
    ),
    pytest.param(
        "submit_job",
        {"jobName": "j", "jobQueue": "q", "jobDefinition": "work", "containerOverrides": {"vcpus": 10**400}},
        r"containerOverrides\.vcpus must be between",
        id="override-vcpus-10e400",
    ),
    pytest.param(
        "submit_job",
        {"jobName": "j", "jobQueue": "q", "jobDefinition": "work", "containerOverrides": {"memory": 2**31}},
        r"containerOverrides\.memory must be between",
        id="override-memory-past-int32",
    ),
    pytest.param(
        "create_scheduling_policy",
        {
            "name": "p",
            "fairsharePolicy": {
                "shareDistribution": [{"shareIdentifier": "a", "weightFactor": float("nan")}]
            },
        },
        # botocore sends "NaN" (older releases a bare NaN): refused either way
        r"fairsharePolicy\.shareDistribution\[0\]\.weightFactor must be a (finite )?number",
        id="weight-factor-nan",
    ),
    pytest.param(
        "create_job_queue",
        {
            "jobQueueName": "q2",
            "priority": 1,
            "computeEnvironmentOrder": QUEUE_ORDER,
            "jobStateTimeLimitActions": [
                {"reason": "r", "state": "RUNNABLE", "maxTimeSeconds": 600, "action": nested(20)}
            ],
        },
        r"jobStateTimeLimitActions\[0\]\.action must be a string, got a list",
        id="echoed-field-nested-20-deep",
        marks=needs_member("CreateJobQueue", "jobStateTimeLimitActions"),
    ),
    pytest.param(
        "create_job_queue",
        {
            "jobQueueName": "q2",
            "priority": 1,
            "computeEnvironmentOrder": QUEUE_ORDER,
            "jobStateTimeLimitActions": [
                {"reason": "r", "state": "RUNNABLE", "maxTimeSeconds": 600, "action": nested(900)}
            ],
        },
        "CreateJobQueue: the request body is nested deeper than 64 levels",
        id="echoed-field-nested-900-deep",
        marks=needs_member("CreateJobQueue", "jobStateTimeLimitActions"),
    ),
    pytest.param(
        "create_job_queue",
        {"jobQueueName": "q2", "priority": 1, "computeEnvironmentOrder": QUEUE_ORDER, "state": "enabled"},
        "state must be one of ENABLED, DISABLED, got 'enabled'",
        id="enum-value",
    ),
    pytest.param(
        "submit_job",
        {"jobName": "j", "jobQueue": "q", "jobDefinition": "work", "parameters": {"p": "x" * 40_000}},
        "SubmitJob: the request is over AWS's limit of 30 KiB",
        id="submit-over-30-kib",
    ),
]


@pytest.mark.parametrize(("method", "params", "message"), BATCH_CASES)
def test_bad_batch_requests_are_client_exceptions(
    batch: Any, queue: str, definition: str, method: str, params: dict[str, Any], message: str
) -> None:
    client = loose()

    with pytest.raises(client.exceptions.ClientException, match=message):
        getattr(client, method)(**params)

    assert_region_works(batch, queue, definition)


def test_a_refused_update_changes_nothing(batch: Any, queue: str, definition: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="maxvCpus"):
        batch.update_compute_environment(
            computeEnvironment="ce", state="DISABLED", computeResources={"maxvCpus": 1, "minvCpus": 4}
        )

    env = batch.describe_compute_environments()["computeEnvironments"][0]
    assert (env["state"], env["computeResources"]["maxvCpus"]) == ("ENABLED", 16)
    assert_region_works(batch, queue, definition)


@pytest.fixture
def stream(batch: Any, queue: str, definition: str) -> str:
    job_id = batch.submit_job(jobName="logged", jobQueue=queue, jobDefinition=definition)["jobId"]
    name: str = batch.describe_jobs(jobs=[job_id])["jobs"][0]["container"]["logStreamName"]
    return name


@pytest.mark.parametrize(
    ("method", "params"),
    [
        pytest.param("get_log_events", {"nextToken": "f/²"}, id="get-unicode-digit"),
        pytest.param("get_log_events", {"nextToken": "b/" + LONG_DIGITS}, id="get-4301-digits"),
        pytest.param("filter_log_events", {"nextToken": "²"}, id="filter-unicode-digit"),
        pytest.param("filter_log_events", {"nextToken": LONG_DIGITS}, id="filter-4301-digits"),
        pytest.param("describe_log_streams", {"nextToken": "٣"}, id="streams-arabic-digit"),
        pytest.param("describe_log_streams", {"nextToken": LONG_DIGITS}, id="streams-4301-digits"),
    ],
)
def test_bad_log_tokens_are_invalid_parameter_exceptions(
    batch: Any, queue: str, definition: str, stream: str, method: str, params: dict[str, Any]
) -> None:
    logs = loose("logs")
    where = {"logStreamName": stream} if method == "get_log_events" else {}

    with pytest.raises(logs.exceptions.InvalidParameterException, match="nextToken"):  # Logs' own code
        getattr(logs, method)(logGroupName=GROUP, **where, **params)

    assert logs.get_log_events(logGroupName=GROUP, logStreamName=stream)["events"] == []
    assert_region_works(batch, queue, definition)


def test_a_region_must_be_an_aws_region(batch: Any, queue: str, definition: str) -> None:
    elsewhere = boto3.client("batch", region_name="nowhere")

    with pytest.raises(elsewhere.exceptions.ClientException, match="'nowhere' is not an AWS region"):
        elsewhere.describe_job_queues()

    assert_region_works(batch, queue, definition)


def test_calls_keep_a_few_kb_of_a_big_body(fake_batch: FakeBatch, batch: Any) -> None:
    big = {"p": "x" * 20_000}
    batch.register_job_definition(
        jobDefinitionName="big", type="container", containerProperties={"image": "i"}, parameters=big
    )
    with pytest.raises(batch.exceptions.ClientException, match="30 KiB"):
        loose().submit_job(jobName="j", jobQueue="q", jobDefinition="big", parameters={"p": "x" * 10**6})

    registered, refused = fake_batch.calls[-2:]
    assert registered.params["jobDefinitionName"] == "big"
    assert registered.params["...truncated"]["members"] == ["parameters"]
    assert refused.error == "ClientException"
    assert refused.params["jobName"] == "j"
    assert all(len(json.dumps(c.params)) < 5000 for c in (registered, refused))


HTTP_CASES = [
    pytest.param(
        "POST",
        "/v1/submitjob",
        json.dumps(
            {
                "jobName": "j",
                "jobQueue": "q",
                "jobDefinition": "work",
                "containerOverrides": {"resourceRequirements": None},
            }
        ),
        r"containerOverrides\.resourceRequirements must be a list, got null",
        id="resource-requirements-null",
    ),
    pytest.param(
        "POST",
        "/v1/updatecomputeenvironment",
        json.dumps({"computeEnvironment": "ce", "computeResources": {"maxvCpus": None}}),
        r"computeResources\.maxvCpus must be an integer, got null",
        id="max-vcpus-null",
    ),
    pytest.param(
        "POST",
        "/v1/describejobqueues",
        '{"jobQueues": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "nested deeper than 64 levels",
        id="nested-100000-deep",
    ),
    pytest.param(
        "POST",
        "/v1/registerjobdefinition",
        '{"jobDefinitionName": "x", "type": "container", "containerProperties": {"vcpus": 1e400}}',
        r"containerProperties\.vcpus must be an integer, got float",
        id="vcpus-1e400",
    ),
    pytest.param(
        "POST",
        "/v1/createschedulingpolicy",
        '{"name": "p", "fairsharePolicy": {"shareDistribution": '
        '[{"shareIdentifier": "a", "weightFactor": NaN}]}}',
        r"shareDistribution\[0\]\.weightFactor must be a finite number",
        id="weight-factor-nan",
    ),
    pytest.param(
        "POST",
        "/v1/submitjob",
        json.dumps({"jobName": "j", "jobQueue": "q", "jobDefinition": "work", "jobNmae": "typo"}),
        "'jobNmae' is not a member of the request",
        id="unknown-member",
    ),
    pytest.param(
        "POST",
        "/v1/describejobqueues",
        '{"maxResults": ' + LONG_DIGITS + "}",
        "not valid JSON",
        id="integer-4301-digits",
    ),
    pytest.param(
        "POST",
        "/v1/createjobqueue",
        '{"jobQueueName": "big", "tags": {"k": "' + "x" * 2 * 1024 * 1024 + '"}}',
        "over the limit",
        id="body-2-mb",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "message"), HTTP_CASES)
def test_bad_http_requests_are_json_client_exceptions(
    fake_batch: FakeBatch,
    batch: Any,
    queue: str,
    definition: str,
    method: str,
    path: str,
    body: str,
    message: str,
) -> None:
    url = fake_batch.serve()

    answer = send(url, method, path, body, credentials=fake_batch.credentials)

    assert (answer.status, error_code(answer)) == (400, "ClientException")
    assert answer.headers["content-type"].startswith("application/json")
    assert re.search(message, answer.json()["message"]), answer.json()["message"]
    assert_region_works(batch, queue, definition)
