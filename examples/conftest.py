"""The Batch resources the pipeline expects, created in the fake as Terraform creates them in AWS."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

# Each recipe needs its tool installed: `tox -e recipe-<tool>` runs it (named explicitly there).
collect_ignore = ["recipes"]


@pytest.fixture(autouse=True)
def aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


@pytest.fixture
def batch_environment(fake_batch: Any) -> None:
    """Queue 'pipeline' on a 2-vCPU compute environment, and the two job definitions."""
    batch = boto3.client("batch")
    batch.create_compute_environment(
        computeEnvironmentName="pipeline-spot",
        type="MANAGED",
        computeResources={"type": "SPOT", "maxvCpus": 2, "subnets": ["subnet-1"], "instanceRole": "batch"},
    )
    batch.create_job_queue(
        jobQueueName="pipeline",
        priority=10,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "pipeline-spot"}],
    )
    for name, command in [
        ("shard-worker", ["python", "-m", "shards", "--dataset", "Ref::dataset"]),
        ("reducer", ["python", "-m", "reduce", "--dataset", "Ref::dataset"]),
    ]:
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={
                "image": f"{ECR}/{name}:1.4.0",
                "command": command,
                "vcpus": 1,
                "memory": 2048,
            },
        )
