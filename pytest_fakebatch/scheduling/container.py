"""The container AWS starts for an attempt: its command, environment and resources."""

from __future__ import annotations

from ..executors.base import AttemptSpec
from ..model.jobs import Attempt, Job, container_memory
from ..model.region import Region

FARGATE_TYPES = ("FARGATE", "FARGATE_SPOT")


def ecs_env(region: Region, attempt: Attempt) -> dict[str, str]:
    """What Amazon ECS sets in every container of a task it runs ("Amazon ECS environment
    variables"): the compute option the task runs on, and the task's region. EKS pods get none
    of them."""
    environment = region.compute_environments.get(attempt.compute_environment)
    resources = (environment.compute_resources or {}) if environment is not None else {}
    fargate = resources.get("type") in FARGATE_TYPES
    return {
        "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE" if fargate else "AWS_ECS_EC2",
        "AWS_DEFAULT_REGION": region.region,
        "AWS_REGION": region.region,
    }


def attempt_spec(region: Region, job: Job, attempt: Attempt, extra_env: dict[str, str]) -> AttemptSpec:
    """The container AWS would start for this attempt: command, environment and resources."""
    spec = job.spec
    container = job.container
    own = {e["name"]: e.get("value", "") for e in container.get("environment", [])}
    env = {**extra_env, **ecs_env(region, attempt), **own}
    env.update(
        AWS_BATCH_JOB_ID=job.id,
        AWS_BATCH_JOB_ATTEMPT=str(len(job.attempts)),
        AWS_BATCH_JQ_NAME=spec.queue.name,
        AWS_BATCH_CE_NAME=attempt.compute_environment,
    )
    if job.index is not None and spec.array_size is not None:
        env["AWS_BATCH_JOB_ARRAY_INDEX"] = str(job.index)
        env["AWS_BATCH_JOB_ARRAY_SIZE"] = str(spec.array_size)
    if job.index is not None and spec.main_node is not None and job.parent is not None:
        env["AWS_BATCH_JOB_NODE_INDEX"] = str(job.index)
        env["AWS_BATCH_JOB_NUM_NODES"] = str(len(job.parent.children))
        env["AWS_BATCH_JOB_MAIN_NODE_INDEX"] = str(spec.main_node)
        if job.index != spec.main_node:
            env["AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"] = node_address(spec.main_node)
    return AttemptSpec(
        job_id=job.id,
        job_name=spec.name,
        attempt=len(job.attempts),
        definition_name=spec.definition.name,
        queue_name=spec.queue.name,
        image=container.get("image", ""),
        command=list(container.get("command", [])),
        environment=env,
        container=container,
        vcpus=job.vcpus,
        memory_mib=container_memory(container),
        log_stream=attempt.log_stream,
        array_index=job.index,
        parameters=spec.parameters,
    )


def node_address(index: int) -> str:
    """The private IPv4 address a multi-node job's node is given (10.0.0.10 for node 0)."""
    return f"10.0.{(index + 10) // 256}.{(index + 10) % 256}"
