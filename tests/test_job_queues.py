"""Job queues through boto3: create, describe, update, delete, their environments and rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from batch_resources import (
    arn,
    describe_queue,
    make_ce,
    make_policy,
    make_queue,
)
from error_messages import message


@pytest.mark.parametrize("by", ["name", "arn"])
def test_job_queue_lists_its_compute_environments_as_arns(batch: Any, by: str) -> None:
    ce_arn = make_ce(batch)
    ref = "ce" if by == "name" else ce_arn

    answer = batch.create_job_queue(
        jobQueueName="jobs", priority=10, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ref}]
    )

    queue = describe_queue(batch, "jobs")
    assert answer["jobQueueArn"] == arn(batch, "job-queue", "jobs")
    assert queue["jobQueueArn"] == answer["jobQueueArn"]
    assert queue["priority"] == 10
    assert queue["state"] == "ENABLED"
    assert queue["status"] == "VALID"
    assert queue["computeEnvironmentOrder"] == [{"order": 1, "computeEnvironment": ce_arn}]


def test_job_queue_keeps_every_compute_environment_with_its_order(batch: Any) -> None:
    cheap = make_ce(batch, "cheap", kind="SPOT")
    steady = make_ce(batch, "steady")

    batch.create_job_queue(
        jobQueueName="mixed",
        priority=1,
        computeEnvironmentOrder=[
            {"order": 2, "computeEnvironment": "steady"},
            {"order": 1, "computeEnvironment": "cheap"},
        ],
    )

    order = describe_queue(batch, "mixed")["computeEnvironmentOrder"]
    assert sorted((o["order"], o["computeEnvironment"]) for o in order) == [(1, cheap), (2, steady)]


@pytest.mark.parametrize("state", ["ENABLED", "DISABLED"])
def test_job_queue_is_created_in_the_state_asked_for(batch: Any, state: str) -> None:
    make_ce(batch)

    make_queue(batch, "jobs", state=state)

    assert describe_queue(batch, "jobs")["state"] == state


def test_job_queue_echoes_its_scheduling_policy(batch: Any) -> None:
    make_ce(batch)
    policy_arn = make_policy(batch)

    make_queue(batch, "fair-queue", schedulingPolicyArn=policy_arn)

    assert describe_queue(batch, "fair-queue")["schedulingPolicyArn"] == policy_arn


def test_a_queue_scheduling_policy_can_be_replaced(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "fair-queue", schedulingPolicyArn=make_policy(batch, "first"))
    second = make_policy(batch, "second")

    batch.update_job_queue(jobQueue="fair-queue", schedulingPolicyArn=second)

    assert describe_queue(batch, "fair-queue")["schedulingPolicyArn"] == second


def test_a_fifo_queue_cannot_get_a_scheduling_policy_later(batch: Any) -> None:
    # AWS: "A job queue without a fair-share scheduling policy is scheduled as a FIFO job queue
    # and can't have a fair-share scheduling policy added."
    make_ce(batch)
    make_queue(batch, "fifo")
    policy_arn = make_policy(batch)

    with pytest.raises(batch.exceptions.ClientException, match=r"(?i)scheduling ?policy"):
        batch.update_job_queue(jobQueue="fifo", schedulingPolicyArn=policy_arn)
    assert "schedulingPolicyArn" not in describe_queue(batch, "fifo")


def test_a_queue_cannot_mix_fargate_and_ec2_environments(batch: Any) -> None:
    make_ce(batch, "ec2")
    make_ce(batch, "fargate", kind="FARGATE")

    with pytest.raises(batch.exceptions.ClientException, match=r"(?i)fargate"):
        batch.create_job_queue(
            jobQueueName="mixed",
            priority=1,
            computeEnvironmentOrder=[
                {"order": 1, "computeEnvironment": "ec2"},
                {"order": 2, "computeEnvironment": "fargate"},
            ],
        )


def test_submitting_to_a_disabled_queue_is_rejected(batch: Any, queue: str, definition: str) -> None:
    batch.update_job_queue(jobQueue=queue, state="DISABLED")

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("SubmitJob: job queue 'q' is DISABLED: enable it before submitting jobs to it"),
    ):
        batch.submit_job(jobName="late", jobQueue=queue, jobDefinition=definition)


def test_describe_job_queues_by_name_and_by_arn_leaves_unknown_out(batch: Any) -> None:
    make_ce(batch)
    first = make_queue(batch, "first")
    make_queue(batch, "second")

    by_name = batch.describe_job_queues(jobQueues=["first", "ghost"])["jobQueues"]
    by_arn = batch.describe_job_queues(jobQueues=[first])["jobQueues"]

    assert [q["jobQueueName"] for q in by_name] == ["first"]
    assert [q["jobQueueName"] for q in by_arn] == ["first"]


def test_update_job_queue_changes_priority_and_state(batch: Any) -> None:
    make_ce(batch)
    queue_arn = make_queue(batch, "jobs")

    answer = batch.update_job_queue(jobQueue="jobs", priority=500, state="DISABLED")

    queue = describe_queue(batch, "jobs")
    assert answer["jobQueueArn"] == queue_arn
    assert (queue["priority"], queue["state"]) == (500, "DISABLED")


def test_update_job_queue_replaces_its_compute_environments(batch: Any) -> None:
    make_ce(batch, "old")
    new = make_ce(batch, "new")
    make_queue(batch, "jobs", ce="old")

    batch.update_job_queue(
        jobQueue="jobs", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "new"}]
    )

    assert describe_queue(batch, "jobs")["computeEnvironmentOrder"] == [
        {"order": 1, "computeEnvironment": new}
    ]


def test_disabled_job_queue_can_be_deleted(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs", state="DISABLED")

    batch.delete_job_queue(jobQueue="jobs")

    assert batch.describe_job_queues(jobQueues=["jobs"])["jobQueues"] == []


def test_deleting_an_enabled_job_queue_is_rejected(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs")

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "DeleteJobQueue: job queue 'jobs' is ENABLED: disable it with "
            "UpdateJobQueue(state='DISABLED') before deleting it"
        ),
    ):
        batch.delete_job_queue(jobQueue="jobs")
    assert describe_queue(batch, "jobs")["state"] == "ENABLED"


def test_compute_environment_is_deletable_once_its_queue_is_gone(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs", state="DISABLED")
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    batch.delete_job_queue(jobQueue="jobs")

    batch.delete_compute_environment(computeEnvironment="ce")

    assert batch.describe_compute_environments()["computeEnvironments"] == []


def test_one_letter_queue_name_is_valid(batch: Any) -> None:
    make_ce(batch)

    make_queue(batch, "q")

    assert describe_queue(batch, "q")["jobQueueName"] == "q"


@pytest.mark.aws_doc(
    "botocore: CreateJobQueueRequest.jobQueueName",
    "It can be up to 128 letters long. It can contain uppercase and lowercase letters, "
    "numbers, hyphens (-), and underscores (_).",
    family="Compute environments and job queues",
    ops=("CreateJobQueue",),
)
@pytest.mark.parametrize(
    "name", ["", "-x", "a" * 129, "a b"], ids=["empty", "leading-hyphen", "too-long", "space"]
)
def test_invalid_queue_name_is_rejected(batch: Any, name: str) -> None:
    make_ce(batch)

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            f"CreateJobQueue: jobQueueName '{name}' is invalid: use 1 to 128 letters, "
            "digits, hyphens and underscores, starting with a letter or digit"
        ),
    ):
        make_queue(batch, name)
    assert batch.describe_job_queues()["jobQueues"] == []


def test_duplicate_queue_name_is_rejected(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs")

    with pytest.raises(batch.exceptions.ClientException, match="'jobs' already exists"):
        make_queue(batch, "jobs")


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda b: b.update_job_queue(jobQueue="ghost", priority=2), id="update"),
        pytest.param(lambda b: b.delete_job_queue(jobQueue="ghost"), id="delete"),
    ],
)
def test_unknown_job_queue_is_named_and_known_ones_listed(batch: Any, call: Callable[[Any], object]) -> None:
    make_ce(batch)
    make_queue(batch, "real-queue")

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost'.*'real-queue'"):
        call(batch)
