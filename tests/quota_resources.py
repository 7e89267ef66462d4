"""Quota management resources through boto3, for the quota share tests: a quota management job
queue on a service environment of ml.m5.large, its quota shares, and training jobs in them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import FakeBatch, ServiceJobRun

NEEDS_QUOTA_SHARES = [
    needs_operation("CreateQuotaShare"),
    needs_member("SubmitServiceJob", "quotaShareName"),
    needs_member("CreateSchedulingPolicy", "quotaSharePolicy"),
]

M5 = "ml.m5.large"
ACCOUNT = "123456789012"


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    return str(excinfo.value.response["Error"]["Message"])


def quota_queue(batch: Any, most: int = 10, queue: str = "qm-queue") -> str:
    """A quota management job queue on a service environment of ``most`` ml.m5.large."""
    batch.create_service_environment(
        serviceEnvironmentName="qm-env",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": most, "capacityUnit": M5}],
    )
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )["arn"]
    arn: str = batch.create_job_queue(
        jobQueueName=queue,
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy,
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qm-env"}],
    )["jobQueueArn"]
    return arn


def share(
    batch: Any,
    name: str,
    most: int,
    strategy: str = "RESERVE",
    preemption: str = "DISABLED",
    queue: str = "qm-queue",
    **sharing: Any,
) -> str:
    arn: str = batch.create_quota_share(
        quotaShareName=name,
        jobQueue=queue,
        capacityLimits=[{"maxCapacity": most, "capacityUnit": M5}],
        resourceSharingConfiguration={"strategy": strategy, **sharing},
        preemptionConfiguration={"inSharePreemption": preemption},
    )["quotaShareArn"]
    return arn


def submit(
    batch: Any,
    name: str,
    quota_share: str,
    priority: int = 0,
    queue: str = "qm-queue",
    kind: str = M5,
    instances: int = 1,
) -> str:
    payload = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
        "ResourceConfig": {"InstanceType": kind, "InstanceCount": instances, "VolumeSizeInGB": 1},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    job_id: str = batch.submit_service_job(
        jobName=name,
        jobQueue=queue,
        serviceJobType="SAGEMAKER_TRAINING",
        serviceRequestPayload=json.dumps(payload),
        quotaShareName=quota_share,
        schedulingPriority=priority,
    )["jobId"]
    return job_id


def statuses(batch: Any, *job_ids: str) -> list[str]:
    return [batch.describe_service_job(jobId=job_id)["status"] for job_id in job_ids]


@pytest.fixture
def trains(fake_batch: FakeBatch) -> None:
    """Every training job takes 100 simulated seconds."""

    @fake_batch.service_handler("*")
    def train(job: ServiceJobRun) -> None:
        job.sleep(100)
