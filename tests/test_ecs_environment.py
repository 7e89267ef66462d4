"""What Amazon ECS sets in a job's containers besides Batch's own AWS_BATCH_* variables: the
compute option the task runs on and its region (tools such as metaflow read them)."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_member

from pytest_fakebatch import FakeBatch, JobRun

ECS_ENV = pytest.mark.aws_doc(
    "ECS: Amazon ECS environment variables",
    "AWS_EXECUTION_ENV - The information about the compute option the task runs on. For Fargate, "
    "Amazon ECS sets this to AWS_ECS_FARGATE. For EC2, Amazon ECS sets this to AWS_ECS_EC2. "
    "AWS_DEFAULT_REGION ... AWS_REGION - The Region where the task runs.",
    family="Container jobs",
    ops=("SubmitJob",),
)


def _environment(batch: Any, name: str, kind: str) -> str:
    resources: dict[str, Any] = {"type": kind, "maxvCpus": 4, "subnets": ["subnet-1"]}
    if kind in ("EC2", "SPOT"):
        resources["instanceRole"] = "r"
    batch.create_compute_environment(computeEnvironmentName=name, type="MANAGED", computeResources=resources)
    batch.create_job_queue(
        jobQueueName=f"{name}-q",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": name}],
    )
    return f"{name}-q"


def _env_of_one_job(fake_batch: FakeBatch, batch: Any, queue: str, **definition: Any) -> dict[str, str]:
    seen: list[JobRun] = []

    @fake_batch.handler("probe:*")
    def probe(job: JobRun) -> None:
        seen.append(job)

    batch.register_job_definition(jobDefinitionName="probe", **definition)
    batch.submit_job(jobName="probe", jobQueue=queue, jobDefinition="probe")
    assert len(seen) == 1
    return seen[0].env


CONTAINER = {
    "type": "container",
    "containerProperties": {"image": "probe:1", "command": ["probe"], "vcpus": 1, "memory": 512},
}


@ECS_ENV
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("EC2", "AWS_ECS_EC2"),
        ("SPOT", "AWS_ECS_EC2"),
        ("FARGATE", "AWS_ECS_FARGATE"),
        ("FARGATE_SPOT", "AWS_ECS_FARGATE"),
    ],
)
def test_a_container_knows_its_compute_option_and_region(
    fake_batch: FakeBatch, batch: Any, kind: str, expected: str
) -> None:
    queue = _environment(batch, "ce", kind)

    env = _env_of_one_job(fake_batch, batch, queue, **CONTAINER)

    assert env["AWS_EXECUTION_ENV"] == expected
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"


@ECS_ENV
@needs_member("RegisterJobDefinition", "ecsProperties")
def test_every_container_of_an_ecs_task_gets_them(fake_batch: FakeBatch, batch: Any) -> None:
    queue = _environment(batch, "ce", "FARGATE")
    task = {
        "containers": [
            {
                "name": "main",
                "image": "probe:1",
                "command": ["probe"],
                "essential": True,
                "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
            }
        ]
    }

    env = _env_of_one_job(
        fake_batch,
        batch,
        queue,
        type="container",
        platformCapabilities=["FARGATE"],
        ecsProperties={"taskProperties": [task]},
    )

    assert (env["AWS_EXECUTION_ENV"], env["AWS_REGION"]) == ("AWS_ECS_FARGATE", "eu-west-1")
    assert env["AWS_BATCH_CE_NAME"] == "ce"


def test_a_job_definitions_own_region_variable_wins(fake_batch: FakeBatch, batch: Any) -> None:
    queue = _environment(batch, "ce", "EC2")
    definition = {
        **CONTAINER,
        "containerProperties": {
            **CONTAINER["containerProperties"],
            "environment": [{"name": "AWS_REGION", "value": "us-west-2"}],
        },
    }

    env = _env_of_one_job(fake_batch, batch, queue, **definition)

    assert env["AWS_REGION"] == "us-west-2"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
