"""Ending jobs through boto3: CancelJob, TerminateJob, and deleting their queue."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from job_calls import describe, submit

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")


def test_cancel_runnable_job_fails_it(batch: Any) -> None:
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNABLE"

    batch.cancel_job(jobId=job_id, reason="superseded by a newer run")

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["isCancelled"] is True
    assert job["statusReason"] == "superseded by a newer run"
    assert job["attempts"] == []


@pytest.mark.usefixtures("sleeper")
def test_cancel_leaves_a_running_job_running(fake_batch: FakeBatch, batch: Any) -> None:
    job_id = submit(batch)

    batch.cancel_job(jobId=job_id, reason="too late")

    job = describe(batch, job_id)
    assert job["status"] == "RUNNING"
    assert job["isCancelled"] is False
    fake_batch.advance(600)
    assert describe(batch, job_id)["status"] == "SUCCEEDED"


def test_cancel_finished_job_succeeds_quietly(batch: Any) -> None:
    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "SUCCEEDED"

    batch.cancel_job(jobId=job_id, reason="cleanup")

    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["isCancelled"] is False


def test_cancel_needs_a_reason(batch: Any) -> None:
    job_id = submit(batch)

    with pytest.raises((ParamValidationError, batch.exceptions.ClientException)):
        batch.cancel_job(jobId=job_id)


# -- TerminateJob -------------------------------------------------------------------------


@pytest.mark.usefixtures("sleeper")
def test_terminate_running_job_fails_it(batch: Any) -> None:
    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNING"

    batch.terminate_job(jobId=job_id, reason="operator stopped it")

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["isTerminated"] is True
    assert job["statusReason"] == "operator stopped it"
    assert "stoppedAt" in job


def test_terminate_finished_job_succeeds_quietly(batch: Any) -> None:
    job_id = submit(batch)

    batch.terminate_job(jobId=job_id, reason="cleanup")

    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["isTerminated"] is False


# -- found in review: each of these once broke the fake or differed from AWS ---------------


def test_a_cancelled_pending_job_fails_once_its_dependencies_complete(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(job_name="first")
    def slow(job: JobRun) -> None:
        job.sleep(60)

    first = batch.submit_job(jobName="first", jobQueue=queue, jobDefinition=definition)["jobId"]
    second = batch.submit_job(
        jobName="second", jobQueue=queue, jobDefinition=definition, dependsOn=[{"jobId": first}]
    )["jobId"]

    batch.cancel_job(jobId=second, reason="not needed")

    assert batch.describe_jobs(jobs=[second])["jobs"][0]["status"] == "PENDING"
    fake_batch.advance(60)
    detail = batch.describe_jobs(jobs=[second])["jobs"][0]
    assert (detail["status"], detail["statusReason"], detail["isCancelled"]) == ("FAILED", "not needed", True)
    assert detail["attempts"] == []


def test_deleting_a_queue_ends_its_jobs(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    running = batch.submit_job(jobName="running", jobQueue=queue, jobDefinition=definition)["jobId"]
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    waiting = batch.submit_job(jobName="waiting", jobQueue=queue, jobDefinition=definition)["jobId"]
    batch.update_job_queue(jobQueue=queue, state="DISABLED")

    batch.delete_job_queue(jobQueue=queue)

    jobs = {j["jobName"]: j for j in batch.describe_jobs(jobs=[running, waiting])["jobs"]}
    assert jobs["running"]["status"] == "FAILED"
    assert jobs["running"]["isTerminated"] is True
    assert jobs["waiting"]["status"] == "FAILED"
    assert jobs["waiting"]["statusReason"] == "Job queue q was deleted"
