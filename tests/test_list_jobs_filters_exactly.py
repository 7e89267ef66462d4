"""ListJobs' filters through boto3, at their edges: a prefix is everything before the '*', an
exact value never matches as a prefix, a job created at the filter's instant is neither before
nor after it, and each malformed filter is refused with the exact message. Written to kill the
mutants mutmut left alive in ListJobs' filters (``api/container_jobs/jobs.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from job_calls import submit

from pytest_fakebatch import FakeBatch

pytestmark = pytest.mark.usefixtures("queue")


def _listed(batch: Any, name: str, value: str, **extra: Any) -> list[str]:
    answer = batch.list_jobs(jobQueue="q", filters=[{"name": name, "values": [value]}], **extra)
    return [s["jobName"] for s in answer["jobSummaryList"]]


def _register(batch: Any, name: str) -> None:
    batch.register_job_definition(
        jobDefinitionName=name, type="container", containerProperties={"image": f"{name}:1", "vcpus": 1}
    )


def test_a_job_definition_prefix_is_everything_before_the_star(batch: Any) -> None:
    for name in ("work", "worker", "world"):
        _register(batch, name)
        submit(batch, f"job-{name}", jobDefinition=name)

    assert sorted(_listed(batch, "JOB_DEFINITION", "work*")) == ["job-work", "job-worker"]
    assert _listed(batch, "JOB_DEFINITION", "work") == ["job-work"]  # exact: not a prefix
    assert _listed(batch, "JOB_DEFINITION", "worker:1") == ["job-worker"]


@pytest.fixture
def fair_queue(batch: Any) -> str:
    arn = batch.create_scheduling_policy(name="fair", fairsharePolicy={"shareDecaySeconds": 0})["arn"]
    batch.create_job_queue(
        jobQueueName="fair",
        priority=1,
        schedulingPolicyArn=arn,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
    )
    return "fair"


def test_a_share_identifier_prefix_is_everything_before_the_star(batch: Any, fair_queue: str) -> None:
    _register(batch, "work")
    for share in ("teamA", "teamB", "teal", "tools", "other"):
        submit(batch, f"job-{share}", jobQueue=fair_queue, shareIdentifier=share)

    def listed(value: str) -> list[str]:
        filters = [{"name": "SHARE_IDENTIFIER", "values": [value]}]
        summaries = batch.list_jobs(jobQueue=fair_queue, filters=filters)["jobSummaryList"]
        return sorted(s["jobName"] for s in summaries)

    assert listed("team*") == ["job-teamA", "job-teamB"]
    assert listed("tools") == ["job-tools"]


def test_a_job_created_at_the_filters_instant_is_neither_before_nor_after_it(
    fake_batch: FakeBatch, batch: Any
) -> None:
    _register(batch, "work")
    submit(batch, "early")
    fake_batch.advance(1)
    at = fake_batch.clock.now_ms()
    submit(batch, "exact")
    fake_batch.advance(1)
    submit(batch, "late")

    assert _listed(batch, "BEFORE_CREATED_AT", str(at)) == ["early"]
    assert _listed(batch, "AFTER_CREATED_AT", str(at)) == ["late"]


def _refusal(batch: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as refused:
        batch.list_jobs(**params)
    assert refused.value.response["Error"]["Code"] == "ClientException"
    message: str = refused.value.response["Error"]["Message"]
    return message


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            [{"name": "JOB_STATUS", "values": ["RUNNING"]}],
            "ListJobs: filters[0].name must be one of JOB_NAME, JOB_DEFINITION, BEFORE_CREATED_AT, "
            "AFTER_CREATED_AT, SHARE_IDENTIFIER, got 'JOB_STATUS'",
        ),
        (
            [{"name": "JOB_NAME", "values": ["a", "b"]}],
            "ListJobs: filters[0].values must hold exactly one string",
        ),
        (
            [{"name": "JOB_NAME", "values": []}],
            "ListJobs: filters[0].values must hold exactly one string",
        ),
        (
            [{"name": "AFTER_CREATED_AT", "values": ["yesterday-" + "9" * 50]}],
            "ListJobs: filter AFTER_CREATED_AT takes a time in epoch milliseconds, "
            "got 'yesterday-999999999999999999999999999999'",
        ),
        (
            [{"name": "JOB_NAME", "values": ["a"]}, {"name": "JOB_NAME", "values": ["b"]}],
            "ListJobs: only one filter can be used at a time, got 2",
        ),
    ],
    ids=["unknown-name", "two-values", "no-value", "not-a-time", "two-filters"],
)
def test_a_malformed_filter_is_refused_saying_what_is_allowed(
    batch: Any, filters: list[dict[str, Any]], message: str
) -> None:
    assert _refusal(batch, jobQueue="q", filters=filters) == message


def test_listing_needs_exactly_one_of_queue_array_and_multi_node_job(batch: Any) -> None:
    both = _refusal(batch, jobQueue="q", arrayJobId="a")
    neither = _refusal(batch)

    assert both == (
        "ListJobs: give exactly one of jobQueue, arrayJobId and multiNodeJobId "
        "(got ['jobQueue', 'arrayJobId'])"
    )
    assert neither == "ListJobs: give exactly one of jobQueue, arrayJobId and multiNodeJobId (got none)"
