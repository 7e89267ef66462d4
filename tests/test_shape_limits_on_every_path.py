"""What a request's shape limits and botocore's own validator leaves unchecked (a map's size,
a string's pattern, a string's or list's ``max``, enums, number ranges) is refused the same way
whether the client validated the request itself, switched its validation off, or spoke HTTP:
the same ClientException (InvalidParameterException for Logs) with the same message, and
nothing changed. Written also to kill the mutants mutmut left alive in
``api/shared/validation.py``, whose pre-check skips the full walk for requests botocore passed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from raw_http import send

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"
ONE = "1 validation error detected: "
GROUP = "/aws/batch/job"
PATHS = ("validating client", "client without validation", "HTTP")
FIFTY_ONE = {f"k{i}": "v" for i in range(51)}


def client(path: str, service: str = "batch") -> Any:
    loose = Config(parameter_validation=False) if path == "client without validation" else None
    return boto3.client(service, region_name=REGION, config=loose)


def refusal(fake_batch: FakeBatch, path: str, operation: str, params: dict[str, Any]) -> dict[str, str]:
    """The error a Batch ``operation`` (a boto3 method name) answers ``params`` with, on ``path``."""
    if path != "HTTP":
        with pytest.raises(ClientError) as refused:
            getattr(client(path), operation)(**params)
        return dict(refused.value.response["Error"])
    url = fake_batch.serve()
    model = boto3.client("batch", region_name=REGION).meta.service_model
    name = model.operation_model(_camel(operation))
    target = name.http["requestUri"]
    body = dict(params)
    for member, shape in name.input_shape.members.items():
        if shape.serialization.get("location") == "uri":
            target = target.replace("{" + member + "}", quote(body.pop(member), safe=""))
    answer = send(url, name.http["method"], target, json.dumps(body), credentials=fake_batch.credentials)
    assert answer.status == 400
    return {"Code": answer.headers["x-amzn-errortype"], "Message": answer.json()["message"]}


def _camel(method: str) -> str:
    return "".join(part.title() for part in method.split("_"))


@pytest.fixture
def queue_arn(batch: Any, queue: str) -> str:
    arn: str = batch.describe_job_queues(jobQueues=[queue])["jobQueues"][0]["jobQueueArn"]
    batch.tag_resource(resourceArn=arn, tags={"team": "data"})
    return arn


@pytest.mark.aws_doc(
    "UG: Tag restrictions",
    "Maximum number of tags per resource \u2013 50",
    family="Tags",
    ops=("TagResource",),
)
@pytest.mark.parametrize("path", PATHS)
def test_fifty_one_tags_are_refused_and_none_is_applied(
    fake_batch: FakeBatch, batch: Any, queue_arn: str, path: str
) -> None:
    error = refusal(fake_batch, path, "tag_resource", {"resourceArn": queue_arn, "tags": FIFTY_ONE})

    assert error == {
        "Code": "ClientException",
        "Message": "TagResource: " + ONE + "tags must hold at most 50 (characters or items), got 51",
    }
    assert batch.list_tags_for_resource(resourceArn=queue_arn)["tags"] == {"team": "data"}


@pytest.mark.aws_doc(
    "UG: Tag restrictions",
    "Maximum number of tags per resource \u2013 50",
    family="Tags",
    ops=("SubmitJob",),
)
@pytest.mark.parametrize("path", PATHS)
def test_a_job_with_fifty_one_tags_is_not_submitted(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, path: str
) -> None:
    job = {"jobName": "j", "jobQueue": queue, "jobDefinition": definition, "tags": FIFTY_ONE}

    error = refusal(fake_batch, path, "submit_job", job)

    assert error == {
        "Code": "ClientException",
        "Message": "SubmitJob: " + ONE + "tags must hold at most 50 (characters or items), got 51",
    }
    assert fake_batch.jobs() == []


@pytest.mark.parametrize("path", PATHS[:2])
def test_an_empty_tags_map_is_accepted(batch: Any, queue: str, definition: str, path: str) -> None:
    # the model says min 1, yet AWS takes the tags={} Airflow's BatchOperator sends with every job
    job_id = client(path).submit_job(jobName="j", jobQueue=queue, jobDefinition=definition, tags={})["jobId"]

    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"


LOG_CASES = [
    pytest.param(
        "get_log_events",
        {"logGroupName": GROUP, "logStreamName": "work/default:1"},
        "GetLogEvents: " + ONE + "logStreamName must match the pattern [^:*]*, got 'work/default:1'",
        id="colon-in-a-stream-name",
    ),
    pytest.param(
        "filter_log_events",
        {"logGroupName": GROUP, "logStreamNamePrefix": "work/*"},
        "FilterLogEvents: " + ONE + "logStreamNamePrefix must match the pattern [^:*]*, got 'work/*'",
        id="asterisk-in-a-prefix",
    ),
    pytest.param(
        "filter_log_events",
        {"logGroupName": GROUP, "logStreamNames": ["work/default/1", "work*"]},
        "FilterLogEvents: " + ONE + "logStreamNames[1] must match the pattern [^:*]*, got 'work*'",
        id="asterisk-in-a-listed-name",
    ),
    pytest.param(
        "describe_log_streams",
        {"logGroupName": GROUP, "logStreamNamePrefix": ":"},
        "DescribeLogStreams: " + ONE + "logStreamNamePrefix must match the pattern [^:*]*, got ':'",
        id="colon-alone",
    ),
]


@pytest.mark.aws_doc(
    "API: CreateLogStream",
    "Don't use ':' (colon) or '*' (asterisk) characters. ... logStreamName ... Pattern: [^:*]*",
    family="Logs",
    ops=("GetLogEvents", "FilterLogEvents", "DescribeLogStreams"),
)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("operation", "params", "message"), LOG_CASES)
def test_a_log_stream_name_with_a_colon_or_an_asterisk_is_refused(
    fake_batch: FakeBatch, operation: str, params: dict[str, Any], message: str, path: str
) -> None:
    if path == "HTTP":
        target = _camel(operation)
        answer = send(
            fake_batch.serve(),
            "POST",
            target,
            json.dumps(params),
            service="logs",
            credentials=fake_batch.credentials,
        )
        error = {"Code": answer.headers["x-amzn-errortype"], "Message": answer.json()["message"]}
    else:
        with pytest.raises(ClientError) as refused:
            getattr(client(path, "logs"), operation)(**params)
        error = dict(refused.value.response["Error"])

    assert error == {"Code": "InvalidParameterException", "Message": message}
