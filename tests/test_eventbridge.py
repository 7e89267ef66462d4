"""Batch events reach EventBridge rules when moto answers EventBridge in the same process: an
SQS queue subscribed by a rule receives each job's events, in order, in the job's region and
account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from installed_model import needs_member
from job_calls import describe, status, submit
from moto import mock_aws

from pytest_fakebatch import FakeBatch, JobRun

REGION = "eu-west-1"
BATCH_EVENTS = {"source": ["aws.batch"], "detail-type": ["Batch Job State Change"]}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def subscribe(region: str = REGION, pattern: dict[str, Any] = BATCH_EVENTS) -> str:
    """An SQS queue that an EventBridge rule on the default bus feeds; returns its URL."""
    sqs = boto3.client("sqs", region_name=region)
    url = sqs.create_queue(QueueName="batch-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=region)
    events.put_rule(Name="batch-jobs", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="batch-jobs", Targets=[{"Id": "sqs", "Arn": queue_arn}])
    return url


def received(url: str, region: str = REGION) -> list[dict[str, Any]]:
    """Every event the queue holds, in the order EventBridge sent them."""
    sqs = boto3.client("sqs", region_name=region)
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        bodies.extend(json.loads(m["Body"]) for m in messages)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


def statuses(bodies: list[dict[str, Any]], job_id: str) -> list[str]:
    return [b["detail"]["status"] for b in bodies if b["detail"]["jobId"] == job_id]


@pytest.mark.usefixtures("aws", "queue", "definition")
def test_a_rule_s_queue_receives_a_retried_job_s_events(fake_batch: FakeBatch, batch: Any) -> None:
    url = subscribe()

    @fake_batch.handler(definition="work")
    def flaky(job: JobRun) -> int:
        return 0 if job.attempt == 2 else 1

    job_id = submit(batch, "flaky", retryStrategy={"attempts": 2})
    final = describe(batch, job_id)

    bodies = received(url)
    assert statuses(bodies, job_id) == [
        "RUNNABLE", "STARTING", "RUNNING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED",
    ]  # fmt: skip
    last = bodies[-1]
    assert last["source"] == "aws.batch"
    assert last["detail-type"] == "Batch Job State Change"
    assert last["region"] == REGION
    assert last["resources"] == [final["jobArn"]]
    assert last["time"] == fake_batch.events[-1].to_dict()["time"]
    assert last["detail"] == json.loads(json.dumps(final))
    assert [b["detail"] for b in bodies] == [e.detail for e in fake_batch.events]


@pytest.mark.usefixtures("aws", "queue", "definition")
def test_a_rule_s_queue_receives_an_array_s_events(fake_batch: FakeBatch, batch: Any) -> None:
    url = subscribe()
    fake_batch.default_exit_code = 1
    parent = submit(batch, "fan", arrayProperties={"size": 2})
    assert status(batch, parent) == "FAILED"

    bodies = received(url)
    assert statuses(bodies, parent) == ["PENDING", "FAILED"]
    assert statuses(bodies, f"{parent}:0") == ["RUNNABLE", "STARTING", "RUNNING", "FAILED"]
    assert statuses(bodies, f"{parent}:1") == ["RUNNABLE", "STARTING", "RUNNING", "FAILED"]
    assert bodies[-1]["detail"]["arrayProperties"]["statusSummary"]["FAILED"] == 2
    assert len(bodies) == 10


@pytest.mark.usefixtures("aws", "queue", "definition")
def test_a_rule_filtering_on_status_gets_only_those(fake_batch: FakeBatch, batch: Any) -> None:
    url = subscribe(pattern={**BATCH_EVENTS, "detail": {"status": ["FAILED"]}})
    fake_batch.autorun = False
    waiting = submit(batch, "cancelled")
    fake_batch.step()
    batch.cancel_job(jobId=waiting, reason="no longer needed")

    (body,) = received(url)
    assert body["detail"]["jobId"] == waiting
    assert body["detail"]["statusReason"] == "no longer needed"
    assert body["detail"]["isCancelled"] is True


@pytest.mark.usefixtures("aws", "queue", "definition")
def test_a_rule_s_queue_receives_a_timed_out_job_s_failure(fake_batch: FakeBatch, batch: Any) -> None:
    url = subscribe()

    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    job_id = submit(batch, "slow", timeout={"attemptDurationSeconds": 60})
    assert status(batch, job_id) == "RUNNING"
    fake_batch.advance(61)

    bodies = received(url)
    assert statuses(bodies, job_id) == ["RUNNABLE", "STARTING", "RUNNING", "FAILED"]
    assert bodies[-1]["detail"]["statusReason"] == "Job attempt duration exceeded timeout"


@pytest.mark.fakebatch(account_id="210987654321")
@pytest.mark.usefixtures("aws")
def test_events_go_to_the_job_s_own_account_and_region(
    fake_batch: FakeBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    region = "ap-southeast-2"
    elsewhere = subscribe(region)  # the default account's: it must receive nothing
    with monkeypatch.context() as env:  # moto answers these for the fake's account
        env.setenv("MOTO_ACCOUNT_ID", "210987654321")
        mine = subscribe(region)
    batch = boto3.client("batch", region_name=region)
    batch.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "x", "vcpus": 1, "memory": 8},
    )
    job_id = submit(batch, "one")
    assert status(batch, job_id) == "SUCCEEDED"

    assert received(elsewhere, region) == []
    with monkeypatch.context() as env:
        env.setenv("MOTO_ACCOUNT_ID", "210987654321")
        bodies = received(mine, region)
    assert statuses(bodies, job_id) == ["RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    assert {b["region"] for b in bodies} == {region}
    assert {e.account for e in fake_batch.events} == {"210987654321"}


@pytest.mark.fakebatch(events=False)
@pytest.mark.usefixtures("aws", "queue", "definition")
def test_events_off_puts_nothing_on_eventbridge(fake_batch: FakeBatch, batch: Any) -> None:
    url = subscribe()
    assert status(batch, submit(batch, "quiet")) == "SUCCEEDED"
    assert received(url) == []


@pytest.mark.usefixtures("queue", "definition")
def test_without_moto_events_are_kept_on_the_fake_only(fake_batch: FakeBatch, batch: Any) -> None:
    assert status(batch, submit(batch, "alone")) == "SUCCEEDED"
    assert len(fake_batch.events) == 4


@needs_member("RegisterJobDefinition", "ecsProperties")
@pytest.mark.usefixtures("aws", "queue")
def test_an_ecs_task_s_events_reach_the_rule(fake_batch: FakeBatch, batch: Any) -> None:
    url = subscribe()
    resources = [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]
    containers = [
        {"name": name, "image": "app", "command": [name], "resourceRequirements": resources}
        for name in ("main", "side")
    ]
    batch.register_job_definition(
        jobDefinitionName="task",
        type="container",
        ecsProperties={"taskProperties": [{"containers": containers}]},
    )
    job_id = submit(batch, "ecs", jobDefinition="task")
    assert status(batch, job_id) == "SUCCEEDED"

    bodies = received(url)
    assert statuses(bodies, job_id) == ["RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    running = bodies[2]["detail"]["ecsProperties"]["taskProperties"][0]["containers"]
    assert [c["name"] for c in running] == ["main", "side"]
