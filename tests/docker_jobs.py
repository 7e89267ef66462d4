"""Docker-mode test helpers: the engine, our containers, bounded waits; importing it skips with no engine."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import docker
import pytest

from pytest_fakebatch.executors.docker import LABEL, SESSION_ID

try:
    ENGINE = docker.from_env(timeout=30)
    ENGINE.ping()
except Exception as error:
    pytest.skip(f"no Docker engine answers: {error}", allow_module_level=True)

TERMINAL = ("SUCCEEDED", "FAILED")


def ours(**labels: str) -> list[Any]:
    """This test process's containers (another pytest run may share the engine)."""
    wanted = [f"{LABEL}=1", f"{LABEL}.session={SESSION_ID}"] + [f"{k}={v}" for k, v in labels.items()]
    return list(ENGINE.containers.list(all=True, sparse=True, filters={"label": wanted}))


def wait_for(batch: Any, job_id: str, statuses: Iterable[str] = TERMINAL, timeout: float = 30) -> Any:
    """Describe ``job_id`` until its status is one of ``statuses``; the job, as described.

    Each DescribeJobs ticks the fake's scheduler, which asks the engine which containers
    exited. The containers are real processes running in real time, so between two looks
    we have to wait for them: briefly, and never past the deadline.
    """
    wanted = set(statuses)
    deadline = time.monotonic() + timeout
    while True:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in wanted:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is still {job['status']} after {timeout}s, not {wanted}")
        time.sleep(0.05)


def wait_until_removed(job_id: str, timeout: float = 30) -> None:
    """Until no container of ``job_id`` is left: the executor's pool removes it (real time, bounded)."""
    deadline = time.monotonic() + timeout
    while ours(**{f"{LABEL}.job-id": job_id}):
        assert time.monotonic() < deadline, f"the container of job {job_id} was not removed in time"
        time.sleep(0.05)


def wait_for_container(job_id: str, timeout: float = 30) -> Any:
    """The running container of ``job_id`` once the engine has started it (real time, bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        running = [c for c in ours(**{f"{LABEL}.job-id": job_id}) if c.attrs.get("State") == "running"]
        if running:
            return running[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no running container for job {job_id} after {timeout}s")
        time.sleep(0.05)


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]
