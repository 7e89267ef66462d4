"""dependsOn through boto3: jobs, arrays, N_TO_N and SEQUENTIAL, and what is rejected."""

from __future__ import annotations

from typing import Any

import pytest
from error_messages import message
from job_calls import describe, status, submit

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")


def all_job_names(batch: Any) -> list[str]:
    """Every job in queue 'q', whatever its status (a filter makes ListJobs ignore jobStatus)."""
    answer = batch.list_jobs(jobQueue="q", filters=[{"name": "JOB_NAME", "values": ["*"]}])
    return [j["jobName"] for j in answer["jobSummaryList"]]


@pytest.fixture
def calls(fake_batch: FakeBatch) -> list[tuple[str, int | None, int]]:
    """(job name, array index, start time in ms) of every attempt, in the order they ran.

    A job named ``slow-<seconds>`` takes that long; a job named ``fail`` exits 1.
    """
    seen: list[tuple[str, int | None, int]] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        seen.append((job.job_name, job.array_index, fake_batch.clock.now_ms()))
        if job.job_name.startswith("slow-"):
            job.sleep(int(job.job_name.removeprefix("slow-")))
        return 1 if job.job_name == "fail" else 0

    return seen


def names(calls: list[tuple[str, int | None, int]]) -> list[str]:
    return [name for name, _, _ in calls]


def test_dependent_waits_pending_until_its_dependency_succeeds(
    fake_batch: FakeBatch, batch: Any, calls: list[Any]
) -> None:
    first = submit(batch, "slow-100")
    second = submit(batch, "after", dependsOn=[{"jobId": first}])

    assert (status(batch, first), status(batch, second)) == ("RUNNING", "PENDING")
    fake_batch.advance(100)
    assert (status(batch, first), status(batch, second)) == ("SUCCEEDED", "SUCCEEDED")
    assert names(calls) == ["slow-100", "after"]


def test_failed_dependency_fails_the_dependent_without_running_it(batch: Any, calls: list[Any]) -> None:
    first = submit(batch, "fail")
    second = submit(batch, "after", dependsOn=[{"jobId": first}])

    job = describe(batch, second)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == "Dependent Job failed"
    assert job["attempts"] == []
    assert names(calls) == ["fail"]


def test_dependency_failing_later_fails_the_waiting_dependent(fake_batch: FakeBatch, batch: Any) -> None:
    ran: list[str] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        ran.append(job.job_name)
        job.sleep(100)
        return 1

    first = submit(batch, "first")
    second = submit(batch, "second", dependsOn=[{"jobId": first}])
    assert (status(batch, first), status(batch, second)) == ("RUNNING", "PENDING")

    fake_batch.advance(100)

    job = describe(batch, second)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Dependent Job failed")
    assert ran == ["first"]


def test_depending_on_an_array_runs_after_the_whole_array(
    fake_batch: FakeBatch, batch: Any, calls: list[Any]
) -> None:
    batch.create_compute_environment(
        computeEnvironmentName="one",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 1, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.update_job_queue(jobQueue="q", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "one"}])
    array = submit(batch, "slow-100", arrayProperties={"size": 3})
    after = submit(batch, "after", dependsOn=[{"jobId": array}])

    for _ in range(2):
        fake_batch.advance(100)
        assert status(batch, after) == "PENDING"
    fake_batch.advance(100)

    assert status(batch, after) == "SUCCEEDED"
    assert names(calls) == ["slow-100"] * 3 + ["after"]


def test_n_to_n_child_waits_only_for_the_same_index(fake_batch: FakeBatch, batch: Any) -> None:
    start = fake_batch.clock.now_ms()
    ran: list[tuple[str, int, int]] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        assert job.array_index is not None
        ran.append((job.job_name, job.array_index, fake_batch.clock.now_ms() - start))
        if job.job_name == "extract":
            job.sleep((3 - job.array_index) * 100)  # child 2 finishes first, child 0 last

    extract = submit(batch, "extract", arrayProperties={"size": 3})
    load = submit(
        batch, "load", arrayProperties={"size": 3}, dependsOn=[{"jobId": extract, "type": "N_TO_N"}]
    )
    assert status(batch, load) == "PENDING"
    for _ in range(3):
        fake_batch.advance(100)

    assert status(batch, load) == "SUCCEEDED"
    loads = [(index, at) for name, index, at in ran if name == "load"]
    assert loads == [(2, 100_000), (1, 200_000), (0, 300_000)]


def test_sequential_runs_children_one_after_another_in_index_order(
    fake_batch: FakeBatch, batch: Any, calls: list[Any]
) -> None:
    array = submit(batch, "slow-10", arrayProperties={"size": 3}, dependsOn=[{"type": "SEQUENTIAL"}])

    statuses = []
    for _ in range(3):
        jobs = batch.describe_jobs(jobs=[f"{array}:{i}" for i in range(3)])["jobs"]
        statuses.append([j["status"] for j in jobs])
        fake_batch.advance(10)

    assert statuses == [
        ["RUNNING", "PENDING", "PENDING"],
        ["SUCCEEDED", "RUNNING", "PENDING"],
        ["SUCCEEDED", "SUCCEEDED", "RUNNING"],
    ]
    assert [index for _, index, _ in calls] == [0, 1, 2]
    assert status(batch, array) == "SUCCEEDED"


def test_sequential_failed_child_fails_the_rest(fake_batch: FakeBatch, batch: Any) -> None:
    ran: list[int | None] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        ran.append(job.array_index)
        return 1 if job.array_index == 1 else 0

    array = submit(batch, "seq", arrayProperties={"size": 4}, dependsOn=[{"type": "SEQUENTIAL"}])

    children = batch.describe_jobs(jobs=[f"{array}:{i}" for i in range(4)])["jobs"]
    assert [c["status"] for c in children] == ["SUCCEEDED", "FAILED", "FAILED", "FAILED"]
    assert [c.get("statusReason") for c in children[2:]] == ["Dependent Job failed"] * 2
    assert ran == [0, 1]
    assert status(batch, array) == "FAILED"


# -- dependsOn: bad input leaves nothing behind -------------------------------------------


def test_dependency_on_an_unknown_job_is_rejected(batch: Any) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("SubmitJob: dependsOn[0]: job 'does-not-exist' does not exist in eu-west-1"),
    ):
        submit(batch, "orphan", dependsOn=[{"jobId": "does-not-exist"}])

    assert all_job_names(batch) == []


@pytest.mark.aws_doc(
    "botocore: SubmitJobRequest.dependsOn",
    "A job can depend upon a maximum of 20 jobs.",
    family="Dependencies",
    ops=("SubmitJob",),
)
def test_more_than_20_dependencies_are_rejected(batch: Any) -> None:
    ids = [submit(batch, f"dep-{i}") for i in range(21)]

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("SubmitJob: dependsOn takes at most 20 dependencies, got 21"),
    ):
        submit(batch, "too-many", dependsOn=[{"jobId": i} for i in ids])

    assert "too-many" not in all_job_names(batch)
    assert len(all_job_names(batch)) == 21


def test_n_to_n_between_arrays_of_different_sizes_is_rejected(batch: Any) -> None:
    three = submit(batch, "three", arrayProperties={"size": 3})

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "SubmitJob: dependsOn[0]: N_TO_N needs two array jobs of the same "
            f"size (this job: 4, job '{three}': 3)"
        ),
    ):
        submit(batch, "four", arrayProperties={"size": 4}, dependsOn=[{"jobId": three, "type": "N_TO_N"}])

    assert all_job_names(batch) == ["three"]


def test_sequential_with_a_job_id_is_rejected(batch: Any) -> None:
    other = submit(batch, "other")

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("SubmitJob: dependsOn[0]: a SEQUENTIAL dependency takes no jobId"),
    ):
        submit(batch, "seq", arrayProperties={"size": 2}, dependsOn=[{"jobId": other, "type": "SEQUENTIAL"}])

    assert all_job_names(batch) == ["other"]
