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


def _front(batch: Any, queue: str) -> list[str]:
    jobs = batch.get_job_queue_snapshot(jobQueue=queue)["frontOfQueue"]["jobs"]
    return [j["jobArn"].rsplit("/", 1)[-1] for j in jobs]


@pytest.mark.aws_doc(
    "API: GetJobQueueSnapshot",
    "Provides a list of the first 100 RUNNABLE jobs associated to a single job queue.",
    family="Scheduling",
    ops=("GetJobQueueSnapshot",),
)
def test_the_front_of_a_fifo_queue_lists_its_first_100_waiting_jobs_in_submission_order(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")  # nothing starts
    submitted = [
        batch.submit_job(jobName=f"j{i}", jobQueue=queue, jobDefinition=definition)["jobId"]
        for i in range(102)
    ]
    fake_batch.run_until_idle()

    assert _front(batch, queue) == submitted[:100]

    batch.cancel_job(jobId=submitted[0], reason="not needed")
    fake_batch.run_until_idle()

    assert _front(batch, queue) == submitted[1:101]


@pytest.mark.aws_doc(
    "API: GetJobQueueSnapshot",
    "frontOfQueue ... The list of the first 100 RUNNABLE jobs in each job queue. For first-in-first-out "
    "(FIFO) job queues, jobs are ordered based on their submission time. For fair-share scheduling (FSS) "
    "job queues, jobs are ordered based on their job priority and share usage.",
    family="Scheduling",
    ops=("GetJobQueueSnapshot",),
)
def test_the_front_of_a_fair_share_queue_puts_the_share_using_less_capacity_first(
    fake_batch: FakeBatch, batch: Any, slow_work: str
) -> None:
    batch.create_compute_environment(
        computeEnvironmentName="one",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 1, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    policy = batch.create_scheduling_policy(name="fs", fairsharePolicy={"shareDecaySeconds": 0})
    batch.create_job_queue(
        jobQueueName="shared",
        priority=1,
        schedulingPolicyArn=policy["arn"],
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "one"}],
    )
    ids = {
        name: batch.submit_job(
            jobName=name, jobQueue="shared", jobDefinition=slow_work, shareIdentifier=name[0]
        )["jobId"]
        for name in ("a1", "a2", "a3", "b1")
    }
    fake_batch.run_until_idle()  # a1 runs (60 s) and holds the one vCPU

    # share "a" uses capacity and "b" none: b1 comes first though submitted last
    assert _front(batch, "shared") == [ids[n] for n in ("b1", "a2", "a3")]
