"""Service jobs SageMaker has no capacity for, and a SAGEMAKER_TRAINING queue's
jobStateTimeLimitActions, through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_operation
from service_job_calls import message, payload, submit

from pytest_fakebatch import Exit, FakeBatch, ServiceJobRun

pytestmark = needs_operation("SubmitServiceJob")

NO_CAPACITY = (
    "CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML "
    "instance type."
)


def terminate_after(reason: str, seconds: int = 600) -> list[dict[str, Any]]:
    return [{"reason": reason, "state": "RUNNABLE", "maxTimeSeconds": seconds, "action": "TERMINATE"}]


def training_queue(batch: Any, instances: int = 4, **queue: Any) -> str:
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": instances, "capacityUnit": "NUM_INSTANCES"}],
    )
    batch.create_job_queue(
        jobQueueName="sq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
        **queue,
    )
    return "sq"


@pytest.mark.aws_doc(
    "UG: Service job retry strategies in AWS Batch",
    "When a SageMaker Training job fails due to insufficient capacity, AWS Batch retries the job "
    "automatically until capacity becomes available. ... These capacity-based retries don't consume your "
    "configured retry attempts.",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to capacity",
    "statusReason message while the job is stuck: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Unable to "
    "provision requested compute resources",
    family="Service jobs",
    ops=("DescribeServiceJob",),
)
def test_a_capacity_error_is_retried_without_using_up_an_attempt(fake_batch: FakeBatch, batch: Any) -> None:
    training_queue(batch)
    plays: list[str] = []

    @fake_batch.service_handler(job_name="busy")
    def busy(job: ServiceJobRun) -> Exit | None:
        plays.append(job.training_job_name)
        job.sleep(60)
        return Exit(status_reason=NO_CAPACITY) if len(plays) == 1 else None

    job_id = submit(batch, "busy", retryStrategy={"attempts": 1})["jobId"]
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")  # holds it RUNNABLE
    fake_batch.advance(60)
    waiting = batch.describe_service_job(jobId=job_id)
    assert (waiting["status"], waiting["statusReason"]) == (
        "RUNNABLE",
        "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Unable to provision requested compute resources",
    )
    assert waiting["attempts"] == []
    assert waiting["latestAttempt"]["serviceResourceId"]["value"].endswith("/" + plays[0])
    batch.update_service_environment(serviceEnvironment="se", state="ENABLED")
    fake_batch.advance(60)
    done = batch.describe_service_job(jobId=job_id)
    assert (done["status"], done["statusReason"]) == (
        "SUCCEEDED",
        "Received status from SageMaker: Training job completed",
    )
    (attempt,) = done["attempts"]
    assert attempt["serviceResourceId"]["value"].endswith("/" + plays[1])


@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to capacity",
    "the time the corresponding AWS Batch job spent in SCHEDULED between job submission and failure "
    "accumulates between job submissions for comparison against maxTimeSeconds. ... statusReason message "
    "after the job is terminated by jobStateTimeLimitActions: Terminated by JobStateTimeLimit action due to "
    "reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
    family="Service jobs",
    ops=("CreateJobQueue", "DescribeServiceJob"),
)
def test_waiting_for_capacity_past_the_time_limit_terminates_the_job(
    fake_batch: FakeBatch, batch: Any
) -> None:
    training_queue(batch, jobStateTimeLimitActions=terminate_after("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"))

    @fake_batch.service_handler(job_name="never")
    def never(job: ServiceJobRun) -> Exit:
        job.sleep(400)
        return Exit(status_reason=NO_CAPACITY)

    job_id = submit(batch, "never")["jobId"]
    fake_batch.advance(400)  # 400 s of the 600 waited: SageMaker is asked again
    assert batch.describe_service_job(jobId=job_id)["status"] == "RUNNING"
    fake_batch.advance(400)
    job = batch.describe_service_job(jobId=job_id)
    assert (job["status"], job["statusReason"], job["isTerminated"]) == (
        "FAILED",
        "Terminated by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
        True,
    )


@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to misconfiguration",
    "statusReason message after the job is terminated by jobStateTimeLimitActions: Terminated by "
    "JobStateTimeLimit action due to reason: MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE",
    family="Service jobs",
    ops=("CreateJobQueue", "DescribeServiceJob"),
)
def test_a_job_too_big_for_the_environment_is_terminated_after_the_time_limit(
    fake_batch: FakeBatch, batch: Any
) -> None:
    reason = "MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE"
    training_queue(batch, instances=4, jobStateTimeLimitActions=terminate_after(reason, 900))
    big = submit(batch, "big", serviceRequestPayload=payload(instances=5))["jobId"]
    small = submit(batch, "small")["jobId"]
    stuck = batch.describe_service_job(jobId=big)
    assert (stuck["status"], stuck["statusReason"]) == (
        "RUNNABLE",
        "MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE - Service environment(s) associated with the job "
        "queue cannot meet the capacity requirement of the job.",
    )
    fake_batch.advance(899)
    assert batch.describe_service_job(jobId=big)["status"] == "RUNNABLE"
    fake_batch.advance(1)
    job = batch.describe_service_job(jobId=big)
    assert (job["status"], job["statusReason"], job["isTerminated"]) == (
        "FAILED",
        f"Terminated by JobStateTimeLimit action due to reason: {reason}",
        True,
    )
    assert batch.describe_service_job(jobId=small)["status"] == "SUCCEEDED"


@pytest.mark.aws_doc(
    "UG: Automatic remediation with jobStateTimeLimitActions",
    "For job queues connected to SAGEMAKER_TRAINING service environments, the only action you can use with "
    "jobStateTimeLimitActions.action is TERMINATE ... The following reason values support "
    "jobStateTimeLimitActions: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY, "
    "MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE, MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED",
    family="Service jobs",
    ops=("CreateJobQueue",),
)
def test_a_training_queue_takes_only_terminate_actions_for_its_reasons(batch: Any) -> None:
    cancel = terminate_after("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY")
    cancel[0]["action"] = "CANCEL"
    with pytest.raises(ClientError) as excinfo:
        training_queue(batch, jobStateTimeLimitActions=cancel)
    assert message(excinfo) == (
        "CreateJobQueue: jobStateTimeLimitActions[0].action must be TERMINATE for a SAGEMAKER_TRAINING job "
        "queue, got 'CANCEL' (CANCEL is for job queues of compute environments)"
    )
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(
            jobQueueName="other",
            priority=1,
            jobQueueType="SAGEMAKER_TRAINING",
            serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
            jobStateTimeLimitActions=terminate_after("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"),
        )
    assert "jobStateTimeLimitActions[0].reason must be one of CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY" in (
        message(excinfo)
    )
