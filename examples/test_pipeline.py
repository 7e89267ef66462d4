"""Testing pipeline.py with pytest-fakebatch: the real Batch control flow, no AWS, no Docker.

The handlers below stand in for the two container images. Each test runs the production
code unchanged; only ``time.sleep`` is pointed at the fake's clock so polling is instant.
"""

from __future__ import annotations

import time

import boto3
import pipeline
import pytest

from pytest_fakebatch import Exit, FakeBatch, JobRun

RECORDS = [120, 80, 95, 105]  # records per input shard


@pytest.fixture(autouse=True)
def containers(fake_batch: FakeBatch, batch_environment: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the images do: each shard counts its records in a minute, the reducer adds them up.

    Returns the job names the reducer ran for. Polling sleeps move the fake's clock instead.
    """
    monkeypatch.setattr(time, "sleep", fake_batch.advance)
    counted: dict[int, int] = {}  # what S3 holds between the two stages
    reduced: list[str] = []

    @fake_batch.handler(definition="shard-worker")
    def shard(job: JobRun) -> None:
        index = int(job.env["AWS_BATCH_JOB_ARRAY_INDEX"])
        job.sleep(60)
        counted[index] = RECORDS[index]
        print(f"shard {index}: {RECORDS[index]} records")

    @fake_batch.handler(definition="reducer")
    def reduce(job: JobRun) -> None:
        reduced.append(job.job_name)
        print(f"dataset {job.command[-1]}: {sum(counted.values())} records in {len(counted)} shards")

    return reduced


def test_pipeline_reduces_every_shard() -> None:
    output = pipeline.run_pipeline("orders", shards=4)

    assert output == ["dataset orders: 400 records in 4 shards"]


def test_shards_run_two_at_a_time_on_the_queue(fake_batch: FakeBatch) -> None:
    fake_batch.clock.freeze()
    started = fake_batch.clock.now_ms()

    pipeline.run_pipeline("orders", shards=4)

    # 4 one-minute shards on 2 vCPUs take two minutes, then the reducer runs
    reduce_job = next(j for j in fake_batch.jobs() if j.name == "orders-reduce")
    (described,) = boto3.client("batch").describe_jobs(jobs=[reduce_job.id])["jobs"]
    assert described["startedAt"] - started == 120_000


def test_a_spot_reclaim_is_retried(fake_batch: FakeBatch, containers: list[str]) -> None:
    @fake_batch.handler(definition="shard-worker")
    def reclaimed_once(job: JobRun) -> Exit | None:
        if job.array_index == 1 and job.attempt == 1:
            return Exit(code=None, status_reason="Host EC2 (instance i-0abc) terminated.")
        return None

    pipeline.run_pipeline("orders", shards=4)

    shards = {j.array_index: j for j in fake_batch.jobs() if j.array_index is not None}
    assert [shards[i].attempts for i in range(4)] == [1, 2, 1, 1]
    assert containers == ["orders-reduce"]


def test_a_failing_shard_fails_the_pipeline_and_the_reducer_never_runs(
    fake_batch: FakeBatch, containers: list[str]
) -> None:
    @fake_batch.handler(definition="shard-worker")
    def corrupt_third_shard(job: JobRun) -> None:
        if job.array_index == 2:
            raise ValueError("corrupt parquet footer in part-0002")

    with pytest.raises(pipeline.PipelineFailed, match=r"Dependent Job failed \(1 of 4 shards failed\)"):
        pipeline.run_pipeline("orders", shards=4)

    assert containers == []
    failed = fake_batch.jobs(status="FAILED")
    assert [j.name for j in failed if j.array_index is None] == ["orders-shards", "orders-reduce"]
    (shard,) = [j for j in failed if j.array_index == 2]
    assert shard.output[-1] == "ValueError: corrupt parquet footer in part-0002"


def test_cancelling_a_run_stops_pending_work(fake_batch: FakeBatch, containers: list[str]) -> None:
    run = pipeline.start("orders", shards=4)
    batch = boto3.client("batch")
    shards = [f"{run.shards_job_id}:{i}" for i in range(4)]
    assert [j["status"] for j in batch.describe_jobs(jobs=shards)["jobs"]] == [
        "RUNNING",
        "RUNNING",
        "RUNNABLE",
        "RUNNABLE",
    ]

    pipeline.cancel(run, reason="superseded by a newer run")

    with pytest.raises(pipeline.PipelineFailed, match="superseded by a newer run"):
        pipeline.wait(run)
    # shards already running went on; the others never started, and the reducer, cancelled
    # while it waited, ended once the shards it waited for had
    jobs = batch.describe_jobs(jobs=[*shards, run.reduce_job_id])["jobs"]
    assert [(j["status"], j["isCancelled"]) for j in jobs] == [
        ("SUCCEEDED", False),
        ("SUCCEEDED", False),
        ("FAILED", True),
        ("FAILED", True),
        ("FAILED", True),
    ]
    assert containers == []  # the reducer never ran
    assert containers == []
