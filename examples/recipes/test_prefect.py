"""Recipe: prefect-aws's ``batch_submit`` (and ``abatch_submit``) in a Prefect flow.

``prefect_test_harness`` runs the flows against a throwaway Prefect server and database; the
fake answers the ``batch`` client that prefect-aws makes from ``AwsCredentials``. prefect-aws
only submits, so the flow waits for the job with boto3 (from the same credentials): against the
fake the first DescribeJobs already sees the job finished.

Run with ``tox -e recipe-prefect``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from prefect import flow, task
from prefect.testing.utilities import prefect_test_harness
from tool_api import tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("prefect", "prefect-aws")

with tool_api("prefect-aws", "prefect_aws.batch.batch_submit / abatch_submit", written_for="0.7"):
    from prefect_aws import AwsCredentials
    from prefect_aws.batch import abatch_submit, batch_submit

CREDENTIALS = AwsCredentials(region_name="eu-west-1")  # the fake needs no real keys


@pytest.fixture(scope="module", autouse=True)
def prefect_server() -> Iterator[None]:
    """One throwaway Prefect server for the module's flows (it takes seconds to start)."""
    with prefect_test_harness(server_startup_timeout=120):  # a busy CI machine is slow to start it
        yield


@pytest.fixture(autouse=True)
def report_image(fake_batch: FakeBatch, batch_queue: str) -> None:
    """The job definition 'report' and what its image does: fail on a day with no data."""
    CREDENTIALS.get_boto3_session().client("batch").register_job_definition(
        jobDefinitionName="report",
        type="container",
        parameters={"day": "today"},
        containerProperties={
            "image": "report:3",
            "command": ["report", "--day", "Ref::day"],
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
        },
    )

    @fake_batch.handler("report:*")
    def report(job: JobRun) -> int:
        day = job.command[-1]
        print(f"report for {day}")
        return 2 if day == "holiday" else 0


@task
def wait_for_job(job_id: str, credentials: AwsCredentials) -> str:
    """Poll DescribeJobs until the job ends; its status, or an error when it FAILED."""
    batch = credentials.get_boto3_session().client("batch")
    while (job := batch.describe_jobs(jobs=[job_id])["jobs"][0])["status"] not in ("SUCCEEDED", "FAILED"):
        time.sleep(10)  # never reached against the fake: calls move its jobs
    if job["status"] == "FAILED":
        raise RuntimeError(f"Batch job {job_id} failed: {job['statusReason']}")
    return job_id


@flow
def nightly_report(day: str) -> str:
    job_id = batch_submit("nightly-report", "recipes", "report", CREDENTIALS, parameters={"day": day})
    return wait_for_job(job_id, CREDENTIALS)


@flow
async def nightly_report_async(day: str) -> str:
    job_id = await abatch_submit("nightly-report", "recipes", "report", CREDENTIALS, parameters={"day": day})
    return wait_for_job(job_id, CREDENTIALS)


def test_the_flow_submits_and_waits(fake_batch: FakeBatch) -> None:
    job_id = nightly_report("2026-04-01")

    job = fake_batch.job(job_id)
    assert (job.status, job.output) == ("SUCCEEDED", ["report for 2026-04-01"])


def test_a_failed_job_fails_the_flow(fake_batch: FakeBatch) -> None:
    state = nightly_report("holiday", return_state=True)

    assert state.is_failed()
    (job,) = fake_batch.jobs()
    assert (job.status, job.exit_code) == ("FAILED", 2)


def test_the_async_task_submits_from_a_worker_thread(fake_batch: FakeBatch) -> None:
    job_id = asyncio.run(nightly_report_async("2026-04-02"))

    assert fake_batch.job(job_id).output == ["report for 2026-04-02"]
