"""A job's lifecycle through boto3: statuses, timestamps, attempts, exit codes, capacity, inspection."""

from __future__ import annotations

import time
from typing import Any

import pytest
from job_calls import describe, run, submit

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")

TERMINAL = ("SUCCEEDED", "FAILED")


def small_queue(batch: Any, max_vcpus: int) -> str:
    """A queue 'small' on its own compute environment with ``max_vcpus``."""
    batch.create_compute_environment(
        computeEnvironmentName="small-ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": max_vcpus, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.create_job_queue(
        jobQueueName="small",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "small-ce"}],
    )
    return "small"


# -- lifecycle ----------------------------------------------------------------------------


def test_job_has_succeeded_by_the_first_describe(batch: Any) -> None:
    job = run(batch)

    assert job["status"] == "SUCCEEDED"
    assert job["container"]["exitCode"] == 0


def test_polling_loop_ends_on_the_first_poll(batch: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleeping(seconds: float) -> None:
        pytest.fail(f"time.sleep({seconds}) was called: the job was not finished on the first poll")

    monkeypatch.setattr(time, "sleep", no_sleeping)
    job_id = submit(batch)

    status = describe(batch, job_id)["status"]
    while status not in TERMINAL:
        time.sleep(5)
        status = describe(batch, job_id)["status"]

    assert status == "SUCCEEDED"


def test_stepping_shows_every_status_in_order(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    job_id = submit(batch)

    seen = [describe(batch, job_id)["status"]]
    while fake_batch.step():
        seen.append(describe(batch, job_id)["status"])

    assert seen == ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]


def test_timestamps_are_ordered(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(30)

    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNING"
    fake_batch.advance(30)

    job = describe(batch, job_id)
    assert job["createdAt"] <= job["startedAt"] < job["stoppedAt"]
    assert job["stoppedAt"] - job["startedAt"] == 30_000


def test_advance_right_after_submit_counts_from_the_submission(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(30)

    job_id = submit(batch)
    fake_batch.advance(30)

    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["stoppedAt"] - job["createdAt"] == 30_000


def test_attempt_records_exit_code_stream_and_reason(batch: Any) -> None:
    job = run(batch)

    (attempt,) = job["attempts"]
    assert attempt["container"]["exitCode"] == 0
    assert attempt["container"]["logStreamName"] == job["container"]["logStreamName"]
    assert attempt["container"]["logStreamName"].startswith("work/default/")
    assert attempt["statusReason"] == "Essential container in task exited"
    assert attempt["startedAt"] <= attempt["stoppedAt"]


def test_nonzero_exit_code_fails_the_job(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        return 3

    job = run(batch)

    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 3
    assert job["attempts"][0]["container"]["exitCode"] == 3


def test_handler_raising_fails_the_job_with_its_error(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        raise ValueError("shard 7 is corrupt")

    job_id = submit(batch)

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert "shard 7 is corrupt" in job["statusReason"]
    output = fake_batch.job(job_id).output
    assert output[0] == "Traceback (most recent call last):"
    assert output[-1] == "ValueError: shard 7 is corrupt"


def test_default_exit_code_applies_to_jobs_without_handler(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.default_exit_code = 1

    job = run(batch)

    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 1


def test_container_environment_names_the_job_attempt_queue_and_environment(
    batch: Any, runs: list[JobRun]
) -> None:
    job = run(batch)

    env = runs[0].env
    assert env["AWS_BATCH_JOB_ID"] == job["jobId"]
    assert env["AWS_BATCH_JOB_ATTEMPT"] == "1"
    assert env["AWS_BATCH_JQ_NAME"] == "q"
    assert env["AWS_BATCH_CE_NAME"] == "ce"


# -- capacity -----------------------------------------------------------------------------


def test_jobs_beyond_max_vcpus_wait_runnable(fake_batch: FakeBatch, batch: Any) -> None:
    small_queue(batch, max_vcpus=2)

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(100)

    ids = [submit(batch, f"job-{i}", jobQueue="small") for i in range(3)]

    assert [describe(batch, i)["status"] for i in ids] == ["RUNNING", "RUNNING", "RUNNABLE"]
    fake_batch.advance(100)
    assert [describe(batch, i)["status"] for i in ids] == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]
    fake_batch.advance(100)
    assert [describe(batch, i)["status"] for i in ids] == ["SUCCEEDED"] * 3


# -- inspection without boto3 -------------------------------------------------------------


def test_jobs_and_job_inspect_without_boto3(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(job_name="bad")
    def bad(job: JobRun) -> int:
        print("giving up")
        return 2

    good, failed = submit(batch, "good"), submit(batch, "bad")
    batch.describe_jobs(jobs=[good, failed])

    assert [j.id for j in fake_batch.jobs()] == [good, failed]
    assert [j.id for j in fake_batch.jobs(status="FAILED")] == [failed]
    info = fake_batch.job(failed)
    assert (info.name, info.status, info.exit_code, info.attempts) == ("bad", "FAILED", 2, 1)
    assert (info.queue, info.definition, info.region) == ("q", "work:1", "eu-west-1")
    assert info.output == ["giving up"]
    with pytest.raises(KeyError):
        fake_batch.job("no-such-job")


def test_inspection_right_after_submit_sees_the_job_run(
    fake_batch: FakeBatch, batch: Any, runs: list[JobRun]
) -> None:
    job_id = submit(batch)

    assert fake_batch.job(job_id).status == "SUCCEEDED"
    assert len(runs) == 1


def test_calls_record_requests_and_errors(fake_batch: FakeBatch, batch: Any) -> None:
    submit(batch, "ok")
    with pytest.raises(batch.exceptions.ClientException):
        submit(batch, "broken", jobQueue="nightly")

    submits = [c for c in fake_batch.calls if c.operation == "SubmitJob"]
    assert [(c.service, c.params["jobName"], c.error) for c in submits] == [
        ("batch", "ok", None),
        ("batch", "broken", "ClientException"),
    ]
    assert all(c.region == "eu-west-1" for c in submits)


# -- found in review: each of these once broke the fake or differed from AWS ---------------


def test_a_running_job_sees_itself_running(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    seen: list[str] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        seen.append(batch.describe_jobs(jobs=[job.job_id])["jobs"][0]["status"])

    batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition)

    assert seen == ["RUNNING"]
