"""Recipe: metaflow's AWS Batch client, as a ``@batch`` step uses it, against the fake.

metaflow's ``BatchClient`` builds the job a ``@batch`` step runs: it registers (or reuses) a
``metaflow_<hash>`` job definition fitted to the queue's compute environment platform, submits
the job with the step's command and environment as overrides, and follows it with
``RunningJob``. The handler stands in for the container, which on AWS would download the code
package from S3 and run the step.

Run with ``tox -e recipe-metaflow``.
"""

from __future__ import annotations

import pytest
from tool_api import tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("metaflow",)

with tool_api("metaflow", "metaflow.plugins.aws.batch.batch_client.BatchClient", written_for="2"):
    from metaflow.plugins.aws.batch.batch_client import BatchClient, RunningJob

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
