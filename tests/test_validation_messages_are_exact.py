"""Requests botocore's input shapes refuse, sent over HTTP as any client could send them: each
answers ClientException with the exact message naming every field at fault, how it is wrong
and what the shape allows. Written to kill the mutants mutmut left alive in
``api/shared/validation.py``."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from installed_model import enum_of, needs_max, needs_operation, request_members
from raw_http import send

from pytest_fakebatch import FakeBatch

SUBMIT = {"jobName": "j", "jobQueue": "q", "jobDefinition": "d"}
# the request's members in the installed model's order (botocore 1.44: jobName, jobQueue, ...,
# eksPropertiesOverride, ecsPropertiesOverride, consumableResourcePropertiesOverride)
SUBMIT_MEMBERS = request_members("SubmitJob")
PLATFORMS = enum_of("PlatformCapability")  # EC2, FARGATE, MANAGED_INSTANCES on botocore 1.44
ONE = "1 validation error detected: "
QUEUE_ARN = "arn:aws:batch:eu-west-1:123456789012:job-queue/q"


def _share(weight: Any) -> dict[str, Any]:
    return {
        "name": "p",
        "fairsharePolicy": {"shareDistribution": [{"shareIdentifier": "a", "weightFactor": weight}]},
    }


CASES = [
    pytest.param(
        "/v1/registerjobdefinition",
        {"type": "container"},
        "RegisterJobDefinition: " + ONE + "jobDefinitionName is required",
        id="missing-top-level",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"evaluateOnExit": [{"onExitCode": "1"}]}},
        "SubmitJob: " + ONE + "retryStrategy.evaluateOnExit[0].action is required",
        id="missing-nested",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "bogus": 1},
        f"SubmitJob: {ONE}'bogus' is not a member of the request (known: {SUBMIT_MEMBERS})",
        id="unknown-top-level",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"attempts": 2, "tries": 1}},
        f"SubmitJob: {ONE}'tries' is not a member of retryStrategy (known: attempts, evaluateOnExit)",
        id="unknown-nested",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "x" * 60: 1},
        f"SubmitJob: {ONE}'{'x' * 60}' is not a member of the request (known: {SUBMIT_MEMBERS})",
        id="sixty-characters-shown-whole",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "y" * 61: 1},
        f"SubmitJob: {ONE}'{'y' * 60}...' is not a member of the request (known: {SUBMIT_MEMBERS})",
        id="sixty-one-characters-cut",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": "x"},
        "SubmitJob: " + ONE + "retryStrategy must be an object, got a string",
        id="string-for-object",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "jobName": {"a": 1}},
        "SubmitJob: " + ONE + "jobName must be a string, got an object",
        id="object-for-string",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "jobName": None},
        "SubmitJob: " + ONE + "jobName must be a string, got null",
        id="null-for-string",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"attempts": "3"}},
        "SubmitJob: " + ONE + "retryStrategy.attempts must be an integer, got a string",
        id="string-for-integer",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"attempts": True}},
        "SubmitJob: " + ONE + "retryStrategy.attempts must be an integer, got a boolean",
        id="boolean-for-integer",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"attempts": 2**31}},
        "SubmitJob: "
        + ONE
        + "retryStrategy.attempts must be between -2147483648 and 2147483647, got 2147483648",
        id="integer-past-32-bits",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"attempts": 10**60 - 1}},
        "SubmitJob: "
        + ONE
        + "retryStrategy.attempts must be between -2147483648 and 2147483647, got "
        + "9" * 60,
        id="sixty-digits-shown",
    ),
    pytest.param(
        "/v1/submitjob",
        {**SUBMIT, "retryStrategy": {"attempts": 10**60}},
        "SubmitJob: " + ONE + "retryStrategy.attempts must be between -2147483648 and 2147483647, "
        "got a 200-bit integer",
        id="sixty-one-digits-summarised",
    ),
    pytest.param(
        "/v1/createconsumableresource",
        {"consumableResourceName": "c", "totalQuantity": 2**63},
        "CreateConsumableResource: " + ONE + "totalQuantity must be between -9223372036854775808 and "
        "9223372036854775807, got 9223372036854775808",
        id="long-past-64-bits",
        marks=needs_operation("CreateConsumableResource"),
    ),
    pytest.param(
        "/v1/updatecomputeenvironment",
        {"computeEnvironment": "ce", "updatePolicy": {"jobExecutionTimeoutMinutes": 0}},
        "UpdateComputeEnvironment: "
        + ONE
        + "updatePolicy.jobExecutionTimeoutMinutes must be at least 1, got 0",
        id="under-shape-min",
    ),
    pytest.param(
        "/v1/updatecomputeenvironment",
        {"computeEnvironment": "ce", "updatePolicy": {"jobExecutionTimeoutMinutes": 7201}},
        "UpdateComputeEnvironment: " + ONE + "updatePolicy.jobExecutionTimeoutMinutes must be between "
        "-9223372036854775808 and 7200, got 7201",
        id="over-shape-max",
        marks=needs_max("UpdatePolicy", "jobExecutionTimeoutMinutes", 7200),
    ),
    pytest.param(
        "/v1/createschedulingpolicy",
        _share(True),
        "CreateSchedulingPolicy: "
        + ONE
        + "fairsharePolicy.shareDistribution[0].weightFactor must be a number, "
        "got a boolean",
        id="boolean-for-float",
    ),
    pytest.param(
        "/v1/createschedulingpolicy",
        _share(3.5e38),
        "CreateSchedulingPolicy: "
        + ONE
        + "fairsharePolicy.shareDistribution[0].weightFactor must be a finite "
        "number AWS can store, got 3.5e+38",
        id="past-float32",
    ),
    pytest.param(
        "/v1/createschedulingpolicy",
        _share(2**1023 - 2**970),
        "CreateSchedulingPolicy: "
        + ONE
        + "fairsharePolicy.shareDistribution[0].weightFactor must be a finite "
        "number AWS can store, got 8.988465674311579e+307",
        id="integer-a-double-holds",
    ),
    pytest.param(
        "/v1/createschedulingpolicy",
        _share(2**1023),
        "CreateSchedulingPolicy: "
        + ONE
        + "fairsharePolicy.shareDistribution[0].weightFactor must be a finite "
        "number AWS can store, got Infinity",
        id="integer-past-doubles",
    ),
    pytest.param(  # the largest float32 passes the shape; the operation's own range refuses it
        "/v1/createschedulingpolicy",
        _share(3.4028234663852886e38),
        "CreateSchedulingPolicy: fairsharePolicy.shareDistribution[0].weightFactor must be between "
        "0.0001 and 999.9999, got 3.4028234663852886e+38",
        id="largest-float32",
    ),
    pytest.param(
        "/v1/listjobs",
        {"jobQueue": "q", "jobStatus": "DONE"},
        "ListJobs: " + ONE + "jobStatus must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, "
        "SUCCEEDED, FAILED, got 'DONE'",
        id="not-in-enum",
    ),
    pytest.param(
        "/v1/submitjob",
        {
            **SUBMIT,
            "retryStrategy": {"evaluateOnExit": [{"action": "retry"}, {"action": "Exit"}, {"action": "x"}]},
        },
        "SubmitJob: " + ONE + "retryStrategy.evaluateOnExit[2].action must be one of RETRY, EXIT, got 'x'",
        id="action-in-any-case",
    ),
    pytest.param(
        "/v1/submitjob",
        {
            "jobName": 1,
            "jobQueue": 2,
            "jobDefinition": 3,
            "dependsOn": 4,
            "parameters": 5,
            "arrayProperties": 6,
            "retryStrategy": 7,
            "timeout": 8,
            "tags": 9,
            "propagateTags": 10,
            "shareIdentifier": 11,
            "schedulingPriorityOverride": "x",
        },
        "SubmitJob: 12 validation errors detected: jobName must be a string, got int; jobQueue must be a "
        "string, got int; jobDefinition must be a string, got int; dependsOn must be a list, got int; "
        "parameters must be an object, got int; arrayProperties must be an object, got int; retryStrategy "
        "must be an object, got int; timeout must be an object, got int; tags must be an object, got int; "
        "propagateTags must be a boolean, got int; and 2 more",
        id="ten-listed-then-counted",
    ),
    pytest.param(
        "/v1/submitjob",
        {
            "jobName": 1,
            "jobQueue": 2,
            "jobDefinition": 3,
            "dependsOn": 4,
            "parameters": 5,
            "arrayProperties": 6,
            "retryStrategy": 7,
            "timeout": 8,
            "tags": 9,
            "propagateTags": 10,
        },
        "SubmitJob: 10 validation errors detected: jobName must be a string, got int; jobQueue must be a "
        "string, got int; jobDefinition must be a string, got int; dependsOn must be a list, got int; "
        "parameters must be an object, got int; arrayProperties must be an object, got int; retryStrategy "
        "must be an object, got int; timeout must be an object, got int; tags must be an object, got int; "
        "propagateTags must be a boolean, got int",
        id="ten-listed-in-full",
    ),
    pytest.param(
        "/v1/registerjobdefinition",
        {"jobDefinitionName": "d", "type": "container", "platformCapabilities": ["GPU"]},
        "RegisterJobDefinition: " + ONE + f"platformCapabilities[0] must be one of {PLATFORMS}, got 'GPU'",
        id="enum-list-item",
    ),
]


@pytest.mark.parametrize(("path", "body", "message"), CASES)
def test_a_request_the_shape_refuses_is_answered_with_every_fault(
    fake_batch: FakeBatch, path: str, body: dict[str, Any], message: str
) -> None:
    url = fake_batch.serve(verify_signatures=False)

    answer = send(url, "POST", path, json.dumps(body))

    assert (answer.status, answer.headers["x-amzn-errortype"], answer.json()) == (
        400,
        "ClientException",
        {"message": message},
    )
    assert fake_batch.calls == [] or all(call.error for call in fake_batch.calls)


@pytest.mark.aws_doc(
    "API: UntagResource",
    "tagKeys ... Array Members: Minimum number of 1 item. Maximum number of 50 items.",
    family="Tags",
    ops=("UntagResource",),
)
@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "UntagResource: " + ONE + "tagKeys must hold at least 1 (characters or items)"),
        (
            [f"k{i}" for i in range(51)],
            "UntagResource: " + ONE + "tagKeys must hold at most 50 (characters or items), got 51",
        ),
    ],
    ids=["none", "fifty-one"],
)
def test_untagging_takes_1_to_50_keys(fake_batch: FakeBatch, keys: list[str], message: str) -> None:
    loose = boto3.client("batch", region_name="eu-west-1", config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as refused:
        loose.untag_resource(resourceArn=QUEUE_ARN, tagKeys=keys)

    assert refused.value.response["Error"] == {"Code": "ClientException", "Message": message}


JOB_ARN = "arn:aws:batch:eu-west-1:123456789012:job-queue/q"
HOOK_CASES = [
    pytest.param(
        "list_jobs",
        {"jobQueue": "q", "jobStatus": "DONE"},
        "ListJobs: " + ONE + "jobStatus must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, "
        "SUCCEEDED, FAILED, got 'DONE'",
        id="top-level-enum",
    ),
    pytest.param(
        "submit_job",
        {**SUBMIT, "retryStrategy": {"evaluateOnExit": [{"onExitCode": "1", "action": "maybe"}]}},
        "SubmitJob: "
        + ONE
        + "retryStrategy.evaluateOnExit[0].action must be one of RETRY, EXIT, got 'maybe'",
        id="enum-in-a-list-in-a-structure",
    ),
    pytest.param(
        "submit_job",
        {**SUBMIT, "retryStrategy": {"attempts": 2**31}},
        "SubmitJob: "
        + ONE
        + "retryStrategy.attempts must be between -2147483648 and 2147483647, got 2147483648",
        id="integer-past-32-bits",
    ),
    pytest.param(
        "submit_job",
        {**SUBMIT, "retryStrategy": {"attempts": True}},
        "SubmitJob: " + ONE + "retryStrategy.attempts must be an integer, got a boolean",
        id="boolean-for-integer",
    ),
    pytest.param(
        "untag_resource",
        {"resourceArn": JOB_ARN, "tagKeys": [f"k{i}" for i in range(51)]},
        "UntagResource: " + ONE + "tagKeys must hold at most 50 (characters or items), got 51",
        id="list-over-max",
    ),
    pytest.param(
        "untag_resource",
        {"resourceArn": JOB_ARN, "tagKeys": ["k" * 129]},
        "UntagResource: " + ONE + "tagKeys[0] must hold at most 128 (characters or items), got 129",
        id="list-item-over-max",
    ),
    pytest.param(
        "tag_resource",
        {"resourceArn": JOB_ARN, "tags": {"k" * 129: "v"}},
        "TagResource: "
        + ONE
        + f"tags (key: {'k' * 129}) must hold at most 128 (characters or items), got 129",
        id="map-key-over-max",
    ),
    pytest.param(
        "tag_resource",
        {"resourceArn": JOB_ARN, "tags": {"k": "v" * 257}},
        "TagResource: " + ONE + "tags.k must hold at most 256 (characters or items), got 257",
        id="map-value-over-max",
    ),
    pytest.param(
        "register_job_definition",
        {"jobDefinitionName": "d", "type": "container", "platformCapabilities": ["GPU"]},
        "RegisterJobDefinition: " + ONE + f"platformCapabilities[0] must be one of {PLATFORMS}, got 'GPU'",
        id="enum-list-item",
    ),
    pytest.param(
        "create_scheduling_policy",
        _share(3.5e38),
        "CreateSchedulingPolicy: "
        + ONE
        + "fairsharePolicy.shareDistribution[0].weightFactor must be a finite "
        "number AWS can store, got 3.5e+38",
        id="float-past-float32",
    ),
]


@pytest.mark.parametrize(("operation", "params", "message"), HOOK_CASES)
def test_what_botocores_own_validation_lets_through_is_still_refused(
    fake_batch: FakeBatch, operation: str, params: dict[str, Any], message: str
) -> None:
    client = boto3.client("batch", region_name="eu-west-1")  # botocore's validation on

    with pytest.raises(ClientError) as refused:
        getattr(client, operation)(**params)

    assert refused.value.response["Error"] == {"Code": "ClientException", "Message": message}


def test_tags_at_their_longest_pass_the_shape(fake_batch: FakeBatch, batch: Any, queue: str) -> None:
    arn = batch.describe_job_queues(jobQueues=[queue])["jobQueues"][0]["jobQueueArn"]

    batch.tag_resource(resourceArn=arn, tags={"k" * 128: "v" * 256, **{f"t{i}": "" for i in range(49)}})

    assert batch.list_tags_for_resource(resourceArn=arn)["tags"]["k" * 128] == "v" * 256
