"""Recipe: snakemake's AWS Batch executor plugin, with moto standing in for S3.

The workflow runs as a user runs it, ``snakemake --executor aws-batch ...``, in a subprocess that
reaches the fake through ``fake_batch.environ()``. The plugin registers a job definition per
job and submits it; the handler plays the container, running the job's command (a snakemake
that fetches the workflow and its inputs from the default storage, runs the rule and uploads
the output). That storage is S3: moto's server (``ThreadedMotoServer``) answers it for both
processes, since the fake answers Batch only.

Run with ``tox -e recipe-snakemake``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from tool_api import installed, tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("snakemake", "snakemake-executor-plugin-aws-batch", "snakemake-storage-plugin-s3")
REGION = "eu-west-1"
BUCKET = "workflows"

with tool_api("snakemake-executor-plugin-aws-batch", "the aws-batch executor's Executor", written_for="0.2"):
    from snakemake_executor_plugin_aws_batch import Executor  # noqa: F401
with tool_api("moto", "moto.server.ThreadedMotoServer", written_for="5"):
    from moto.server import ThreadedMotoServer

SNAKEFILE = """
rule all:
    input: "counts/total.txt"

rule count_words:
    input: "data/words.txt"
    output: "counts/total.txt"
    shell: "wc -w < {input} > {output}"
"""


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto server for S3 (the fake answers Batch and Batch's logs, nothing else)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, fake_batch: FakeBatch) -> object:
    """The bucket, with the workflow's input uploaded (credentials: the fake's, moto takes any)."""
    keys = fake_batch.credentials
    client = boto3.client(
        "s3", region_name=REGION, endpoint_url=s3_endpoint,
        aws_access_key_id=keys.access_key, aws_secret_access_key=keys.secret_key,
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_object(Bucket=BUCKET, Key="run/data/words.txt", Body=b"one two three four five\n")
    return client


@pytest.fixture(autouse=True)
def snakemake_container(fake_batch: FakeBatch, batch_queue: str, tmp_path: Path) -> list[JobRun]:
    """What the snakemake image does: run the job's command in a fresh directory; its runs."""
    runs: list[JobRun] = []

    @fake_batch.handler("snakemake/*")
    def container(job: JobRun) -> int:
        runs.append(job)
        workdir = tmp_path / f"container-{len(runs)}"
        workdir.mkdir()
        scripts = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # python, snakemake
        done = subprocess.run(
            job.command, cwd=workdir, env={**os.environ, **job.env, "PATH": scripts},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        print(done.stdout + done.stderr)
        return done.returncode

    return runs


def test_the_workflow_runs_its_rule_on_batch(
    fake_batch: FakeBatch, s3: object, s3_endpoint: str, tmp_path: Path, snakemake_container: list[JobRun]
) -> None:
    (tmp_path / "Snakefile").write_text(SNAKEFILE)

    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--executor", "aws-batch", "--jobs", "1",
         "--aws-batch-region", REGION, "--aws-batch-job-queue", "recipes",
         "--aws-batch-job-role", "arn:aws:iam::123456789012:role/snakemake-job",
         "--default-storage-provider", "s3", "--default-storage-prefix", f"s3://{BUCKET}/run",
         "--storage-s3-endpoint-url", s3_endpoint,
         "--container-image", f"snakemake/snakemake:v{installed('snakemake')}"],
        cwd=tmp_path, env={**os.environ, **fake_batch.environ(REGION)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert [run.job_name.split("-")[1] for run in snakemake_container] == ["count_words"]
    output = s3.get_object(Bucket=BUCKET, Key="run/counts/total.txt")  # type: ignore[attr-defined]
    assert output["Body"].read() == b"5\n"
    (job,) = fake_batch.jobs()
    assert job.status == "SUCCEEDED"
