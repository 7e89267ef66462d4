"""Parallel runs (pytest-xdist): every worker has fakes of its own, and in Docker mode the
workers' sweeps and labels never touch another live session's containers."""

from __future__ import annotations

import os
import textwrap
import uuid
from typing import Any

import pytest

pytest.importorskip("xdist", reason="needs pytest-xdist (the test extra)")

SETUP = """
import time

import boto3
import pytest


def run_one(name, image="worker:latest", command=("run",)):
    batch = boto3.client("batch", region_name="eu-west-1")
    batch.create_compute_environment(
        computeEnvironmentName="ce", type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["s"]},
    )
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    batch.register_job_definition(
        jobDefinitionName="d", type="container",
        containerProperties={"image": image, "command": list(command), "vcpus": 1, "memory": 64},
    )
    job_id = batch.submit_job(jobName=name, jobQueue="q", jobDefinition="d")["jobId"]
    deadline = time.monotonic() + 60
    while True:  # real containers run in real time: look again, briefly, never past the deadline
        (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
        if job["status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)
"""


def test_each_worker_gets_fakes_of_its_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        SETUP
        + textwrap.dedent(
            """
            @pytest.mark.parametrize("i", range(6))
            def test_in_process(fake_batch, i):
                job = run_one(f"job-{i}")
                assert job["status"] == "SUCCEEDED"
                assert [j.name for j in fake_batch.jobs()] == [f"job-{i}"]  # nothing of the others
            """
        )
    )

    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")

    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_docker_workers_leave_another_live_session_alone(
    pytester: pytest.Pytester, docker_engine: Any, busybox_image: str
) -> None:
    from pytest_fakebatch.executors.docker_engine import LABEL, SESSION_LABELS

    engine, image = docker_engine, busybox_image
    # a container of another live session on this host: this very process, another session id
    bystander = engine.containers.create(
        image, ["true"], labels={**SESSION_LABELS, f"{LABEL}.session": uuid.uuid4().hex}
    )
    marker = f"test_parallel_{uuid.uuid4().hex[:8]}"
    pytester.makepyfile(
        **{
            marker: SETUP
            + textwrap.dedent(
                f"""
                @pytest.mark.fakebatch(docker=True, images={{"busybox*": "{image}"}})
                @pytest.mark.parametrize("i", range(4))
                def test_in_a_container(fake_batch, i):
                    job = run_one(f"job-{{i}}", "busybox:latest", ("sh", "-c", "echo $AWS_BATCH_JOB_ID"))
                    assert job["status"] == "SUCCEEDED", job.get("statusReason")
                    assert fake_batch.job(job["jobId"]).output == [job["jobId"]]
                """
            )
        }
    )
    try:
        result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "--fakebatch-docker")

        result.assert_outcomes(passed=4)
        bystander.reload()  # raises NotFound had a worker's sweep removed it
        left = [
            c
            for c in engine.containers.list(all=True, filters={"label": f"{LABEL}=1"})
            if c.labels.get(f"{LABEL}.test", "").startswith(marker)
        ]
        assert left == []
        assert str(os.getpid()) == bystander.labels[f"{LABEL}.pid"]
    finally:
        bystander.remove(force=True)
