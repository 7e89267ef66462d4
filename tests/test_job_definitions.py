"""Job definitions through boto3: revisions, describe filters, bodies and their rules."""

from __future__ import annotations

from typing import Any

import pytest
from batch_resources import (
    ACCOUNT,
    make_definition,
)
from error_messages import message


def test_job_definition_revisions_start_at_one_and_count_up(batch: Any) -> None:
    answers = [make_definition(batch) for _ in range(3)]

    assert [a["revision"] for a in answers] == [1, 2, 3]
    assert [a["jobDefinitionArn"] for a in answers] == [
        f"arn:aws:batch:{batch.meta.region_name}:{ACCOUNT}:job-definition/work:{n}" for n in (1, 2, 3)
    ]
    assert {a["jobDefinitionName"] for a in answers} == {"work"}


def test_revisions_keep_counting_after_a_deregister(batch: Any) -> None:
    make_definition(batch)
    make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:2")

    assert make_definition(batch)["revision"] == 3


@pytest.mark.parametrize("form", ["name:revision", "arn"])
def test_describe_job_definitions_finds_one_revision(batch: Any, form: str) -> None:
    make_definition(batch)
    second = make_definition(batch)
    ref = "work:2" if form == "name:revision" else second["jobDefinitionArn"]

    found = batch.describe_job_definitions(jobDefinitions=[ref])["jobDefinitions"]

    assert [(d["jobDefinitionName"], d["revision"]) for d in found] == [("work", 2)]
    assert found[0]["jobDefinitionArn"] == second["jobDefinitionArn"]


def test_describe_job_definitions_by_name_lists_every_revision(batch: Any) -> None:
    make_definition(batch)
    make_definition(batch)
    make_definition(batch, "other")

    found = batch.describe_job_definitions(jobDefinitionName="work")["jobDefinitions"]

    assert sorted(d["revision"] for d in found) == [1, 2]
    assert {d["jobDefinitionName"] for d in found} == {"work"}


def test_deregistered_revision_is_inactive(batch: Any) -> None:
    first = make_definition(batch)
    make_definition(batch)

    batch.deregister_job_definition(jobDefinition=first["jobDefinitionArn"])

    (described,) = batch.describe_job_definitions(jobDefinitions=["work:1"])["jobDefinitions"]
    assert described["status"] == "INACTIVE"


@pytest.mark.parametrize(("status", "revisions"), [("ACTIVE", [2, 3]), ("INACTIVE", [1])])
def test_describe_job_definitions_filters_by_status(batch: Any, status: str, revisions: list[int]) -> None:
    for _ in range(3):
        make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:1")

    found = batch.describe_job_definitions(jobDefinitionName="work", status=status)["jobDefinitions"]

    assert sorted(d["revision"] for d in found) == revisions
    assert {d["status"] for d in found} == {status}


CONTAINER = {
    "image": "worker:latest",
    "command": ["python", "-m", "work", "Ref::day"],
    "environment": [{"name": "MODE", "value": "fast"}],
    "resourceRequirements": [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "2048"}],
}
BODIES: dict[str, dict[str, Any]] = {
    "containerProperties": {"type": "container", "containerProperties": CONTAINER},
    "nodeProperties": {
        "type": "multinode",
        "nodeProperties": {
            "numNodes": 2,
            "mainNode": 0,
            "nodeRangeProperties": [{"targetNodes": "0:1", "container": CONTAINER}],
        },
    },
    "eksProperties": {
        "type": "container",
        "eksProperties": {
            "podProperties": {
                "containers": [
                    {"name": "main", "image": "worker:latest", "command": ["python"], "args": ["-m", "work"]}
                ]
            }
        },
    },
}


@pytest.mark.parametrize("body", sorted(BODIES))
def test_job_definition_body_is_echoed_back(batch: Any, body: str) -> None:
    batch.register_job_definition(jobDefinitionName="echo", parameters={"day": "monday"}, **BODIES[body])

    (described,) = batch.describe_job_definitions(jobDefinitions=["echo:1"])["jobDefinitions"]

    assert described[body] == BODIES[body][body]
    assert described["type"] == BODIES[body]["type"]
    assert described["parameters"] == {"day": "monday"}
    assert described["status"] == "ACTIVE"


def test_reserved_aws_batch_environment_variable_is_rejected(batch: Any) -> None:
    container = {**CONTAINER, "environment": [{"name": "AWS_BATCH_JOB_ID", "value": "mine"}]}

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "RegisterJobDefinition: containerProperties.environment variable "
            "'AWS_BATCH_JOB_ID' uses the prefix AWS_BATCH_, which is reserved for "
            "variables that AWS Batch sets"
        ),
    ):
        batch.register_job_definition(
            jobDefinitionName="bad", type="container", containerProperties=container
        )
    assert batch.describe_job_definitions(jobDefinitionName="bad")["jobDefinitions"] == []


@pytest.mark.parametrize(("seconds", "accepted"), [(59, False), (1, False), (60, True), (3600, True)])
def test_attempt_timeout_must_be_at_least_sixty_seconds(batch: Any, seconds: int, accepted: bool) -> None:
    def register() -> object:
        return make_definition(batch, timeout={"attemptDurationSeconds": seconds})

    if accepted:
        register()
        (described,) = batch.describe_job_definitions(jobDefinitions=["work:1"])["jobDefinitions"]
        assert described["timeout"] == {"attemptDurationSeconds": seconds}
    else:
        with pytest.raises(batch.exceptions.ClientException, match="attemptDurationSeconds"):
            register()


@pytest.mark.aws_doc(
    "botocore: RetryStrategy.attempts",
    "You can specify between 1 and 10 attempts.",
    family="Retries and timeouts",
    ops=("RegisterJobDefinition",),
)
@pytest.mark.parametrize(("attempts", "accepted"), [(0, False), (11, False), (1, True), (10, True)])
def test_retry_attempts_must_be_between_one_and_ten(batch: Any, attempts: int, accepted: bool) -> None:
    def register() -> object:
        return make_definition(batch, retryStrategy={"attempts": attempts})

    if accepted:
        register()
        (described,) = batch.describe_job_definitions(jobDefinitions=["work:1"])["jobDefinitions"]
        assert described["retryStrategy"]["attempts"] == attempts
    else:
        with pytest.raises(
            batch.exceptions.ClientException,
            match=message(
                f"RegisterJobDefinition: retryStrategy.attempts must be between 1 and 10, got {attempts}"
            ),
        ):
            register()


@pytest.mark.parametrize(
    "name", ["", "a b", "a" * 129, "name:1"], ids=["empty", "space", "too-long", "colon"]
)
def test_invalid_job_definition_name_is_rejected(batch: Any, name: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="jobDefinitionName"):
        make_definition(batch, name)
    assert batch.describe_job_definitions()["jobDefinitions"] == []


@pytest.mark.parametrize("form", ["name:revision", "arn"])
def test_a_deregistered_revision_cannot_be_submitted(batch: Any, queue: str, form: str) -> None:
    first = make_definition(batch)
    make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:1")
    ref = "work:1" if form == "name:revision" else first["jobDefinitionArn"]

    with pytest.raises(
        batch.exceptions.ClientException, match=message("SubmitJob: job definition 'work:1' is INACTIVE")
    ):
        batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=ref)


def test_a_bare_name_submits_the_latest_active_revision(batch: Any, queue: str) -> None:
    make_definition(batch)
    second = make_definition(batch)
    make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:3")

    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="work")["jobId"]

    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    assert job["jobDefinition"] == second["jobDefinitionArn"]


def test_deregistering_an_unknown_definition_lists_the_active_ones(batch: Any) -> None:
    make_definition(batch)

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost:1'.*'work:1'"):
        batch.deregister_job_definition(jobDefinition="ghost:1")


def test_submitting_with_an_unknown_definition_lists_the_active_ones(batch: Any, queue: str) -> None:
    make_definition(batch)

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost'.*'work:1'"):
        batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="ghost")


def test_submitting_to_an_unknown_queue_lists_the_known_ones(batch: Any, queue: str, definition: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match=rf"'ghost'.*'{queue}'"):
        batch.submit_job(jobName="j", jobQueue="ghost", jobDefinition=definition)
