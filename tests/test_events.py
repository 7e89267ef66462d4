"""Job state-change events as AWS Batch sends them to EventBridge, read on the fake
(``fake_batch.events``): order, shape and detail for a retried job, an array, a cancelled job,
a timed-out job, a blocked queue and a service job."""

from __future__ import annotations

import json
from typing import Any

import pytest
from installed_model import needs_operation
from job_calls import describe, status, submit

from pytest_fakebatch import FakeBatch, JobEvent, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")

ACCOUNT = "123456789012"
REGION = "eu-west-1"


def test_a_retried_job_sends_each_status_of_each_attempt(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def flaky(job: JobRun) -> int:
        return 0 if job.attempt == 2 else 3

    job_id = submit(batch, "flaky", retryStrategy={"attempts": 2})
    final = describe(batch, job_id)

    events = fake_batch.events.filter(job=job_id)
    assert [e.status for e in events] == [
        "RUNNABLE", "STARTING", "RUNNING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED",
    ]  # fmt: skip
    # the detail is the job as DescribeJobs showed it at each moment
    assert [len(e.detail["attempts"]) for e in events] == [0, 0, 0, 1, 1, 1, 2]
    assert events[3].detail["attempts"][0]["container"]["exitCode"] == 3
    assert "exitCode" not in events[2].detail["container"]
    assert (
        events[2].detail["container"]["logStreamName"] == final["attempts"][0]["container"]["logStreamName"]
    )
    assert events[-1].detail == final


def test_an_event_has_aws_s_envelope(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze(1_767_225_600_000)  # 2026-01-01T00:00:00Z
    job_id = submit(batch, "one")
    status(batch, job_id)

    first = fake_batch.events[0]
    assert isinstance(first, JobEvent)
    event = first.to_dict()
    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert event["version"] == "0"
    assert event["source"] == "aws.batch"
    assert event["detail-type"] == "Batch Job State Change"
    assert event["account"] == ACCOUNT
    assert event["region"] == REGION
    assert event["time"] == "2026-01-01T00:00:00Z"
    assert event["resources"] == [f"arn:aws:batch:{REGION}:{ACCOUNT}:job/{job_id}"]
    assert event["detail"]["jobId"] == job_id
    assert event["detail"]["status"] == "RUNNABLE"
    json.dumps(event)  # what EventBridge carries is JSON
    assert len({e.id for e in fake_batch.events}) == len(fake_batch.events)


def test_no_event_is_sent_for_the_submission(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    job_id = submit(batch, "held")
    assert status(batch, job_id) == "SUBMITTED"
    assert fake_batch.events == []

    fake_batch.step()
    assert fake_batch.events.statuses(job_id) == ["RUNNABLE"]


def test_an_array_sends_its_children_s_events_and_the_parent_s(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def shard(job: JobRun) -> int:
        return 1 if job.env["AWS_BATCH_JOB_ARRAY_INDEX"] == "1" else 0

    parent = submit(batch, "fan", arrayProperties={"size": 3})
    assert describe(batch, parent)["status"] == "FAILED"

    events = fake_batch.events
    assert events.statuses(parent) == ["PENDING", "FAILED"]
    for i, last in enumerate(["SUCCEEDED", "FAILED", "SUCCEEDED"]):
        assert events.statuses(f"{parent}:{i}") == ["RUNNABLE", "STARTING", "RUNNING", last]
    assert len(events.filter(job=parent, children=True)) == 2 + 3 * 4
    pending, failed = events.filter(job=parent)
    assert pending.detail["arrayProperties"]["statusSummary"]["RUNNABLE"] == 3  # as DescribeJobs shows it
    assert failed.detail["arrayProperties"]["statusSummary"] == {
        "SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 0, "STARTING": 0, "RUNNING": 0, "SUCCEEDED": 2, "FAILED": 1,
    }  # fmt: skip
    assert failed is events[-1]  # the parent ends with its last child
    child = events.filter(job=f"{parent}:1", status="FAILED")[0]
    assert child.detail["arrayProperties"] == {"index": 1}
    assert child.resources == (f"arn:aws:batch:{REGION}:{ACCOUNT}:job/{parent}:1",)


def test_a_cancelled_job_fails_from_where_it_waited(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    job_id = submit(batch, "doomed")
    fake_batch.step()  # RUNNABLE
    batch.cancel_job(jobId=job_id, reason="not today")

    assert fake_batch.events.statuses(job_id) == ["RUNNABLE", "FAILED"]
    failed = fake_batch.events[-1]
    assert failed.detail["statusReason"] == "not today"
    assert failed.detail["isCancelled"] is True
    assert failed.status_reason == "not today"


def test_a_job_waiting_on_a_failed_dependency_fails_from_pending(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.default_exit_code = 1
    first = submit(batch, "first")
    second = submit(batch, "second", dependsOn=[{"jobId": first}])
    status(batch, second)

    assert fake_batch.events.statuses(second) == ["PENDING", "FAILED"]
    assert fake_batch.events.filter(job=second, status="FAILED")[0].status_reason == "Dependent Job failed"


def test_a_timed_out_job_fails_at_its_deadline(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    job_id = submit(batch, "slow", retryStrategy={"attempts": 3}, timeout={"attemptDurationSeconds": 60})
    assert status(batch, job_id) == "RUNNING"
    running_at = fake_batch.events[-1].time_ms
    fake_batch.advance(120)

    events = fake_batch.events.filter(job=job_id)
    assert [e.status for e in events] == ["RUNNABLE", "STARTING", "RUNNING", "FAILED"]  # not retried
    assert events[-1].time_ms == running_at + 60_000
    assert events[-1].detail["statusReason"] == "Job attempt duration exceeded timeout"
    assert events[-1].detail["stoppedAt"] == events[-1].time_ms


def test_a_job_that_can_never_fit_blocks_its_queue(fake_batch: FakeBatch, batch: Any) -> None:
    job_id = submit(
        batch, "huge", containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "64"}]}
    )
    assert status(batch, job_id) == "RUNNABLE"

    (blocked,) = fake_batch.events.filter(detail_type="Batch Job Queue Blocked")
    assert blocked.job_id == job_id
    assert blocked.resources == (
        f"arn:aws:batch:{REGION}:{ACCOUNT}:job/{job_id}",
        f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/q",
    )
    assert blocked.detail["statusReason"].startswith("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE")
    assert fake_batch.events.statuses(job_id) == ["RUNNABLE"]  # the blocked event is no state change


def test_events_can_be_filtered_by_status(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.default_exit_code = 1
    ids = [submit(batch, f"j{i}") for i in range(3)]
    status(batch, ids[-1])

    failed = fake_batch.events.filter(status="FAILED")
    assert [e.job_id for e in failed] == ids
    assert len(fake_batch.events.filter(status={"FAILED", "RUNNING"})) == 6
    assert repr(failed[0]).startswith(f"<JobEvent {ids[0]} FAILED at ")


def test_a_detail_keeps_the_moment_though_the_job_moves_on(fake_batch: FakeBatch, batch: Any) -> None:
    job_id = submit(batch, "one")
    status(batch, job_id)
    runnable = fake_batch.events.filter(job=job_id)[0]

    assert runnable.detail["status"] == "RUNNABLE"
    assert "startedAt" not in runnable.detail
    assert describe(batch, job_id)["status"] == "SUCCEEDED"


@pytest.mark.fakebatch(events=False)
def test_events_off_keeps_none(fake_batch: FakeBatch, batch: Any) -> None:
    job_id = submit(batch, "one")
    assert status(batch, job_id) == "SUCCEEDED"
    assert len(fake_batch.events) == 0


def test_a_multinode_job_s_parent_follows_its_main_node(fake_batch: FakeBatch, batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 2,
            "mainNode": 0,
            "nodeRangeProperties": [
                {
                    "targetNodes": "0:",
                    "container": {"image": "mpi", "command": ["go"], "vcpus": 1, "memory": 64},
                }
            ],
        },
    )
    job_id = submit(batch, "mpi", jobDefinition="mnp")
    final = describe(batch, job_id)
    assert final["status"] == "SUCCEEDED"

    assert fake_batch.events.statuses(job_id) == ["RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    assert fake_batch.events.statuses(f"{job_id}#1")[-1] == "SUCCEEDED"
    assert fake_batch.events.filter(job=job_id)[-1].detail["nodeProperties"]["numNodes"] == 2


@needs_operation("SubmitServiceJob")
def test_a_service_job_sends_its_own_detail_type(fake_batch: FakeBatch, batch: Any) -> None:
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 1, "capacityUnit": "NUM_INSTANCES"}],
    )
    batch.create_job_queue(
        jobQueueName="sq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
    )
    training = {
        "TrainingJobName": "train",
        "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    job_id = batch.submit_service_job(
        jobName="train",
        jobQueue="sq",
        serviceJobType="SAGEMAKER_TRAINING",
        serviceRequestPayload=json.dumps(training),
        tags={"team": "ml"},
    )["jobId"]
    final = batch.describe_service_job(jobId=job_id)
    assert final["status"] == "SUCCEEDED"

    events = fake_batch.events.filter(job=job_id)
    assert [e.status for e in events] == ["RUNNABLE", "SCHEDULED", "STARTING", "RUNNING", "SUCCEEDED"]
    assert {e.detail_type for e in events} == {"Batch Service Job State Change"}
    last = events[-1]
    assert last.resources == (f"arn:aws:batch:{REGION}:{ACCOUNT}:service-job/{job_id}",)
    # "The tags and serviceRequestPayload fields are not included in the event detail"
    assert "tags" not in last.detail
    assert "serviceRequestPayload" not in last.detail
    assert last.detail["attempts"][0]["serviceResourceId"]["name"] == "TrainingJobArn"
    assert last.detail["status"] == "SUCCEEDED"
    assert events[0].detail["attempts"] == []


def test_an_event_detail_is_the_readers_own(fake_batch: FakeBatch, batch: Any) -> None:
    properties = {"image": "w", "vcpus": 1, "memory": 512, "command": ["run"], "environment": []}
    batch.register_job_definition(jobDefinitionName="own", type="container", containerProperties=properties)
    first = submit(batch, "first", jobDefinition="own")
    assert status(batch, first) == "SUCCEEDED"

    detail = fake_batch.events.filter(job=first)[0].detail
    detail["container"]["command"].append("--changed")
    detail["container"]["environment"].append({"name": "CHANGED", "value": "1"})

    (registered,) = batch.describe_job_definitions(jobDefinitionName="own")["jobDefinitions"]
    assert registered["containerProperties"] == properties
    assert describe(batch, first)["container"]["command"] == ["run"]
    later = describe(batch, submit(batch, "later", jobDefinition="own"))["container"]
    assert (later["command"], later["environment"]) == (["run"], [])
