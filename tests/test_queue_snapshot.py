"""GetJobQueueSnapshot of a container job queue, through boto3: the capacity its running jobs hold,
in total and, in a fair-share queue, share by share."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_shape_member

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = needs_shape_member("GetJobQueueSnapshotResponse", "queueUtilization")


@pytest.fixture
def slow_work(fake_batch: FakeBatch, definition: str) -> str:
    """The definition 'work' (1 vCPU), its jobs running for 60 simulated seconds."""

    @fake_batch.handler(definition=definition)
    def slow(job: JobRun) -> None:
        job.sleep(60)

    return definition


@pytest.mark.aws_doc(
    "botocore: QueueSnapshotCapacityUsage",
    "capacityUnit ... The unit of measure for the capacity usage. For compute jobs, this is VCPU for "
    "Amazon EC2 and cpu for Amazon EKS.",
    family="Scheduling",
    ops=("GetJobQueueSnapshot",),
)
def test_the_snapshot_shows_the_vcpus_a_queues_running_jobs_hold(
    fake_batch: FakeBatch, batch: Any, queue: str, slow_work: str
) -> None:
    fake_batch.clock.freeze()
    idle = batch.get_job_queue_snapshot(jobQueue=queue)
    assert idle["queueUtilization"] == {"totalCapacityUsage": [], "lastUpdatedAt": fake_batch.clock.now_ms()}
    for name in ("a", "b"):
        batch.submit_job(jobName=name, jobQueue=queue, jobDefinition=slow_work)
    busy = batch.get_job_queue_snapshot(jobQueue=queue)["queueUtilization"]
    assert busy["totalCapacityUsage"] == [{"capacityUnit": "VCPU", "quantity": 2.0}]
    assert "fairshareUtilization" not in busy  # a FIFO queue has no shares


@pytest.mark.aws_doc(
    "botocore: FairshareUtilizationDetail",
    "activeShareCount ... The total number of active shares in the fairshare scheduling job queue that "
    "are currently utilizing capacity. topCapacityUtilization ... A list of the top 20 shares with the "
    "highest capacity utilization, ordered by usage amount.",
    family="Scheduling",
    ops=("GetJobQueueSnapshot",),
)
def test_a_fair_share_queues_snapshot_breaks_usage_down_by_share(
    fake_batch: FakeBatch, batch: Any, queue: str, slow_work: str
) -> None:
    policy = batch.create_scheduling_policy(name="fs", fairsharePolicy={"shareDecaySeconds": 0})
    batch.create_job_queue(
        jobQueueName="shared",
        priority=1,
        schedulingPolicyArn=policy["arn"],
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
    )
    for name, share in (("a1", "alpha"), ("b1", "beta"), ("a2", "alpha")):
        batch.submit_job(jobName=name, jobQueue="shared", jobDefinition=slow_work, shareIdentifier=share)
    utilization = batch.get_job_queue_snapshot(jobQueue="shared")["queueUtilization"]
    assert utilization["totalCapacityUsage"] == [{"capacityUnit": "VCPU", "quantity": 3.0}]
    assert utilization["fairshareUtilization"] == {
        "activeShareCount": 2,
        "topCapacityUtilization": [
            {"shareIdentifier": "alpha", "capacityUsage": [{"capacityUnit": "VCPU", "quantity": 2.0}]},
            {"shareIdentifier": "beta", "capacityUsage": [{"capacityUnit": "VCPU", "quantity": 1.0}]},
        ],
    }
    fake_batch.advance(60)
    done = batch.get_job_queue_snapshot(jobQueue="shared")["queueUtilization"]
    assert done["fairshareUtilization"] == {"activeShareCount": 0, "topCapacityUtilization": []}
