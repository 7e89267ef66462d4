"""Array jobs through boto3: children, the parent's derived status and statusSummary."""

from __future__ import annotations

from typing import Any

import pytest
from error_messages import message

from pytest_fakebatch import FakeBatch, JobRun


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


def submit_array(batch: Any, size: int, name: str = "fan-out", **kwargs: Any) -> str:
    return batch.submit_job(
        jobName=name, jobQueue="q", jobDefinition="work", arrayProperties={"size": size}, **kwargs
    )["jobId"]


def summary(**counts: int) -> dict[str, int]:
    """A full statusSummary: every status, zero unless given."""
    statuses = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
    return {s: counts.get(s, 0) for s in statuses}


def child_statuses(batch: Any, parent: str, size: int) -> list[str]:
    jobs = batch.describe_jobs(jobs=[f"{parent}:{i}" for i in range(size)])["jobs"]
    return [j["status"] for j in sorted(jobs, key=lambda j: j["arrayProperties"]["index"])]


@pytest.fixture
def slow_children(fake_batch: FakeBatch) -> None:
    """Child i of 'work' takes (i + 1) * 100 simulated seconds; child 1 then exits 1 if FAIL_ONE is set."""

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        index = int(job.env["AWS_BATCH_JOB_ARRAY_INDEX"])
        job.sleep((index + 1) * 100)
        return 1 if index == 1 and job.env.get("FAIL_ONE") else 0


pytestmark = pytest.mark.usefixtures("queue", "definition")


def test_children_are_parent_colon_index(batch: Any) -> None:
    parent = submit_array(batch, 3)

    children = batch.describe_jobs(jobs=[f"{parent}:{i}" for i in range(3)])["jobs"]

    assert [c["jobId"] for c in children] == [f"{parent}:0", f"{parent}:1", f"{parent}:2"]
    assert [c["arrayProperties"]["index"] for c in children] == [0, 1, 2]
    assert all(c["status"] == "SUCCEEDED" for c in children)


def test_parent_shows_size_and_status_summary(batch: Any) -> None:
    parent = describe(batch, submit_array(batch, 4))

    assert parent["status"] == "SUCCEEDED"
    assert parent["arrayProperties"]["size"] == 4
    assert parent["arrayProperties"]["statusSummary"] == summary(SUCCEEDED=4)


def test_each_child_sees_its_index_and_the_array_size(fake_batch: FakeBatch, batch: Any) -> None:
    seen: dict[str, str] = {}

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        env = job.env
        seen[env["AWS_BATCH_JOB_ID"]] = (
            f"{env['AWS_BATCH_JOB_ARRAY_INDEX']}/{env['AWS_BATCH_JOB_ARRAY_SIZE']}"
        )

    parent = submit_array(batch, 3)
    describe(batch, parent)

    assert seen == {f"{parent}:0": "0/3", f"{parent}:1": "1/3", f"{parent}:2": "2/3"}


def test_the_parent_itself_never_runs(fake_batch: FakeBatch, batch: Any) -> None:
    ran: list[str] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        ran.append(job.job_id)

    parent = submit_array(batch, 2)
    describe(batch, parent)

    assert sorted(ran) == [f"{parent}:0", f"{parent}:1"]


def test_one_failing_child_fails_the_parent(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        return 1 if job.array_index == 2 else 0

    parent = describe(batch, submit_array(batch, 3))

    assert parent["status"] == "FAILED"
    assert parent["arrayProperties"]["statusSummary"] == summary(SUCCEEDED=2, FAILED=1)


@pytest.mark.usefixtures("slow_children")
def test_parent_is_pending_until_every_child_is_terminal(fake_batch: FakeBatch, batch: Any) -> None:
    parent = submit_array(batch, 3, containerOverrides={"environment": [{"name": "FAIL_ONE", "value": "1"}]})

    assert describe(batch, parent)["status"] == "PENDING"
    fake_batch.advance(200)  # child 0 succeeded, child 1 failed, child 2 still runs
    assert child_statuses(batch, parent, 3) == ["SUCCEEDED", "FAILED", "RUNNING"]
    assert describe(batch, parent)["status"] == "PENDING"
    fake_batch.advance(100)
    assert describe(batch, parent)["status"] == "FAILED"


def test_status_summary_counts_each_stage(fake_batch: FakeBatch, batch: Any) -> None:
    batch.create_compute_environment(
        computeEnvironmentName="two",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 2, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.update_job_queue(jobQueue="q", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "two"}])

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(100)

    parent = submit_array(batch, 3)

    def counts() -> dict[str, int]:
        return describe(batch, parent)["arrayProperties"]["statusSummary"]

    assert counts() == summary(RUNNING=2, RUNNABLE=1)
    fake_batch.advance(100)
    assert counts() == summary(SUCCEEDED=2, RUNNING=1)
    fake_batch.advance(100)
    assert counts() == summary(SUCCEEDED=3)


@pytest.mark.usefixtures("slow_children")
def test_list_jobs_by_array_lists_children_with_their_status(fake_batch: FakeBatch, batch: Any) -> None:
    parent = submit_array(batch, 3)
    describe(batch, parent)
    fake_batch.advance(100)

    running = batch.list_jobs(arrayJobId=parent)["jobSummaryList"]
    succeeded = batch.list_jobs(arrayJobId=parent, jobStatus="SUCCEEDED")["jobSummaryList"]

    assert sorted(j["jobId"] for j in running) == [f"{parent}:1", f"{parent}:2"]
    assert {j["status"] for j in running} == {"RUNNING"}
    assert [(j["jobId"], j["status"], j["arrayProperties"]["index"]) for j in succeeded] == [
        (f"{parent}:0", "SUCCEEDED", 0)
    ]


def test_list_jobs_by_queue_shows_finished_arrays_by_outcome(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(job_name="broken")
    def broken(job: JobRun) -> int:
        return 1 if job.array_index == 0 else 0

    good = submit_array(batch, 2, name="fine")
    bad = submit_array(batch, 2, name="broken")

    succeeded = batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED")["jobSummaryList"]
    failed = batch.list_jobs(jobQueue="q", jobStatus="FAILED")["jobSummaryList"]

    assert [(j["jobId"], j["arrayProperties"]["size"]) for j in succeeded] == [(good, 2)]
    assert [(j["jobId"], j["arrayProperties"]["size"]) for j in failed] == [(bad, 2)]


@pytest.mark.aws_doc(
    "botocore: SubmitJobRequest.arrayProperties",
    "The array size can be between 2 and 10,000.",
    family="Array jobs",
    ops=("SubmitJob",),
)
@pytest.mark.parametrize("size", [1, 10001])
def test_array_size_outside_2_to_10000_is_rejected(fake_batch: FakeBatch, batch: Any, size: int) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(f"SubmitJob: arrayProperties.size must be between 2 and 10000, got {size}"),
    ):
        submit_array(batch, size)

    assert fake_batch.jobs() == []


def test_cancel_parent_cancels_unstarted_children(fake_batch: FakeBatch, batch: Any) -> None:
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    parent = submit_array(batch, 3)
    assert child_statuses(batch, parent, 3) == ["RUNNABLE"] * 3

    batch.cancel_job(jobId=parent, reason="bad input")

    children = batch.describe_jobs(jobs=[f"{parent}:{i}" for i in range(3)])["jobs"]
    assert [(c["status"], c["isCancelled"], c["statusReason"]) for c in children] == [
        ("FAILED", True, "bad input")
    ] * 3
    assert describe(batch, parent)["status"] == "FAILED"


@pytest.mark.usefixtures("slow_children")
def test_cancel_parent_leaves_running_children_running(fake_batch: FakeBatch, batch: Any) -> None:
    batch.create_compute_environment(
        computeEnvironmentName="one",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 1, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.update_job_queue(jobQueue="q", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "one"}])
    parent = submit_array(batch, 3)
    assert child_statuses(batch, parent, 3) == ["RUNNING", "RUNNABLE", "RUNNABLE"]

    batch.cancel_job(jobId=parent, reason="bad input")

    assert child_statuses(batch, parent, 3) == ["RUNNING", "FAILED", "FAILED"]
    assert describe(batch, parent)["status"] == "PENDING"
    fake_batch.advance(100)
    assert child_statuses(batch, parent, 3) == ["SUCCEEDED", "FAILED", "FAILED"]
    assert describe(batch, parent)["status"] == "FAILED"


@pytest.mark.usefixtures("slow_children")
def test_terminate_parent_stops_running_children(fake_batch: FakeBatch, batch: Any) -> None:
    parent = submit_array(batch, 3)
    assert child_statuses(batch, parent, 3) == ["RUNNING"] * 3

    batch.terminate_job(jobId=parent, reason="deploy rolled back")

    children = batch.describe_jobs(jobs=[f"{parent}:{i}" for i in range(3)])["jobs"]
    assert [(c["status"], c["isTerminated"], c["statusReason"]) for c in children] == [
        ("FAILED", True, "deploy rolled back")
    ] * 3
    assert describe(batch, parent)["status"] == "FAILED"


def test_describe_unknown_child_answers_empty(batch: Any) -> None:
    parent = submit_array(batch, 2)

    assert batch.describe_jobs(jobs=[f"{parent}:99"])["jobs"] == []
