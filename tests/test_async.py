"""Async clients: aiobotocore and aioboto3 are answered by the fake exactly as boto3 is.

These tests need the ``async`` extra (``pip install -e ".[async]"``); tox's ``async`` env and
CI run them. Without aiobotocore they are skipped, and say so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from pytest_fakebatch import FakeBatch, JobRun

aiobotocore_session = pytest.importorskip("aiobotocore.session", reason="needs the async extra")
aioboto3 = pytest.importorskip("aioboto3", reason="needs the async extra")
pytest_asyncio = pytest.importorskip("pytest_asyncio", reason="needs the async extra")

REGION = "eu-west-1"
pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def batch(fake_batch: FakeBatch) -> AsyncIterator[Any]:
    """An aiobotocore Batch client with a queue 'q' and a definition 'work' (image worker:latest)."""
    session = aiobotocore_session.get_session()
    async with session.create_client("batch", region_name=REGION) as client:
        await client.create_compute_environment(
            computeEnvironmentName="ce",
            type="MANAGED",
            computeResources={"type": "EC2", "maxvCpus": 16, "subnets": ["subnet-1"]},
        )
        await client.create_job_queue(
            jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
        await client.register_job_definition(
            jobDefinitionName="work",
            type="container",
            containerProperties={"image": "worker:latest", "command": ["run"], "vcpus": 1, "memory": 512},
        )
        yield client


async def wait_for(batch: Any, job_id: str) -> dict[str, Any]:
    """Poll with await until the job is done, as production code would (no sleep needed)."""
    for _ in range(10):
        (job,) = (await batch.describe_jobs(jobs=[job_id]))["jobs"]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
    raise AssertionError(f"job {job_id} did not finish: {job['status']}")


async def test_an_array_submitted_with_await_runs_every_child(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        return 3 if job.env["AWS_BATCH_JOB_ARRAY_INDEX"] == "2" else 0

    job_id = (
        await batch.submit_job(jobName="fan", jobQueue="q", jobDefinition="work", arrayProperties={"size": 4})
    )["jobId"]

    parent = await wait_for(batch, job_id)

    assert parent["status"] == "FAILED"
    summary = parent["arrayProperties"]["statusSummary"]
    assert (summary["SUCCEEDED"], summary["FAILED"]) == (3, 1)
    (failed,) = (await batch.describe_jobs(jobs=[f"{job_id}:2"]))["jobs"]
    assert failed["container"]["exitCode"] == 3


async def test_async_paginators_walk_every_page(batch: Any) -> None:
    submitted = {
        (await batch.submit_job(jobName=f"j{i}", jobQueue="q", jobDefinition="work"))["jobId"]
        for i in range(7)
    }

    pages = batch.get_paginator("list_jobs").paginate(
        jobQueue="q", jobStatus="SUCCEEDED", PaginationConfig={"PageSize": 3}
    )
    listed = [job["jobId"] async for page in pages for job in page["jobSummaryList"]]

    assert sorted(listed) == sorted(submitted)
    assert len(listed) == len(submitted)


async def test_job_output_is_read_through_async_logs(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        print("hello from", job.job_name)

    job_id = (await batch.submit_job(jobName="greeter", jobQueue="q", jobDefinition="work"))["jobId"]
    job = await wait_for(batch, job_id)

    session = aiobotocore_session.get_session()
    async with session.create_client("logs", region_name=REGION) as logs:
        answer = await logs.get_log_events(
            logGroupName="/aws/batch/job", logStreamName=job["container"]["logStreamName"]
        )

    assert [e["message"] for e in answer["events"]] == ["hello from greeter"]


async def test_errors_are_the_modelled_client_exception(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="job queue 'nightly' does not exist"):
        await batch.submit_job(jobName="j", jobQueue="nightly", jobDefinition="work")


async def test_aioboto3_clients_are_answered_too(fake_batch: FakeBatch, batch: Any) -> None:
    ran: list[str] = []

    @fake_batch.handler("worker:*")
    def work(job: JobRun) -> None:
        ran.append(job.job_id)

    async with aioboto3.Session().client("batch", region_name=REGION) as client:
        job_id = (await client.submit_job(jobName="j", jobQueue="q", jobDefinition="work"))["jobId"]
        job = await wait_for(client, job_id)

    assert job["status"] == "SUCCEEDED"
    assert ran == [job_id]


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
async def test_a_throttle_is_a_429_that_an_async_clients_retries_get_past(
    fake_batch: FakeBatch, mode: str
) -> None:
    from aiobotocore.config import AioConfig
    from botocore.exceptions import ClientError

    fake_batch.faults.throttle("DescribeJobQueues", times=3)
    session = aiobotocore_session.get_session()
    once = AioConfig(retries={"total_max_attempts": 1})
    retrying = AioConfig(retries={"mode": mode, "total_max_attempts": 4})
    async with session.create_client("batch", region_name=REGION, config=once) as client:
        with pytest.raises(ClientError) as raised:
            await client.describe_job_queues()
    async with session.create_client("batch", region_name=REGION, config=retrying) as client:
        answer = await client.describe_job_queues()

    error = raised.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (
        429,
        "TooManyRequestsException",
    )
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert [c.error for c in fake_batch.calls] == ["TooManyRequestsException"] * 3 + [None]
