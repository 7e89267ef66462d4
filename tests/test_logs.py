"""Job output through CloudWatch Logs, the way production code reads it."""

from __future__ import annotations

import time
from typing import Any

import boto3
import moto
import pytest

from pytest_fakebatch import FakeBatch, JobRun

GROUP = "/aws/batch/job"

pytestmark = pytest.mark.usefixtures("queue", "definition")


def run(batch: Any, name: str = "job", **kwargs: Any) -> dict[str, Any]:
    job_id = batch.submit_job(jobName=name, jobQueue="q", jobDefinition="work", **kwargs)["jobId"]
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


def messages(answer: dict[str, Any]) -> list[str]:
    return [e["message"] for e in answer["events"]]


@pytest.fixture
def chatty(fake_batch: FakeBatch) -> None:
    """Jobs of 'work' print five lines, one simulated second apart."""

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        for i in range(5):
            print(f"line {i}")
            job.sleep(1)


@pytest.mark.usefixtures("chatty")
def test_printed_lines_are_the_job_log_with_ms_timestamps(
    fake_batch: FakeBatch, batch: Any, logs: Any
) -> None:
    job = run(batch)
    fake_batch.advance(5)
    (job,) = batch.describe_jobs(jobs=[job["jobId"]])["jobs"]

    answer = logs.get_log_events(logGroupName=GROUP, logStreamName=job["container"]["logStreamName"])

    assert messages(answer) == [f"line {i}" for i in range(5)]
    stamps = [e["timestamp"] for e in answer["events"]]
    assert stamps == [job["startedAt"] + 1000 * i for i in range(5)]


def test_a_running_job_log_shows_the_lines_written_so_far(
    fake_batch: FakeBatch, batch: Any, logs: Any
) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        print("loading 10 files")
        job.sleep(600)
        print("all files loaded")

    job = run(batch)
    assert job["status"] == "RUNNING"
    fake_batch.advance(1)

    answer = logs.get_log_events(logGroupName=GROUP, logStreamName=job["container"]["logStreamName"])
    assert messages(answer) == ["loading 10 files"]


@pytest.mark.usefixtures("chatty")
def test_start_from_head_and_limit_page_forward(fake_batch: FakeBatch, batch: Any, logs: Any) -> None:
    stream = run(batch)["container"]["logStreamName"]
    fake_batch.advance(5)

    first = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, limit=2)
    second = logs.get_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        startFromHead=True,
        limit=2,
        nextToken=first["nextForwardToken"],
    )

    assert messages(first) == ["line 0", "line 1"]
    assert messages(second) == ["line 2", "line 3"]


@pytest.mark.usefixtures("chatty")
def test_without_start_from_head_the_latest_events_come_back(
    fake_batch: FakeBatch, batch: Any, logs: Any
) -> None:
    stream = run(batch)["container"]["logStreamName"]
    fake_batch.advance(5)

    answer = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=2)

    assert messages(answer) == ["line 3", "line 4"]


@pytest.mark.usefixtures("chatty")
def test_next_forward_token_repeats_at_the_end_of_the_stream(
    fake_batch: FakeBatch, batch: Any, logs: Any
) -> None:
    stream = run(batch)["container"]["logStreamName"]
    fake_batch.advance(5)

    read: list[str] = []
    token = None
    while True:
        kwargs = {"nextToken": token} if token else {}
        answer = logs.get_log_events(
            logGroupName=GROUP, logStreamName=stream, startFromHead=True, limit=2, **kwargs
        )
        read += messages(answer)
        if answer["nextForwardToken"] == token:
            break
        token = answer["nextForwardToken"]

    assert read == [f"line {i}" for i in range(5)]
    again = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, nextToken=token)
    assert again["events"] == []
    assert again["nextForwardToken"] == token


def test_filter_log_events_finds_lines_across_jobs(fake_batch: FakeBatch, batch: Any, logs: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        print(f"processing {job.job_name}")
        print(f"ERROR in {job.job_name}")

    first, second = run(batch, "first"), run(batch, "second")

    answer = logs.filter_log_events(logGroupName=GROUP, filterPattern="ERROR")

    assert sorted(messages(answer)) == ["ERROR in first", "ERROR in second"]
    assert {e["logStreamName"] for e in answer["events"]} == {
        first["container"]["logStreamName"],
        second["container"]["logStreamName"],
    }


def test_describe_log_streams_lists_the_job_streams(batch: Any, logs: Any) -> None:
    first, second = run(batch, "first"), run(batch, "second")

    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="work/")["logStreams"]

    assert sorted(s["logStreamName"] for s in streams) == sorted(
        [first["container"]["logStreamName"], second["container"]["logStreamName"]]
    )


def test_unknown_stream_is_resource_not_found(batch: Any, logs: Any) -> None:
    run(batch)

    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=GROUP, logStreamName="work/default/does-not-exist")


def test_awslogs_group_option_sends_the_log_there(fake_batch: FakeBatch, batch: Any, logs: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={
            "image": "worker:latest",
            "vcpus": 1,
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/custom/group"}},
        },
    )

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        print("to the custom group")

    stream = run(batch)["container"]["logStreamName"]

    answer = logs.get_log_events(logGroupName="/custom/group", logStreamName=stream)
    assert messages(answer) == ["to the custom group"]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=GROUP, logStreamName=stream)


def test_other_log_groups_pass_through_to_moto(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        print("from the job")

    with moto.mock_aws():
        logs = boto3.client("logs", region_name="eu-west-1")
        logs.create_log_group(logGroupName="/other")
        logs.create_log_stream(logGroupName="/other", logStreamName="s")
        logs.put_log_events(
            logGroupName="/other",
            logStreamName="s",
            logEvents=[{"timestamp": time.time_ns() // 1_000_000, "message": "moto"}],
        )
        stream = run(batch)["container"]["logStreamName"]

        other = logs.get_log_events(logGroupName="/other", logStreamName="s")
        job_log = logs.get_log_events(logGroupName=GROUP, logStreamName=stream)

    assert messages(other) == ["moto"]
    assert messages(job_log) == ["from the job"]
    assert not [
        c for c in fake_batch.calls if c.service == "logs" and c.params.get("logGroupName") == "/other"
    ]


def test_each_attempt_has_its_own_stream(fake_batch: FakeBatch, batch: Any, logs: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        print(f"attempt {job.attempt}")
        return 0 if job.attempt == 2 else 1

    job = run(batch, retryStrategy={"attempts": 2})

    streams = [a["container"]["logStreamName"] for a in job["attempts"]]
    assert len(set(streams)) == 2
    assert [messages(logs.get_log_events(logGroupName=GROUP, logStreamName=s)) for s in streams] == [
        ["attempt 1"],
        ["attempt 2"],
    ]
    assert job["container"]["logStreamName"] == streams[-1]
