"""A submit loop that survives throttling: botocore's standard retry mode retries HTTP 429."""

import boto3
import pytest
from botocore.config import Config

# what production code should use: the standard retry mode backs off and retries throttles
RETRYING = Config(retries={"mode": "standard", "max_attempts": 5})


def submit_partitions(partitions, queue):
    batch = boto3.client("batch", region_name="eu-west-1", config=RETRYING)
    return [
        batch.submit_job(jobName=f"etl-{p}", jobQueue=queue, jobDefinition="etl")["jobId"] for p in partitions
    ]


@pytest.mark.fakebatch(faults=False)  # it counts its own faults: none from --fakebatch-chaos
def test_the_submit_loop_survives_throttling(fake_batch, batch):
    batch.register_job_definition(
        jobDefinitionName="etl",
        type="container",
        containerProperties={"image": "etl:1", "command": ["run"], "vcpus": 1, "memory": 512},
    )
    fake_batch.faults.throttle("SubmitJob", times=2)  # the next two answer 429 TooManyRequestsException

    job_ids = submit_partitions(range(5), "q")

    assert len(job_ids) == 5
    submits = [call.error for call in fake_batch.calls if call.operation == "SubmitJob"]
    assert submits.count("TooManyRequestsException") == 2  # answered, then retried by botocore
    assert [f.kind for f in fake_batch.faults.injected] == ["throttle", "throttle"]
