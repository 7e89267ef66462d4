"""The boto3 calls the job tests share: submit a job, describe it, both at once, its status."""

from __future__ import annotations

from typing import Any


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


def submit(batch: Any, name: str = "job", **kwargs: Any) -> str:
    kwargs.setdefault("jobQueue", "q")
    kwargs.setdefault("jobDefinition", "work")
    return batch.submit_job(jobName=name, **kwargs)["jobId"]


def run(batch: Any, name: str = "job", **kwargs: Any) -> dict[str, Any]:
    """Submit a job and describe it, as a caller would (the describe lets the fake run it)."""
    return describe(batch, submit(batch, name, **kwargs))


def status(batch: Any, job_id: str) -> str:
    return describe(batch, job_id)["status"]
