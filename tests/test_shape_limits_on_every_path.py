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
from installed_model import request_members
from raw_http import send

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"
ONE = "1 validation error detected: "
GROUP = "/aws/batch/job"
PATHS = ("validating client", "client without validation", "HTTP")
FIFTY_ONE = {f"k{i}": "v" for i in range(51)}
QUEUE_ARN = "arn:aws:batch:eu-west-1:123456789012:job-queue/q"
SUBMIT = {"jobName": "j", "jobQueue": "q", "jobDefinition": "d"}
LIMITS = {"memory": "1Gi", "cpu": "1" * 257}  # a map whose keys are free, whose values are not


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


def logs_refusal(fake_batch: FakeBatch, path: str, operation: str, params: dict[str, Any]) -> dict[str, str]:
    """The error a Logs ``operation`` (a boto3 method name) answers ``params`` with, on ``path``."""
    if path != "HTTP":
        with pytest.raises(ClientError) as refused:
            getattr(client(path, "logs"), operation)(**params)
        return dict(refused.value.response["Error"])
    answer = send(
        fake_batch.serve(),
        "POST",
        _camel(operation),
        json.dumps(params),
        service="logs",
        credentials=fake_batch.credentials,
    )
    assert answer.status == 400
    return {"Code": answer.headers["x-amzn-errortype"], "Message": answer.json()["message"]}


def _camel(method: str) -> str:
    return "".join(part.title() for part in method.split("_"))


# Kept first here, and this module first in mutation/run.py's validation group: the fake builds
# each operation's pre-check (for requests botocore validated) once and keeps it, so mutmut
# credits the builder to whichever test first sends each operation. This one sends, through
# clients that validated each request themselves, one request per kind of rule botocore's
# validator leaves unchecked: each must still be refused, with the full walk's exact message.
VALIDATED_CASES = [
    (
        "batch",
        "tag_resource",
        {"resourceArn": QUEUE_ARN, "tags": FIFTY_ONE},
        "TagResource: " + ONE + "tags must hold at most 50 (characters or items), got 51",
    ),
    (
        "batch",
        "tag_resource",
        {"resourceArn": QUEUE_ARN, "tags": {"a": "v", "k" * 129: "v"}},
        "TagResource: "
        + ONE
        + f"tags (key: {'k' * 129}) must hold at most 128 (characters or items), got 129",
    ),
    (
        "batch",
        "tag_resource",
        {"resourceArn": QUEUE_ARN, "tags": {"a": "v", "b": "v" * 257}},
        "TagResource: " + ONE + "tags.b must hold at most 256 (characters or items), got 257",
    ),
    (
        "batch",
        "untag_resource",
        {"resourceArn": QUEUE_ARN, "tagKeys": [f"k{i}" for i in range(51)]},
        "UntagResource: " + ONE + "tagKeys must hold at most 50 (characters or items), got 51",
    ),
    (
        "batch",
        "untag_resource",
        {"resourceArn": QUEUE_ARN, "tagKeys": ["a", "k" * 129]},
        "UntagResource: " + ONE + "tagKeys[1] must hold at most 128 (characters or items), got 129",
    ),
    (
        "batch",
        "list_jobs",
        {"jobQueue": "q", "jobStatus": "DONE"},
        "ListJobs: " + ONE + "jobStatus must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, "
        "SUCCEEDED, FAILED, got 'DONE'",
    ),
    (
        "batch",
        "submit_job",
        {**SUBMIT, "retryStrategy": {"attempts": 2**31}},
        "SubmitJob: "
        + ONE
        + "retryStrategy.attempts must be between -2147483648 and 2147483647, got 2147483648",
    ),
    (
        "batch",
        "submit_job",
        {**SUBMIT, "retryStrategy": {"attempts": True}},
        "SubmitJob: " + ONE + "retryStrategy.attempts must be an integer, got a boolean",
    ),
    (
        "batch",
        "submit_job",
        {**SUBMIT, "retryStrategy": {"evaluateOnExit": [{"action": "retry"}, {"action": "maybe"}]}},
        "SubmitJob: "
        + ONE
        + "retryStrategy.evaluateOnExit[1].action must be one of RETRY, EXIT, got 'maybe'",
    ),
    (
        "batch",
        "submit_job",
        {**SUBMIT, "tags": {"k" * 129: "v"}},
        "SubmitJob: " + ONE + f"tags (key: {'k' * 129}) must hold at most 128 (characters or items), got 129",
    ),
    (
        "batch",
        "create_scheduling_policy",
        {
            "name": "p",
            "fairsharePolicy": {"shareDistribution": [{"shareIdentifier": "a", "weightFactor": 3.5e38}]},
        },
        "CreateSchedulingPolicy: "
        + ONE
        + "fairsharePolicy.shareDistribution[0].weightFactor must be a finite "
        "number AWS can store, got 3.5e+38",
    ),
    (
        "logs",
        "get_log_events",
        {"logGroupName": GROUP, "logStreamName": "s", "startTime": 2**63},
        "GetLogEvents: " + ONE + "startTime must be between -9223372036854775808 and 9223372036854775807, "
        "got 9223372036854775808",
    ),
    (
        "logs",
        "get_log_events",
        {"logGroupName": GROUP, "logStreamName": "a:b"},
        "GetLogEvents: " + ONE + "logStreamName must match the pattern [^:*]*, got 'a:b'",
    ),
    (
        "logs",
        "filter_log_events",
        {"logGroupName": GROUP, "logStreamNames": ["a", "b*"]},
        "FilterLogEvents: " + ONE + "logStreamNames[1] must match the pattern [^:*]*, got 'b*'",
    ),
]


if "eksProperties" in request_members("RegisterJobDefinition").split(", "):  # botocore 1.34 has none
    VALIDATED_CASES.append(
        (
            "batch",
            "register_job_definition",
            {
                "jobDefinitionName": "d",
                "type": "container",
                "eksProperties": {
                    "podProperties": {"containers": [{"image": "i", "resources": {"limits": LIMITS}}]}
                },
            },
            "RegisterJobDefinition: "
            + ONE
            + "eksProperties.podProperties.containers[0].resources.limits.cpu "
            "must hold at most 256 (characters or items), got 257",
        )
    )


def test_each_rule_botocore_leaves_unchecked_is_enforced_for_a_validating_client(
    fake_batch: FakeBatch,
) -> None:
    clients = {"batch": client("validating client"), "logs": client("validating client", "logs")}
    seen = []

    for service, operation, params, _ in VALIDATED_CASES:
        with pytest.raises(ClientError) as refused:
            getattr(clients[service], operation)(**params)
        seen.append(refused.value.response["Error"]["Message"])

    assert seen == [message for *_, message in VALIDATED_CASES]
    assert fake_batch.jobs() == []


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
    error = logs_refusal(fake_batch, path, operation, params)

    assert error == {"Code": "InvalidParameterException", "Message": message}


@pytest.mark.parametrize("attempts", [2**31 - 1, -(2**31)])
def test_an_integer_at_the_edge_of_32_bits_passes_the_shape(
    batch: Any, queue: str, definition: str, attempts: int
) -> None:
    loose = client("client without validation")

    with pytest.raises(ClientError) as refused:  # the operation's own rule speaks, not the shape's
        loose.submit_job(
            jobName="j", jobQueue=queue, jobDefinition=definition, retryStrategy={"attempts": attempts}
        )

    assert refused.value.response["Error"] == {
        "Code": "ClientException",
        "Message": f"SubmitJob: retryStrategy.attempts must be between 1 and 10, got {attempts}",
    }


@pytest.mark.aws_doc(
    "UG: Tag restrictions",
    "Maximum number of tags per resource \u2013 50 ... Maximum key length \u2013 128 Unicode "
    "characters in UTF-8 ... Maximum value length \u2013 256 Unicode characters in UTF-8",
    family="Tags",
    ops=("TagResource",),
)
def test_tags_at_their_longest_pass_without_client_validation(batch: Any, queue_arn: str) -> None:
    longest = {"k" * 128: "v" * 256, **{f"t{i}": "" for i in range(48)}}  # 50 with "team"

    client("client without validation").tag_resource(resourceArn=queue_arn, tags=longest)

    assert batch.list_tags_for_resource(resourceArn=queue_arn)["tags"] == {"team": "data", **longest}


def test_two_faults_are_counted_as_two_errors(fake_batch: FakeBatch) -> None:
    body = {"jobName": 1, "jobQueue": 2, "jobDefinition": "d"}

    answer = send(
        fake_batch.serve(), "POST", "/v1/submitjob", json.dumps(body), credentials=fake_batch.credentials
    )

    assert (answer.status, answer.json()) == (
        400,
        {
            "message": "SubmitJob: 2 validation errors detected: jobName must be a string, got int; "
            "jobQueue must be a string, got int"
        },
    )


@pytest.mark.aws_doc(
    "UG: Resource: AWS Batch service quotas",
    "Maximum job payload size (for SubmitJob API operations) | 30 KiB",
    family="Container jobs",
    ops=("SubmitJob",),
)
@pytest.mark.parametrize(("over", "refused"), [(0, False), (1, True)], ids=["30-kib", "a-byte-more"])
def test_a_job_of_exactly_30_kib_is_submitted(
    fake_batch: FakeBatch, queue: str, definition: str, over: int, refused: bool
) -> None:
    body: dict[str, Any] = {
        "jobName": "j",
        "jobQueue": queue,
        "jobDefinition": definition,
        "parameters": {"p": ""},
    }
    body["parameters"]["p"] = "x" * (30 * 1024 - len(json.dumps(body)) + over)

    answer = send(
        fake_batch.serve(), "POST", "/v1/submitjob", json.dumps(body), credentials=fake_batch.credentials
    )

    assert len(json.dumps(body)) == 30 * 1024 + over
    if refused:
        assert (answer.status, answer.json()) == (
            400,
            {"message": "SubmitJob: the request is over AWS's limit of 30 KiB"},
        )
    else:
        assert (answer.status, [job.name for job in fake_batch.jobs()]) == (200, ["j"])


@pytest.mark.parametrize(
    ("region", "shown"),
    [("x" * 65, "x" * 60 + "..."), ("eu-middle-9x", "eu-middle-9x")],
    ids=["longer-than-any-region", "no-region-of-a-partition"],
)
def test_a_region_no_partition_has_is_refused_by_name(fake_batch: FakeBatch, region: str, shown: str) -> None:
    answer = send(
        fake_batch.serve(),
        "POST",
        "/v1/describejobqueues",
        "{}",
        credentials=fake_batch.credentials,
        region=region,
    )

    assert (answer.status, answer.json()) == (
        400,
        {"message": f"DescribeJobQueues: '{shown}' is not an AWS region"},
    )


@pytest.mark.parametrize("path", PATHS[1:])
def test_an_empty_log_token_is_refused_as_too_short(fake_batch: FakeBatch, path: str) -> None:
    params = {"logGroupName": GROUP, "logStreamName": "s", "nextToken": ""}

    error = logs_refusal(fake_batch, path, "get_log_events", params)

    assert error == {
        "Code": "InvalidParameterException",
        "Message": "GetLogEvents: " + ONE + "nextToken must hold at least 1 (characters or items)",
    }


@pytest.mark.parametrize(("length", "answered"), [(64, 200), (65, 400)])
def test_a_region_name_is_at_most_64_characters(fake_batch: FakeBatch, length: int, answered: int) -> None:
    region = "us-" + "x" * (length - 5) + "-1"  # shaped as the aws partition's regions are

    answer = send(
        fake_batch.serve(),
        "POST",
        "/v1/describejobqueues",
        "{}",
        credentials=fake_batch.credentials,
        region=region,
    )

    assert (answer.status, answer.json()) == (
        (200, {"jobQueues": []})
        if answered == 200
        else (400, {"message": f"DescribeJobQueues: '{region[:60]}...' is not an AWS region"})
    )


@pytest.mark.aws_doc(
    "API: CreateLogStream",
    "logGroupName ... Pattern: [\\.\\-_/#A-Za-z0-9]+ ... logStreamName ... Pattern: [^:*]*",
    family="Logs",
    ops=("GetLogEvents",),
)
def test_a_log_group_name_logs_refuses_is_refused_even_where_a_job_definition_names_it(batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="w",
        type="container",
        containerProperties={
            "image": "i",
            "vcpus": 1,
            "memory": 512,
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "my group"}},
        },
    )

    with pytest.raises(ClientError) as refused:  # each name off its pattern, both reported
        client("validating client", "logs").get_log_events(logGroupName="my group", logStreamName="a:b")

    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "GetLogEvents: 2 validation errors detected: logGroupName must match the pattern "
        "[\\.\\-_/#A-Za-z0-9]+, got 'my group'; logStreamName must match the pattern [^:*]*, got 'a:b'",
    }
