"""SubmitJob through boto3: what it rejects, with a ClientException that names the field."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from error_messages import message
from job_calls import submit

from pytest_fakebatch import FakeBatch

pytestmark = pytest.mark.usefixtures("queue", "definition")


def test_submit_to_a_disabled_queue_is_rejected(batch: Any) -> None:
    batch.update_job_queue(jobQueue="q", state="DISABLED")

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("SubmitJob: job queue 'q' is DISABLED: enable it before submitting jobs to it"),
    ):
        submit(batch)


def test_submit_to_an_unknown_queue_names_the_known_ones(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match=r"nightly.*'q'"):
        submit(batch, jobQueue="nightly")


def test_submit_with_an_unknown_definition_is_rejected(batch: Any) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "SubmitJob: job definition 'nope' does not exist or is INACTIVE in eu-west-1 (active: 'work:1')"
        ),
    ):
        submit(batch, jobDefinition="nope")


def test_submit_with_an_inactive_definition_is_rejected(batch: Any) -> None:
    batch.deregister_job_definition(jobDefinition="work:1")

    with pytest.raises(
        batch.exceptions.ClientException, match=message("SubmitJob: job definition 'work:1' is INACTIVE")
    ):
        submit(batch, jobDefinition="work:1")
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "SubmitJob: job definition 'work' does not exist or is INACTIVE in eu-west-1 (active: none)"
        ),
    ):
        submit(batch, jobDefinition="work")


@pytest.mark.aws_doc(
    "botocore: SubmitJobRequest.jobName",
    "It can be up to 128 letters long. The first character must be alphanumeric, can "
    "contain uppercase and lowercase letters, numbers, hyphens (-), and underscores (_).",
    family="Container jobs",
    ops=("SubmitJob",),
)
@pytest.mark.parametrize("name", ["has space", "-leading-hyphen", "dots.not.allowed", "x" * 129])
def test_invalid_job_name_is_rejected(batch: Any, name: str) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            f"SubmitJob: jobName '{name}' is invalid: use 1 to 128 letters, digits, hyphens and "
            "underscores, starting with a letter or digit"
        ),
    ):
        submit(batch, name=name)


@pytest.mark.aws_doc(
    "botocore: RetryStrategy.attempts",
    "You can specify between 1 and 10 attempts.",
    family="Retries and timeouts",
    ops=("SubmitJob",),
)
@pytest.mark.parametrize("attempts", [0, 11])
def test_retry_attempts_outside_1_to_10_are_rejected(batch: Any, attempts: int) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(f"SubmitJob: retryStrategy.attempts must be between 1 and 10, got {attempts}"),
    ):
        submit(batch, retryStrategy={"attempts": attempts})


def test_timeout_under_60_seconds_is_rejected(batch: Any) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("SubmitJob: timeout.attemptDurationSeconds must be at least 60, got 59"),
    ):
        submit(batch, timeout={"attemptDurationSeconds": 59})


def test_overriding_a_reserved_aws_batch_variable_is_rejected(batch: Any) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "SubmitJob: containerOverrides.environment variable "
            "'AWS_BATCH_JOB_ID' uses the prefix AWS_BATCH_, which is reserved for "
            "variables that AWS Batch sets"
        ),
    ):
        submit(batch, containerOverrides={"environment": [{"name": "AWS_BATCH_JOB_ID", "value": "mine"}]})


@pytest.mark.parametrize("priority", [-1, 10000])
def test_scheduling_priority_override_out_of_range_is_rejected(batch: Any, priority: int) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="schedulingPriorityOverride"):
        submit(batch, schedulingPriorityOverride=priority)


def test_rejected_submit_creates_no_job(fake_batch: FakeBatch, batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException):
        submit(batch, timeout={"attemptDurationSeconds": 59})

    assert fake_batch.jobs() == []


# -- found in review: each of these once broke the fake or differed from AWS ---------------


@pytest.mark.parametrize("ref", ["arn:aws:batch:eu-west-1:123456789012:job-queue/q", "a b", "work:x"])
def test_a_malformed_definition_reference_is_a_client_exception(batch: Any, queue: str, ref: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="is not a job definition"):
        batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=ref)
    with pytest.raises(batch.exceptions.ClientException, match="is not a job definition"):
        batch.deregister_job_definition(jobDefinition=ref)


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "0"])
def test_a_vcpu_requirement_must_be_a_positive_number(
    batch: Any, queue: str, definition: str, value: str
) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="VCPU must be a positive number"):
        batch.submit_job(
            jobName="j",
            jobQueue=queue,
            jobDefinition=definition,
            containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": value}]},
        )
    with pytest.raises(batch.exceptions.ClientException, match="VCPU must be a positive number"):
        batch.register_job_definition(
            jobDefinitionName="x",
            type="container",
            containerProperties={"image": "i", "resourceRequirements": [{"type": "VCPU", "value": value}]},
        )


def test_definition_scheduling_priority_is_checked(batch: Any) -> None:
    with pytest.raises(
        batch.exceptions.ClientException, match="schedulingPriority must be between 0 and 9999"
    ):
        batch.register_job_definition(
            jobDefinitionName="x",
            type="container",
            containerProperties={"image": "i"},
            schedulingPriority=10000,
        )


def test_log_configuration_options_must_map_strings(fake_batch: FakeBatch) -> None:
    unchecked = boto3.client("batch", region_name="eu-west-1", config=Config(parameter_validation=False))

    with pytest.raises(unchecked.exceptions.ClientException, match=r"awslogs-group must be a string"):
        unchecked.register_job_definition(
            jobDefinitionName="x",
            type="container",
            containerProperties={
                "image": "i",
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": 5}},
            },
        )
