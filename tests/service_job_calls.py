"""Helpers of the service-job tests: a training job payload, a SAGEMAKER_TRAINING queue, a
submit, an error message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError


def payload(name: str = "train", instances: int = 1, kind: str = "ml.m5.large", **extra: Any) -> str:
    return json.dumps(
        {
            "TrainingJobName": name,
            "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
            "ResourceConfig": {"InstanceType": kind, "InstanceCount": instances, "VolumeSizeInGB": 1},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            **extra,
        }
    )


def service_queue(batch: Any, name: str = "sq", instances: int = 4, **queue: Any) -> str:
    batch.create_service_environment(
        serviceEnvironmentName=f"{name}-se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": instances, "capacityUnit": "NUM_INSTANCES"}],
    )
    batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": f"{name}-se"}],
        **queue,
    )
    return name


def submit(batch: Any, name: str = "job", queue: str = "sq", **extra: Any) -> dict[str, Any]:
    extra.setdefault("serviceRequestPayload", payload())
    answer: dict[str, Any] = batch.submit_service_job(
        jobName=name, jobQueue=queue, serviceJobType="SAGEMAKER_TRAINING", **extra
    )
    return answer


def message(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Message"])
