"""What the documentation's examples share: a queue 'q' on an environment 'ce', in eu-west-1."""

import boto3
import pytest


@pytest.fixture
def batch(fake_batch):
    """A Batch client answered by the fake, with queue 'q' on a 4-vCPU environment 'ce'."""
    batch = boto3.client("batch", region_name="eu-west-1")
    batch.create_compute_environment(
        computeEnvironmentName="ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["subnet-1"]},
    )
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    return batch
