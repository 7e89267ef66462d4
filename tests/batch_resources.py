"""Create and describe Batch resources through boto3: the helpers of the control-plane tests."""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"

COMPUTE_RESOURCES: dict[str, dict[str, Any]] = {
    "EC2": {
        "type": "EC2",
        "minvCpus": 0,
        "maxvCpus": 16,
        "instanceTypes": ["optimal"],
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
        "instanceRole": "ecsInstanceRole",
    },
    "SPOT": {
        "type": "SPOT",
        "allocationStrategy": "SPOT_CAPACITY_OPTIMIZED",
        "minvCpus": 0,
        "maxvCpus": 32,
        "instanceTypes": ["m5.large"],
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
        "instanceRole": "ecsInstanceRole",
    },
    "FARGATE": {"type": "FARGATE", "maxvCpus": 8, "subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]},
    "FARGATE_SPOT": {
        "type": "FARGATE_SPOT",
        "maxvCpus": 4,
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
    },
}


def arn(batch: Any, kind: str, name: str) -> str:
    return f"arn:aws:batch:{batch.meta.region_name}:{ACCOUNT}:{kind}/{name}"


def make_ce(batch: Any, name: str = "ce", kind: str = "EC2", **extra: Any) -> str:
    """A MANAGED compute environment; returns its ARN."""
    answer = batch.create_compute_environment(
        computeEnvironmentName=name, type="MANAGED", computeResources=dict(COMPUTE_RESOURCES[kind]), **extra
    )
    return str(answer["computeEnvironmentArn"])


def make_queue(batch: Any, name: str, ce: str = "ce", **extra: Any) -> str:
    """An ENABLED queue on ``ce``; returns its ARN."""
    answer = batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce}],
        **extra,
    )
    return str(answer["jobQueueArn"])


def make_definition(batch: Any, name: str = "work", **extra: Any) -> dict[str, Any]:
    answer = batch.register_job_definition(
        jobDefinitionName=name,
        type="container",
        containerProperties={"image": "worker:latest", "command": ["run"], "vcpus": 1, "memory": 512},
        **extra,
    )
    return dict(answer)


def make_policy(batch: Any, name: str = "fair", **extra: Any) -> str:
    answer = batch.create_scheduling_policy(
        name=name,
        fairsharePolicy={
            "shareDecaySeconds": 3600,
            "shareDistribution": [{"shareIdentifier": "A", "weightFactor": 1.0}],
        },
        **extra,
    )
    return str(answer["arn"])


def describe_ce(batch: Any, ref: str) -> dict[str, Any]:
    (env,) = batch.describe_compute_environments(computeEnvironments=[ref])["computeEnvironments"]
    return dict(env)


def describe_queue(batch: Any, ref: str) -> dict[str, Any]:
    (queue,) = batch.describe_job_queues(jobQueues=[ref])["jobQueues"]
    return dict(queue)
