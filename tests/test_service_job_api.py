"""The service-job operations' own checks and answers, through boto3: SubmitServiceJob's
refusals, UpdateServiceJob, ListServiceJobs filters and pages, timeouts, TerminateServiceJob(s),
and a deleted queue ending its jobs."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_operation
from service_job_calls import payload, service_queue

from pytest_fakebatch import FakeBatch, ServiceJobRun

pytestmark = needs_operation("SubmitServiceJob")


@pytest.fixture
def sq(batch: Any) -> str:
    """A SAGEMAKER_TRAINING queue 'sq' on a service environment of 4 instances."""
    return service_queue(batch)


def submit(batch: Any, name: str = "job", **extra: Any) -> str:
    extra.setdefault("serviceRequestPayload", payload())
    job_id: str = batch.submit_service_job(
        jobName=name, jobQueue="sq", serviceJobType="SAGEMAKER_TRAINING", **extra
    )["jobId"]
    return job_id


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    detail: dict[str, Any] = batch.describe_service_job(jobId=job_id)
    return detail


@needs_operation("TerminateServiceJobs")
@pytest.mark.aws_doc(
    "API: TerminateServiceJobs",
    "Terminates up to 50 service jobs in a job queue. ... Service jobs that can't be found are "
    "treated as successfully processed.",
    family="Bulk operations",
    ops=("TerminateServiceJobs",),
)
def test_terminate_service_jobs_answers_per_job(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    fake_batch.autorun = False
    ids = [submit(batch, f"j{i}") for i in range(2)]
    answer = batch.terminate_service_jobs(jobs=[*ids, "nope"], reason="cleanup")
    assert (answer["successful"], answer["errors"]) == ([*ids, "nope"], [])
    assert {describe(batch, i)["status"] for i in ids} == {"FAILED"}
    with pytest.raises(ClientError) as excinfo:
        batch.terminate_service_jobs(jobs=[f"j{i}" for i in range(51)], reason="cleanup")
    assert "jobs takes 1 to 50 service job ids, got 51" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        batch.terminate_service_job(jobId="nope", reason="x")


@pytest.mark.aws_doc(
    "botocore: SubmitServiceJobRequest",
    "jobQueue ... The job queue must have the type SAGEMAKER_TRAINING. ... shareIdentifier ... Don't "
    "specify this parameter if the job queue doesn't have a fair-share scheduling policy.",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_submit_checks(batch: Any, sq: str, queue: str, definition: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        submit(batch, serviceRequestPayload="not json")
    assert "serviceRequestPayload must be a JSON object" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        submit(batch, schedulingPriority=10_000)
    assert "schedulingPriority must be between 0 and 9999" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        submit(batch, shareIdentifier="a")
    assert "fair-share" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        batch.submit_service_job(
            jobName="x", jobQueue=queue, serviceJobType="SAGEMAKER_TRAINING", serviceRequestPayload=payload()
        )
    assert f"job queue '{queue}' runs container jobs" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        batch.submit_job(jobName="x", jobQueue=sq, jobDefinition=definition)
    assert "submit to it with SubmitServiceJob" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        batch.describe_service_job(jobId="nope")
    assert "service job 'nope' does not exist" in excinfo.value.response["Error"]["Message"]


@needs_operation("UpdateServiceJob")
@pytest.mark.aws_doc(
    "botocore: UpdateServiceJob",
    "Updates the priority of a specified service job in an Batch job queue.",
    family="Service jobs",
    ops=("UpdateServiceJob", "DescribeServiceJob"),
)
def test_update_service_job_priority(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    fake_batch.autorun = False
    job_id = submit(batch)
    answer = batch.update_service_job(jobId=job_id, schedulingPriority=50)
    assert answer["jobId"] == job_id
    assert describe(batch, job_id)["schedulingPriority"] == 50
    fake_batch.run_until_idle()
    with pytest.raises(ClientError) as excinfo:
        batch.update_service_job(jobId=job_id, schedulingPriority=1)
    assert "is SUCCEEDED" in excinfo.value.response["Error"]["Message"]


@pytest.mark.aws_doc(
    "botocore: ListServiceJobsRequest",
    "If you don't specify a status, only RUNNING jobs are returned. ... JOB_NAME The value of the filter is "
    "a case-insensitive match for the job name. If the value ends with an asterisk (*), the filter matches "
    "any job name that begins with the string before the '*'. ... The results are sorted by the createdAt "
    "field, with the most recent jobs being first.",
    family="Service jobs",
    ops=("ListServiceJobs",),
)
def test_list_service_jobs_filters_and_pages(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    ids = []
    for i in range(5):
        ids.append(submit(batch, f"Train-{i}"))
        fake_batch.clock.advance(1)
    submit(batch, "other")
    assert batch.list_service_jobs(jobQueue=sq)["jobSummaryList"] == []  # none RUNNING
    done = batch.list_service_jobs(jobQueue=sq, jobStatus="SUCCEEDED")["jobSummaryList"]
    assert len(done) == 6
    assert done[0]["jobName"] == "other"
    pages = batch.get_paginator("list_service_jobs").paginate(
        jobQueue=sq, filters=[{"name": "JOB_NAME", "values": ["train*"]}], PaginationConfig={"PageSize": 2}
    )
    listed = [page["jobSummaryList"] for page in pages]
    assert [len(p) for p in listed] == [2, 2, 1]
    assert [j["jobId"] for p in listed for j in p] == ids[::-1]
    created = describe(batch, ids[2])["createdAt"]
    before = batch.list_service_jobs(
        jobQueue=sq, filters=[{"name": "BEFORE_CREATED_AT", "values": [str(created)]}]
    )["jobSummaryList"]
    assert [j["jobId"] for j in before] == ids[1::-1]
    with pytest.raises(ClientError) as excinfo:
        batch.list_service_jobs(jobQueue=sq, filters=[{"name": "JOB_DEFINITION", "values": ["x"]}])
    assert "filters[0].name must be one of" in excinfo.value.response["Error"]["Message"]


def test_deleting_the_queue_ends_its_service_jobs(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    @fake_batch.service_handler("*")
    def slow(job: ServiceJobRun) -> None:
        job.sleep(1000)

    job_id = submit(batch)
    batch.update_job_queue(jobQueue=sq, state="DISABLED")
    with pytest.raises(ClientError):
        submit(batch)
    batch.delete_job_queue(jobQueue=sq)
    assert describe(batch, job_id)["status"] == "FAILED"


@pytest.mark.aws_doc(
    "botocore: ServiceJobTimeout",
    "attemptDurationSeconds ... The maximum duration in seconds that a service job attempt can run. After "
    "this time is reached, Batch terminates the service job attempt.",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
@pytest.mark.aws_doc(
    "botocore: TerminateServiceJobRequest",
    "reason ... A message to attach to the service job that explains the reason for terminating it. This "
    "message is returned by DescribeServiceJob operations on the service job.",
    family="Service jobs",
    ops=("TerminateServiceJob", "DescribeServiceJob"),
)
def test_timeouts_and_terminate(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    @fake_batch.service_handler("*")
    def slow(job: ServiceJobRun) -> None:
        job.sleep(3600)

    timed = submit(
        batch, "timed", timeoutConfig={"attemptDurationSeconds": 60}, retryStrategy={"attempts": 2}
    )
    stopped = submit(batch, "stopped")
    assert describe(batch, stopped)["status"] == "RUNNING"
    batch.terminate_service_job(jobId=stopped, reason="not needed")
    job = describe(batch, stopped)
    assert (job["status"], job["statusReason"], job["isTerminated"]) == ("FAILED", "not needed", True)
    assert "isTerminated" not in describe(batch, timed)
    fake_batch.advance(60)
    job = describe(batch, timed)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Job attempt duration exceeded timeout")
    assert job["stoppedAt"] - job["startedAt"] == 60_000
    assert len(job["attempts"]) == 1
