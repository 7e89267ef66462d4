"""ListJobs pagination through boto3: complete, stable while jobs come and go, O(jobs) overall.

A nextToken holds the position of the last job answered, so the next page continues after it:
jobs submitted between pages (newer than every job listed) are not listed by that walk, and a
job that changed status after it was passed is not listed again. A token is accepted only with
the request that returned it (maxResults aside).
"""

from __future__ import annotations

from typing import Any

import pytest

import pytest_fakebatch.api.container_jobs.jobs
from pytest_fakebatch import FakeBatch

pytestmark = pytest.mark.usefixtures("queue", "definition")


def submit(batch: Any, name: str, **kwargs: Any) -> str:
    return batch.submit_job(jobName=name, jobQueue="q", jobDefinition="work", **kwargs)["jobId"]


def pages(batch: Any, **kwargs: Any) -> list[list[str]]:
    """Every page of a listing, as job ids, through boto3's paginator."""
    return [
        [j["jobId"] for j in page["jobSummaryList"]]
        for page in batch.get_paginator("list_jobs").paginate(**kwargs)
    ]


def test_a_full_listing_is_exactly_the_queues_jobs_newest_first(fake_batch: FakeBatch, batch: Any) -> None:
    ids = [submit(batch, f"job-{i}") for i in range(23)]

    listed = pages(batch, jobQueue="q", jobStatus="SUCCEEDED", PaginationConfig={"PageSize": 5})

    assert [len(p) for p in listed] == [5, 5, 5, 5, 3]
    assert [i for p in listed for i in p] == ids[::-1]


def test_jobs_submitted_between_pages_are_neither_repeated_nor_cause_skips(batch: Any) -> None:
    ids = [submit(batch, f"old-{i}") for i in range(10)]
    first = batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED", maxResults=4)
    for i in range(5):
        submit(batch, f"new-{i}")

    rest = pages(
        batch,
        jobQueue="q",
        jobStatus="SUCCEEDED",
        PaginationConfig={"PageSize": 4, "StartingToken": first["nextToken"]},
    )

    listed = [j["jobId"] for j in first["jobSummaryList"]] + [i for p in rest for i in p]
    assert listed == ids[::-1]


def test_the_next_page_continues_after_the_tokens_job_even_if_it_no_longer_matches(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.autorun = False  # the jobs stay SUBMITTED until cancelled
    ids = [submit(batch, f"job-{i}") for i in range(6)]
    first = batch.list_jobs(jobQueue="q", jobStatus="SUBMITTED", maxResults=3)
    assert [j["jobId"] for j in first["jobSummaryList"]] == ids[5:2:-1]

    batch.cancel_job(jobId=ids[3], reason="the token's job")  # SUBMITTED -> FAILED
    batch.cancel_job(jobId=ids[1], reason="not passed yet")
    second = batch.list_jobs(jobQueue="q", jobStatus="SUBMITTED", maxResults=3, nextToken=first["nextToken"])

    assert [j["jobId"] for j in second["jobSummaryList"]] == [ids[2], ids[0]]
    assert "nextToken" not in second


@pytest.mark.parametrize(
    "other",
    [
        {"jobQueue": "other", "jobStatus": "SUCCEEDED"},
        {"jobQueue": "q", "jobStatus": "FAILED"},
        {"jobQueue": "q", "filters": [{"name": "JOB_NAME", "values": ["job*"]}]},
    ],
)
def test_a_token_is_refused_by_another_query(batch: Any, other: dict[str, Any]) -> None:
    batch.create_job_queue(
        jobQueueName="other", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    for i in range(3):
        submit(batch, f"job-{i}")
    token = batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED", maxResults=1)["nextToken"]

    with pytest.raises(batch.exceptions.ClientException, match="nextToken was returned for another"):
        batch.list_jobs(maxResults=1, nextToken=token, **other)


@pytest.mark.parametrize("token", ["garbage", "W10=", "WyJMaXN0Sm9icyIsICJ4IiwgWyJhIl1d"])
def test_a_token_this_operation_did_not_issue_is_refused(batch: Any, token: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="ListJobs: nextToken is not a token"):
        batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED", nextToken=token)


def test_a_token_of_another_operation_is_refused(batch: Any) -> None:
    for name in ("a", "b"):
        batch.create_job_queue(
            jobQueueName=name, priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
    token = batch.describe_job_queues(maxResults=1)["nextToken"]

    with pytest.raises(batch.exceptions.ClientException, match="ListJobs: nextToken is not a token"):
        batch.list_jobs(jobQueue="q", jobStatus="SUCCEEDED", nextToken=token)


def test_array_children_page_in_index_order(batch: Any) -> None:
    parent = submit(batch, "array", arrayProperties={"size": 25})

    listed = pages(batch, arrayJobId=parent, jobStatus="SUCCEEDED", PaginationConfig={"PageSize": 10})

    assert [len(p) for p in listed] == [10, 10, 5]
    assert [i for p in listed for i in p] == [f"{parent}:{i}" for i in range(25)]


def test_array_children_filtered_by_status_page_in_index_order(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def odd_fail(job: Any) -> int:
        return int(job.array_index % 2)

    parent = submit(batch, "array", arrayProperties={"size": 12})

    failed = pages(batch, arrayJobId=parent, jobStatus="FAILED", PaginationConfig={"PageSize": 4})

    assert failed == [[f"{parent}:{i}" for i in (1, 3, 5, 7)], [f"{parent}:{i}" for i in (9, 11)]]


def test_a_full_listing_looks_at_each_job_a_bounded_number_of_times(
    batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(200):
        submit(batch, f"job-{i}")
    looked = 0
    real = pytest_fakebatch.api.container_jobs.jobs.observed_status

    def counting(job: Any) -> str:
        nonlocal looked
        looked += 1
        return real(job)

    monkeypatch.setattr(pytest_fakebatch.api.container_jobs.jobs, "observed_status", counting)

    listed = pages(batch, jobQueue="q", jobStatus="SUCCEEDED", PaginationConfig={"PageSize": 10})

    assert sum(len(p) for p in listed) == 200
    assert looked <= 2 * 200  # each job once, plus one look ahead per page; not once per page
