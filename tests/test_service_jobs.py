"""Service jobs (SageMaker training jobs scheduled by Batch), through boto3."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import Exit, FakeBatch, ServiceJobRun

pytestmark = needs_operation("SubmitServiceJob")


def payload(
    instances: int = 1, name: str = "train", image: str = "trainer:1", kind: str = "ml.m5.large"
) -> str:
    return json.dumps(
        {
            "TrainingJobName": name,
            "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
            "ResourceConfig": {"InstanceType": kind, "InstanceCount": instances, "VolumeSizeInGB": 1},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "HyperParameters": {"epochs": "3"},
        }
    )


@pytest.fixture
def sq(batch: Any) -> str:
    """A SAGEMAKER_TRAINING queue 'sq' on a service environment 'se' of 4 instances."""
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 4, "capacityUnit": "NUM_INSTANCES"}],
    )
    batch.create_job_queue(
        jobQueueName="sq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
    )
    return "sq"


def submit(batch: Any, name: str = "job", **extra: Any) -> str:
    extra.setdefault("serviceRequestPayload", payload())
    job_id: str = batch.submit_service_job(
        jobName=name, jobQueue="sq", serviceJobType="SAGEMAKER_TRAINING", **extra
    )["jobId"]
    return job_id


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    detail: dict[str, Any] = batch.describe_service_job(jobId=job_id)
    return detail


TRAINING_JOB_ARN = r"arn:aws:sagemaker:eu-west-1:123456789012:training-job/AWSBatchtrain[0-9a-f]{32}"


@pytest.mark.aws_doc(
    "UG: Getting started with AWS Batch on SageMaker AI",
    '"statusReason": "Received status from SageMaker: Training job completed" ... '
    '"value": "arn:aws:sagemaker:...:training-job/AWSBatch<my-simple-training-job><your-attempt-id>"',
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_service_job_succeeds_by_default(batch: Any, sq: str) -> None:
    body = payload()
    job_id = batch.submit_service_job(
        jobName="train",
        jobQueue=sq,
        serviceJobType="SAGEMAKER_TRAINING",
        serviceRequestPayload=body,
        tags={"team": "ml"},
        timeoutConfig={"attemptDurationSeconds": 600},
    )["jobId"]
    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["jobArn"].endswith(f":service-job/{job_id}")
    assert job["serviceRequestPayload"] == body
    assert job["timeoutConfig"] == {"attemptDurationSeconds": 600}
    assert job["tags"] == {"team": "ml"}
    assert job["createdAt"] <= job["startedAt"] <= job["stoppedAt"]
    assert job["statusReason"] == "Received status from SageMaker: Training job completed"
    (attempt,) = job["attempts"]
    assert attempt["statusReason"] == "Received status from SageMaker: Training job completed"
    resource = attempt["serviceResourceId"]
    assert resource["name"] == "TrainingJobArn"
    assert re.fullmatch(TRAINING_JOB_ARN, resource["value"])
    assert job["latestAttempt"] == {"serviceResourceId": resource}
    assert "isTerminated" not in job  # only present when true
    assert "schedulingPriority" not in job  # none was given
    assert batch.list_tags_for_resource(resourceArn=job["jobArn"])["tags"] == {"team": "ml"}


@pytest.mark.aws_doc(
    "UG: Submit a service job in AWS Batch",
    "The job enters the SUBMITTED state ... If capacity is available, the job moves to SCHEDULED ... the "
    "job is changed to STARTING. When SageMaker AI starts to execute the job its status is changed to "
    "RUNNING. ... When the service job is completed it moves to SUCCEEDED",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_step_shows_every_status(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    fake_batch.autorun = False
    job_id = submit(batch)
    seen = [describe(batch, job_id)["status"]]
    while fake_batch.step():
        seen.append(describe(batch, job_id)["status"])
    assert seen == ["SUBMITTED", "RUNNABLE", "SCHEDULED", "STARTING", "RUNNING", "SUCCEEDED"]


@pytest.mark.aws_doc(
    "UG: Getting started with AWS Batch on SageMaker AI",
    "aws logs describe-log-streams --log-group-name /aws/sagemaker/TrainingJobs "
    "--log-stream-name-prefix AWSBatch{{my-simple-training-job}}",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_a_handler_plays_the_training_job(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    seen: list[ServiceJobRun] = []

    @fake_batch.service_handler("trainer:*")
    def train(job: ServiceJobRun) -> None:
        seen.append(job)
        print("epochs", job.hyperparameters["epochs"], "on", job.instance_count, job.instance_type)
        job.sleep(120)

    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNING"
    fake_batch.advance(120)
    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["stoppedAt"] - job["startedAt"] == 120_000
    training_job = job["attempts"][0]["serviceResourceId"]["value"].rsplit("/", 1)[1]
    assert seen[0].training_job_name == training_job
    assert seen[0].payload["TrainingJobName"] == "train"
    logs = boto3.client("logs", region_name=batch.meta.region_name)
    (stream,) = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="AWSBatchtrain"
    )["logStreams"]
    assert stream["logStreamName"] == f"{training_job}/algo-1-{job['startedAt'] // 1000}"
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream["logStreamName"]
    )["events"]
    assert [e["message"] for e in events] == ["epochs 3 on 1 ml.m5.large"]


@pytest.mark.aws_doc(
    "UG: Service job retry strategies in AWS Batch",
    'For service jobs, status messages from SageMaker AI are prefixed with "Received status from '
    'SageMaker: " to distinguish them from AWS Batch-generated messages.',
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
@pytest.mark.aws_doc(
    "UG: Service job retry strategies in AWS Batch",
    "The attempts value represents the total number of times the job can be placed in the RUNNABLE "
    "state, including the initial attempt.",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_a_raising_handler_fails_the_job_and_retries_follow_the_strategy(
    fake_batch: FakeBatch, batch: Any, sq: str
) -> None:
    @fake_batch.service_handler(job_name="flaky")
    def flaky(job: ServiceJobRun) -> None:
        if job.attempt < 3:
            raise RuntimeError("CUDA out of memory")

    job_id = submit(batch, "flaky", retryStrategy={"attempts": 3})
    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert [a.get("statusReason") for a in job["attempts"]] == [
        "Received status from SageMaker: AlgorithmError: RuntimeError: CUDA out of memory",
        "Received status from SageMaker: AlgorithmError: RuntimeError: CUDA out of memory",
        "Received status from SageMaker: Training job completed",
    ]
    assert len({a["serviceResourceId"]["value"] for a in job["attempts"]}) == 3  # one training job each

    @fake_batch.service_handler(job_name="doomed")
    def doomed(job: ServiceJobRun) -> Exit:
        return Exit(status_reason="ClientError: no such S3 prefix")

    job_id = submit(
        batch,
        "doomed",
        retryStrategy={
            "attempts": 5,
            "evaluateOnExit": [
                {"action": "EXIT", "onStatusReason": "Received status from SageMaker: ClientError*"}
            ],
        },
    )
    job = describe(batch, job_id)
    assert (job["status"], job["statusReason"], len(job["attempts"])) == (
        "FAILED",
        "Received status from SageMaker: ClientError: no such S3 prefix",
        1,
    )


@pytest.mark.aws_doc(
    "UG: Mapping AWS Batch service job status to SageMaker AI status",
    "RUNNABLE ... Jobs in this state are started as soon as sufficient resources are available in the "
    "service environment. Jobs can remain in this state indefinitely when sufficient resources are "
    "unavailable.",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_jobs_wait_runnable_for_service_environment_capacity(
    fake_batch: FakeBatch, batch: Any, sq: str
) -> None:
    @fake_batch.service_handler("*")
    def work(job: ServiceJobRun) -> None:
        job.sleep(100)

    big = submit(batch, "big", serviceRequestPayload=payload(instances=3))
    other = submit(batch, "other", serviceRequestPayload=payload(instances=2))
    small = submit(batch, "small", serviceRequestPayload=payload(instances=1))
    assert [describe(batch, j)["status"] for j in (big, other, small)] == ["RUNNING", "RUNNABLE", "RUNNING"]
    fake_batch.advance(100)
    assert describe(batch, other)["status"] == "RUNNING"
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")
    late = submit(batch, "late")
    fake_batch.advance(100)
    assert (describe(batch, other)["status"], describe(batch, late)["status"]) == ("SUCCEEDED", "RUNNABLE")


@needs_member("CreateSchedulingPolicy", "quotaSharePolicy")
def test_quota_shares_bound_each_share_and_lend_idle_capacity(fake_batch: FakeBatch, batch: Any) -> None:
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 4, "capacityUnit": "ml.m5.large"}],
    )
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )
    batch.create_job_queue(
        jobQueueName="sq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy["arn"],
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
    )
    for name, strategy in (("fixed", "RESERVE"), ("elastic", "LEND_AND_BORROW")):
        batch.create_quota_share(
            quotaShareName=name,
            jobQueue="sq",
            capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.m5.large"}],
            resourceSharingConfiguration={"strategy": strategy},
            preemptionConfiguration={"inSharePreemption": "DISABLED"},
        )

    @fake_batch.service_handler("*")
    def work(job: ServiceJobRun) -> None:
        job.sleep(100)

    with pytest.raises(ClientError) as excinfo:
        submit(batch, "no_share")
    assert "give a quotaShareName" in excinfo.value.response["Error"]["Message"]
    fixed = [submit(batch, f"f{i}", quotaShareName="fixed") for i in range(3)]
    assert [describe(batch, j)["status"] for j in fixed] == [
        "RUNNING",
        "RUNNING",
        "RUNNABLE",
    ]  # its limit is 2
    assert describe(batch, fixed[0])["quotaShareName"] == "fixed"
    elastic = [submit(batch, f"e{i}", quotaShareName="elastic") for i in range(3)]
    # 'elastic' runs its 2 and may borrow, but nothing is idle: 'fixed' uses its own 2
    assert [describe(batch, j)["status"] for j in elastic] == ["RUNNING", "RUNNING", "RUNNABLE"]
    listed = batch.list_service_jobs(
        jobQueue="sq", filters=[{"name": "QUOTA_SHARE_NAME", "values": ["fixed"]}]
    )
    assert {j["jobId"] for j in listed["jobSummaryList"]} == {fixed[0], fixed[1]}  # RUNNING only


@needs_member("CreateSchedulingPolicy", "quotaSharePolicy")
def test_a_share_borrows_idle_capacity_and_the_lender_takes_it_back(
    fake_batch: FakeBatch, batch: Any
) -> None:
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 4, "capacityUnit": "ml.m5.large"}],
    )
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )
    batch.create_job_queue(
        jobQueueName="sq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy["arn"],
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
    )
    for name, strategy in (("lender", "LEND"), ("borrower", "LEND_AND_BORROW")):
        batch.create_quota_share(
            quotaShareName=name,
            jobQueue="sq",
            capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.m5.large"}],
            resourceSharingConfiguration={"strategy": strategy},
            preemptionConfiguration={"inSharePreemption": "DISABLED"},
        )

    @fake_batch.service_handler("*")
    def work(job: ServiceJobRun) -> None:
        job.sleep(100)

    borrowed = [submit(batch, f"b{i}", quotaShareName="borrower") for i in range(4)]
    assert [describe(batch, j)["status"] for j in borrowed] == ["RUNNING"] * 4  # 2 own + 2 borrowed
    mine = submit(batch, "l0", quotaShareName="lender")
    assert describe(batch, mine)["status"] == "RUNNING"
    newest = describe(batch, borrowed[3])
    assert (newest["status"], newest["statusReason"]) == (
        "RUNNABLE",
        "Preempted: capacity was reclaimed for another job",
    )
    assert newest["preemptionSummary"]["preemptedAttemptCount"] == 1
    assert newest["attempts"] == []  # a preemption uses up no retry
    fake_batch.advance(200)
    assert describe(batch, borrowed[3])["status"] == "SUCCEEDED"
