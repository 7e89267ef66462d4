"""What every fuzz example starts from: a resource of each family for the valid requests of
tests/fuzz_valid.py to aim at, created through a validating boto3 client.

- container side: compute environments "ce" (and "ce-off", DISABLED, unused), queues "q" (and
  "q-off", DISABLED), definitions "def" (revisions 1 and 2) and "big" (more vCPUs than "ce" has: its job stays
  RUNNABLE), consumable resources "cr" and "cr-spare", scheduling policies "sp" (fair share)
  and "sp-spare";
- service side: service environments "se" (and "se-off", DISABLED), service queue "sq", one
  service job that completes and one too big to start; where the installed model has quota
  shares, a quota-managing queue "qq" on "se-qm" with shares "share" and "share-off" (DISABLED).

Only what the installed botocore's model has is created, so the fuzz runs on its floor too.
"""

from __future__ import annotations

import json
from typing import Any

from fuzz_strategies import BATCH_MODEL

SERVICE = "SAGEMAKER_TRAINING"
QUOTAS = "CreateQuotaShare" in BATCH_MODEL.operation_names
TRAINING: dict[str, Any] = {
    "TrainingJobName": "train",
    "AlgorithmSpecification": {"TrainingImage": "trainer:latest", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}


def seed_state(batch: Any) -> list[tuple[str, dict[str, Any]]]:
    """Create the resources the valid strategies aim at (through a validating client); the
    job submissions' (operation, answer), to learn their ids from."""
    ec2 = {"type": "EC2", "maxvCpus": 8, "subnets": ["s"], "instanceRole": "r"}
    for name, state in (("ce", "ENABLED"), ("ce-off", "DISABLED")):
        batch.create_compute_environment(
            computeEnvironmentName=name, type="MANAGED", state=state, computeResources=ec2
        )
    order = [{"order": 1, "computeEnvironment": "ce"}]
    batch.create_job_queue(jobQueueName="q", priority=1, computeEnvironmentOrder=order)
    batch.create_job_queue(jobQueueName="q-off", priority=1, state="DISABLED", computeEnvironmentOrder=order)
    for _ in range(2):  # def:1 and def:2, so "def" names a revision when def:1 is deregistered
        batch.register_job_definition(
            jobDefinitionName="def",
            type="container",
            containerProperties={"image": "busybox", "vcpus": 1, "memory": 64},
        )
    batch.create_scheduling_policy(
        name="sp", fairsharePolicy={"shareDistribution": [{"shareIdentifier": "A"}]}
    )
    batch.create_scheduling_policy(name="sp-spare")
    # a job that never fits the environment (16 vCPUs of 8) stays RUNNABLE: one to cancel
    batch.register_job_definition(
        jobDefinitionName="big",
        type="container",
        containerProperties={"image": "busybox", "vcpus": 16, "memory": 64},
    )
    answers = [
        ("SubmitJob", batch.submit_job(jobName="held", jobQueue="q", jobDefinition="big")),
        ("SubmitJob", batch.submit_job(jobName="j", jobQueue="q", jobDefinition="def")),
    ]
    if "CreateConsumableResource" in BATCH_MODEL.operation_names:
        batch.create_consumable_resource(consumableResourceName="cr", totalQuantity=10)
        batch.create_consumable_resource(consumableResourceName="cr-spare", totalQuantity=1)
    if "SubmitServiceJob" not in BATCH_MODEL.operation_names:
        return answers
    limits = [{"maxCapacity": 4, "capacityUnit": "NUM_INSTANCES"}]
    for name, state in (("se", "ENABLED"), ("se-off", "DISABLED")):
        batch.create_service_environment(
            serviceEnvironmentName=name, serviceEnvironmentType=SERVICE, state=state, capacityLimits=limits
        )
    service_order = [{"order": 1, "serviceEnvironment": "se"}]
    batch.create_job_queue(
        jobQueueName="sq", priority=1, jobQueueType=SERVICE, serviceEnvironmentOrder=service_order
    )
    # five instances of four stays RUNNABLE: a service job to update; a small one completes
    held = {**TRAINING, "ResourceConfig": {**TRAINING["ResourceConfig"], "InstanceCount": 5}}
    for name, payload in (("held", held), ("t", TRAINING)):
        answer = batch.submit_service_job(
            jobName=name, jobQueue="sq", serviceJobType=SERVICE, serviceRequestPayload=json.dumps(payload)
        )
        answers.append(("SubmitServiceJob", answer))
    if QUOTAS:  # a quota-managing queue needs an environment whose limits name instance types
        batch.create_service_environment(
            serviceEnvironmentName="se-qm",
            serviceEnvironmentType=SERVICE,
            capacityLimits=[{"maxCapacity": 8, "capacityUnit": "ml.m5.large"}],
        )
        policy = batch.create_scheduling_policy(
            name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
        )["arn"]
        batch.create_job_queue(
            jobQueueName="qq",
            priority=1,
            jobQueueType=SERVICE,
            schedulingPolicyArn=policy,
            serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se-qm"}],
        )
        for name, state in (("share", "ENABLED"), ("share-off", "DISABLED")):
            answer = batch.create_quota_share(
                quotaShareName=name,
                jobQueue="qq",
                state=state,
                capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.m5.large"}],
                resourceSharingConfiguration={"strategy": "LEND_AND_BORROW", "borrowLimit": 100},
                preemptionConfiguration={"inSharePreemption": "DISABLED"},
            )
            answers.append(("CreateQuotaShare", answer))
    return answers


__all__ = ["QUOTAS", "SERVICE", "TRAINING", "seed_state"]
