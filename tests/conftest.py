"""Shared fixtures, through boto3: a ready environment, queue and job definition; handlers for it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from pytest_fakebatch import FakeBatch, JobRun

REGION = "eu-west-1"


@pytest.fixture
def batch(fake_batch: FakeBatch) -> Any:
    """A Batch client in REGION, answered by the fake."""
    return boto3.client("batch", region_name=REGION)


@pytest.fixture
def logs(fake_batch: FakeBatch) -> Any:
    return boto3.client("logs", region_name=REGION)


@pytest.fixture
def queue(batch: Any) -> str:
    """An ENABLED queue 'q' on a MANAGED EC2 environment 'ce' with 16 vCPUs; returns 'q'."""
    batch.create_compute_environment(
        computeEnvironmentName="ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 16, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    return "q"


@pytest.fixture
def definition(batch: Any) -> str:
    """A container job definition 'work' (image 'worker:latest', 1 vCPU); returns 'work'."""
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "worker:latest", "command": ["run"], "vcpus": 1, "memory": 512},
    )
    return "work"


@pytest.fixture
def runs(fake_batch: FakeBatch) -> list[JobRun]:
    """Every attempt the definition 'work' ran, as its handler saw it."""
    seen: list[JobRun] = []

    @fake_batch.handler(definition="work")
    def record(job: JobRun) -> None:
        seen.append(job)

    return seen


@pytest.fixture
def sleeper(fake_batch: FakeBatch) -> None:
    """Jobs of 'work' take 600 simulated seconds."""

    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)
