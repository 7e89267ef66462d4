"""How service jobs look from outside, through boto3: isTerminated only when true, capacity in
instance types, and GetJobQueueSnapshot of a SAGEMAKER_TRAINING queue (dispatch order, the front
of each quota share, utilization)."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_operation, needs_shape_member
from service_job_calls import payload, service_queue, submit

from pytest_fakebatch import FakeBatch, ServiceJobRun

pytestmark = needs_operation("SubmitServiceJob")


@pytest.fixture
def sq(batch: Any) -> str:
    return service_queue(batch)


@needs_shape_member("ServiceJobSummary", "isTerminated")
@pytest.mark.aws_doc(
    "botocore: ServiceJobSummary",
    "isTerminated ... Indicates whether a termination request has been accepted for the service job. "
    "This field is only present when the value is true.",
    family="Service jobs",
    ops=("ListServiceJobs", "DescribeServiceJob", "TerminateServiceJob"),
)
def test_is_terminated_is_present_only_when_true(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    fake_batch.autorun = False
    kept, ended = submit(batch, "kept")["jobId"], submit(batch, "ended")["jobId"]
    batch.terminate_service_job(jobId=ended, reason="stop")
    listed = {
        j["jobId"]: j for j in batch.list_service_jobs(jobQueue=sq, jobStatus="FAILED")["jobSummaryList"]
    }
    assert listed[ended]["isTerminated"] is True
    waiting = batch.list_service_jobs(jobQueue=sq, jobStatus="SUBMITTED")["jobSummaryList"]
    assert [j["jobId"] for j in waiting] == [kept]
    assert "isTerminated" not in waiting[0]
    assert "isTerminated" not in batch.describe_service_job(jobId=kept)


@needs_shape_member("ServiceJobSummary", "capacityUsage")
@pytest.mark.aws_doc(
    "botocore: ServiceJobCapacityUsageDetail",
    "capacityUnit ... The unit of measure for the service job capacity usage. For service jobs, this is "
    "the instance type.",
    family="Service jobs",
    ops=("DescribeServiceJob", "ListServiceJobs"),
)
def test_capacity_usage_counts_instances_of_the_instance_type(
    fake_batch: FakeBatch, batch: Any, sq: str
) -> None:
    @fake_batch.service_handler(job_name="gpu")
    def gpu(job: ServiceJobRun) -> None:
        job.sleep(60)

    body = payload(instances=2, kind="ml.g5.xlarge")
    job_id = submit(batch, "gpu", serviceRequestPayload=body)["jobId"]
    usage = [{"capacityUnit": "ml.g5.xlarge", "quantity": 2.0}]
    detail = batch.describe_service_job(jobId=job_id)
    assert detail["capacityUsage"] == usage
    assert detail["createdAt"] <= detail["scheduledAt"] <= detail["startedAt"]
    (listed,) = batch.list_service_jobs(jobQueue=sq)["jobSummaryList"]
    assert listed["capacityUsage"] == usage


@needs_shape_member("GetJobQueueSnapshotResponse", "queueUtilization")
@pytest.mark.aws_doc(
    "UG: Monitor service jobs in an AWS Batch queue",
    "aws batch get-job-queue-snapshot --job-queue my-sm-training-fifo-jq ... This command shows the "
    "order of upcoming service jobs in your queue.",
    family="Service jobs",
    ops=("GetJobQueueSnapshot",),
)
@pytest.mark.aws_doc(
    "botocore: GetJobQueueSnapshotResponse",
    "frontOfQueue ... For job queues with an attached fair-share scheduling (FSS) or quota-share policy, "
    "jobs are ordered based on their job priority and share usage.",
    family="Service jobs",
    ops=("GetJobQueueSnapshot",),
)
def test_the_snapshot_shows_waiting_service_jobs_in_dispatch_order(fake_batch: FakeBatch, batch: Any) -> None:
    policy = batch.create_scheduling_policy(name="fs", fairsharePolicy={"shareDecaySeconds": 0})
    service_queue(batch, "fs", instances=1, schedulingPolicyArn=policy["arn"])

    @fake_batch.service_handler("*")
    def work(job: ServiceJobRun) -> None:
        job.sleep(60)

    running = submit(batch, "running", "fs", shareIdentifier="A")
    a_low = submit(batch, "a_low", "fs", shareIdentifier="A", schedulingPriority=1)
    a_high = submit(batch, "a_high", "fs", shareIdentifier="A", schedulingPriority=9)
    b_low = submit(batch, "b_low", "fs", shareIdentifier="B", schedulingPriority=1)
    snapshot = batch.get_job_queue_snapshot(jobQueue="fs")
    now = snapshot["frontOfQueue"]["lastUpdatedAt"]
    # share B uses nothing, A the running job's instance: B's job first, then A's by priority
    expected = [j["jobArn"] for j in (b_low, a_high, a_low)]
    assert [j["jobArn"] for j in snapshot["frontOfQueue"]["jobs"]] == expected
    assert all(j["earliestTimeAtPosition"] == now for j in snapshot["frontOfQueue"]["jobs"])
    assert snapshot["queueUtilization"] == {
        "totalCapacityUsage": [{"capacityUnit": "ml.m5.large", "quantity": 1.0}],
        "fairshareUtilization": {
            "activeShareCount": 1,
            "topCapacityUtilization": [
                {"shareIdentifier": "A", "capacityUsage": [{"capacityUnit": "ml.m5.large", "quantity": 1.0}]}
            ],
        },
        "lastUpdatedAt": now,
    }
    assert batch.describe_service_job(jobId=running["jobId"])["status"] == "RUNNING"
    fake_batch.advance(60)
    snapshot = batch.get_job_queue_snapshot(jobQueue="fs")
    # the running job ended and a_high took its instance (no share used any; it has the higher
    # priority): now A uses one and B none, so b_low leads
    assert [j["jobArn"] for j in snapshot["frontOfQueue"]["jobs"]] == [j["jobArn"] for j in (b_low, a_low)]


@needs_shape_member("GetJobQueueSnapshotResponse", "frontOfQuotaShares")
@pytest.mark.aws_doc(
    "API: GetJobQueueSnapshot",
    "For job queues with an attached quota-share policy, the first RUNNABLE job in each quota share is "
    "also listed. Capacity utilization for the job queue is provided, as well as break downs by share",
    family="Service jobs",
    ops=("GetJobQueueSnapshot",),
)
def test_the_snapshot_of_a_quota_managed_queue_shows_each_share(fake_batch: FakeBatch, batch: Any) -> None:
    batch.create_service_environment(
        serviceEnvironmentName="qse",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.m5.large"}],
    )
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )
    batch.create_job_queue(
        jobQueueName="qq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy["arn"],
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qse"}],
    )
    for share in ("research", "prod"):
        batch.create_quota_share(
            quotaShareName=share,
            jobQueue="qq",
            capacityLimits=[{"maxCapacity": 1, "capacityUnit": "ml.m5.large"}],
            resourceSharingConfiguration={"strategy": "RESERVE"},
            preemptionConfiguration={"inSharePreemption": "DISABLED"},
        )

    @fake_batch.service_handler("*")
    def work(job: ServiceJobRun) -> None:
        job.sleep(60)

    submit(batch, "r1", "qq", quotaShareName="research")
    waiting = submit(batch, "r2", "qq", quotaShareName="research")
    submit(batch, "r3", "qq", quotaShareName="research")
    snapshot = batch.get_job_queue_snapshot(jobQueue="qq")
    now = snapshot["frontOfQueue"]["lastUpdatedAt"]
    assert snapshot["frontOfQuotaShares"] == {
        "quotaShares": {"research": [{"jobArn": waiting["jobArn"], "earliestTimeAtPosition": now}]},
        "lastUpdatedAt": now,
    }
    assert snapshot["queueUtilization"]["quotaShareUtilization"] == {
        "topCapacityUtilization": [
            {
                "quotaShareName": "research",
                "capacityUsage": [{"capacityUnit": "ml.m5.large", "quantity": 1.0}],
            }
        ]
    }
