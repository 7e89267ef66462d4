"""Production code under test: a fan-out / fan-in pipeline on AWS Batch.

An array job runs one ``shard-worker`` container per input shard; a ``reducer`` job, which
depends on the whole array, combines their results once every shard has succeeded. Nothing
here knows about tests: it is plain boto3 and polls with ``time.sleep`` like real code does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import boto3

QUEUE = "pipeline"
LOG_GROUP = "/aws/batch/job"
POLL_SECONDS = 5
# Spot reclaims are worth another attempt; a shard that exits non-zero is not.
SHARD_RETRIES = {
    "attempts": 3,
    "evaluateOnExit": [
        {"onStatusReason": "Host EC2*", "action": "RETRY"},
        {"onReason": "*", "action": "EXIT"},
    ],
}


class PipelineFailed(RuntimeError):
    """The pipeline did not produce a result."""


@dataclass(frozen=True)
class Run:
    shards_job_id: str
    reduce_job_id: str


def start(dataset: str, shards: int) -> Run:
    """Submit the fan-out array and the reduce job that waits for it."""
    batch = boto3.client("batch")
    fan_out = batch.submit_job(
        jobName=f"{dataset}-shards",
        jobQueue=QUEUE,
        jobDefinition="shard-worker",
        arrayProperties={"size": shards},
        parameters={"dataset": dataset},
        retryStrategy=SHARD_RETRIES,
    )
    reduce = batch.submit_job(
        jobName=f"{dataset}-reduce",
        jobQueue=QUEUE,
        jobDefinition="reducer",
        parameters={"dataset": dataset},
        dependsOn=[{"jobId": fan_out["jobId"]}],
    )
    return Run(fan_out["jobId"], reduce["jobId"])


def wait(run: Run) -> list[str]:
    """Poll until the reduce job ends; return its log lines, or raise PipelineFailed."""
    batch = boto3.client("batch")
    while True:
        (job,) = batch.describe_jobs(jobs=[run.reduce_job_id])["jobs"]
        if job["status"] == "SUCCEEDED":
            return read_log(job["container"]["logStreamName"])
        if job["status"] == "FAILED":
            (shards,) = batch.describe_jobs(jobs=[run.shards_job_id])["jobs"]
            summary = shards["arrayProperties"]["statusSummary"]
            raise PipelineFailed(
                f"{job['jobName']}: {job.get('statusReason', 'no reason given')} "
                f"({summary['FAILED']} of {shards['arrayProperties']['size']} shards failed)"
            )
        time.sleep(POLL_SECONDS)


def read_log(stream: str) -> list[str]:
    """Every line a job wrote to CloudWatch Logs, oldest first."""
    logs = boto3.client("logs")
    lines: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, startFromHead=True, **kwargs)
        lines += [event["message"] for event in page["events"]]
        if page["nextForwardToken"] == kwargs.get("nextToken"):
            return lines
        kwargs["nextToken"] = page["nextForwardToken"]


def cancel(run: Run, reason: str) -> None:
    """Give up on a run: shards not yet started and the reduce job will not run."""
    batch = boto3.client("batch")
    batch.cancel_job(jobId=run.reduce_job_id, reason=reason)
    batch.cancel_job(jobId=run.shards_job_id, reason=reason)


def run_pipeline(dataset: str, shards: int) -> list[str]:
    return wait(start(dataset, shards))
