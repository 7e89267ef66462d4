"""Recipe: metaflow on AWS Batch: a flow with a ``@batch`` step, and metaflow's BatchClient.

``test_a_flow_runs_its_batch_step`` runs ``flows/hello_batch.py`` as a user does
(``python hello_batch.py run``) in a subprocess that reaches the fake through
``fake_batch.environ()``. metaflow needs an S3 datastore for a ``@batch`` step: moto's server
(``ThreadedMotoServer``) answers S3 for every process. The handler plays the container: it runs
the job's command, which downloads the code package from S3, runs the step and uploads its
artifacts and logs, which the flow's runtime tails.

The other tests drive metaflow's ``BatchClient`` directly, the calls a ``@batch`` step makes: a
``metaflow_<hash>`` job definition fitted to the queue's compute environment platform, the job
with the step's command and environment as overrides, and ``RunningJob`` following it.

Run with ``tox -e recipe-metaflow``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from tool_api import tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("metaflow", "moto")
REGION = "eu-west-1"
FLOW = Path(__file__).parent / "flows" / "hello_batch.py"

with tool_api("metaflow", "metaflow.plugins.aws.batch.batch_client.BatchClient", written_for="2"):
    from metaflow.plugins.aws.batch.batch_client import BatchClient, RunningJob
with tool_api("moto", "moto.server.ThreadedMotoServer", written_for="5"):
    from moto.server import ThreadedMotoServer

ROLE = "arn:aws:iam::123456789012:role/metaflow-task"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/ecs-task-execution"


@pytest.fixture(autouse=True)
def step_container(fake_batch: FakeBatch, batch_queue: str) -> list[JobRun]:
    """What the step's container does: print its step; the runs it saw."""
    runs: list[JobRun] = []

    @fake_batch.handler("python:*")
    def step(job: JobRun) -> int:
        runs.append(job)
        print(f"step {job.env['METAFLOW_STEP']} on {job.queue}")
        return 7 if job.env["METAFLOW_STEP"] == "broken" else 0

    return runs


def submit_step(client: BatchClient, queue: str, step: str) -> RunningJob:
    """The calls metaflow's Batch.create_job makes for a step, then BatchJob.execute()."""
    return (
        client.job()
        .job_name(f"metaflow-HelloFlow-{step}")
        .job_queue(queue)
        .command(["bash", "-c", f"python flow.py step {step}"])
        .image("python:3.12")
        .iam_role(ROLE)
        .execution_role(EXECUTION_ROLE)
        .cpu(1)
        .memory(2048)
        .job_def(
            "python:3.12", ROLE, queue, EXECUTION_ROLE,
            None, None, None, None, None,  # shared memory, max swap, swappiness, inferentia, efa
            memory=2048, host_volumes=None, efs_volumes=None, use_tmpfs=None, tmpfs_tempdir=None,
            tmpfs_size=None, tmpfs_path=None, num_parallel=0, ephemeral_storage=None,
            log_driver=None, log_options=None, privileged=False,
        )
        .task_id("1")
        .environment_variable("METAFLOW_STEP", step)
        .execute()
    )  # fmt: skip


def test_the_client_finds_the_active_queue(batch_queue: str) -> None:
    assert list(BatchClient().active_job_queues()) == [batch_queue]
    assert BatchClient().region() == "eu-west-1"


def test_a_step_job_runs_to_success(batch_queue: str, step_container: list[JobRun]) -> None:
    job = submit_step(BatchClient(), batch_queue, "start")

    assert (job.is_done, job.is_successful, job.status_code) == (True, True, 0)
    (run,) = step_container
    assert run.command == ["bash", "-c", "python flow.py step start"]
    assert run.definition.startswith("metaflow_")  # metaflow's own definition, reused by hash
    assert (run.vcpus, run.memory) == (1, 2048)


def test_the_definition_is_registered_once(fake_batch: FakeBatch, batch_queue: str) -> None:
    client = BatchClient()
    submit_step(client, batch_queue, "start")
    submit_step(client, batch_queue, "end")

    registered = [c for c in fake_batch.calls if c.operation == "RegisterJobDefinition"]
    assert len(registered) == 1
    assert registered[0].params["platformCapabilities"] == ["FARGATE"]  # the queue's environment


def test_a_failed_step_is_crashed_with_its_exit_code(batch_queue: str) -> None:
    job = submit_step(BatchClient(), batch_queue, "broken")

    assert (job.is_done, job.is_successful, job.is_crashed, job.status_code) == (True, False, True, 7)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto server for S3, metaflow's datastore (the fake answers Batch and Batch's logs only)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def step_image(fake_batch: FakeBatch, tmp_path: Path) -> list[JobRun]:
    """What the step's image does: run the job's command in a fresh directory; the runs."""
    runs: list[JobRun] = []

    @fake_batch.handler("python:*")
    def container(job: JobRun) -> int:
        runs.append(job)
        workdir = tmp_path / f"container-{len(runs)}"
        workdir.mkdir()
        environment = {
            **os.environ,
            **job.env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # python, metaflow
        }
        done = subprocess.run(
            job.command, cwd=workdir, env=environment, capture_output=True, text=True, check=False
        )
        print(done.stdout + done.stderr)
        return done.returncode

    return runs


def test_a_flow_runs_its_batch_step(
    fake_batch: FakeBatch, batch_queue: str, s3_endpoint: str, step_image: list[JobRun], tmp_path: Path
) -> None:
    keys = fake_batch.credentials  # moto takes any credentials: the fake's serve both
    boto3.client(
        "s3", region_name=REGION, endpoint_url=s3_endpoint,
        aws_access_key_id=keys.access_key, aws_secret_access_key=keys.secret_key,
    ).create_bucket(Bucket="flows", CreateBucketConfiguration={"LocationConstraint": REGION})  # fmt: skip
    metaflow_config = {
        "USERNAME": "recipes",
        "METAFLOW_HOME": str(tmp_path / "metaflow-home"),
        "METAFLOW_DEFAULT_DATASTORE": "s3",
        "METAFLOW_DATASTORE_SYSROOT_S3": "s3://flows/metaflow",
        "METAFLOW_S3_ENDPOINT_URL": s3_endpoint,
        "METAFLOW_DEFAULT_METADATA": "local",
        "METAFLOW_BATCH_JOB_QUEUE": batch_queue,
        "METAFLOW_ECS_S3_ACCESS_IAM_ROLE": ROLE,
        "METAFLOW_ECS_FARGATE_EXECUTION_ROLE": EXECUTION_ROLE,
    }

    done = subprocess.run(
        [sys.executable, str(FLOW), "--no-pylint", "run"],
        cwd=tmp_path, env={**os.environ, **fake_batch.environ(REGION), **metaflow_config},
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "counted on Batch: 42" in done.stdout  # the step's log, tailed from S3 by the runtime
    assert "rows: 42" in done.stdout  # the end step got the Batch step's artifact
    (run,) = step_image
    assert run.job_name.startswith("recipes-HelloBatchFlow-")
    assert [job.status for job in fake_batch.jobs()] == ["SUCCEEDED"]
