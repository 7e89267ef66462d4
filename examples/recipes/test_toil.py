"""Recipe: a toil workflow on the ``aws_batch`` batch system, with a file job store.

toil's leader submits each job to the queue with ``SubmitJob`` (its command is
``_toil_contained_executor <packed job>``, meant for the toil appliance image) and polls
``DescribeJobs`` until it ends. The handler plays that container: it runs the packed command
in a subprocess, a real toil worker, which reads and writes the file job store. On AWS the
workers would need a job store they can reach (an AWS job store, or a shared file system);
here they run on this machine, so a directory is enough.

Run with ``tox -e recipe-toil``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tool_api import tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("toil",)

with tool_api("toil", "toil.common.Toil / toil.job.Job / the aws_batch batch system", written_for="9"):
    from toil.batchSystems.registry import get_batch_system
    from toil.common import Toil
    from toil.job import Job

    get_batch_system("aws_batch")  # the batch system's plugin name


def greet(job: Job, name: str) -> str:
    """A toil job function: runs in a worker, on Batch."""
    return f"hello {name}"


def shout(job: Job, greeting: str) -> str:
    return greeting.upper() + "!"


def hello_workflow(job: Job, name: str) -> str:
    """Two jobs on Batch, the second fed by the first's return value."""
    greeting = job.addChildJobFn(greet, name)
    return job.addFollowOnJobFn(shout, greeting.rv()).rv()


@pytest.fixture(autouse=True)
def toil_appliance(fake_batch: FakeBatch, batch_queue: str) -> list[str]:
    """What the toil appliance container does: run the packed worker command; the jobs it ran."""
    ran: list[str] = []

    @fake_batch.handler(job_name="*")
    def appliance(job: JobRun) -> int:
        ran.append(job.job_name)
        scripts = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # toil's, as in the image
        environment = {**os.environ, **job.env, "PATH": scripts}
        done = subprocess.run(job.command, env=environment, capture_output=True, text=True, check=False)
        print(done.stdout + done.stderr)
        return done.returncode

    return ran


def batch_options(job_store: Path, queue: str) -> object:
    options = Job.Runner.getDefaultOptions(f"file:{job_store}")
    options.batchSystem = "aws_batch"
    options.aws_batch_region = "eu-west-1"
    options.aws_batch_queue = queue
    options.logLevel = "WARNING"
    options.clean = "always"
    options.disableChaining = True  # one Batch job per toil job, to show them all
    return options


def test_a_workflow_runs_its_jobs_on_batch(
    tmp_path: Path, batch_queue: str, toil_appliance: list[str], fake_batch: FakeBatch
) -> None:
    with Toil(batch_options(tmp_path / "jobstore", batch_queue)) as workflow:
        result = workflow.start(Job.wrapJobFn(hello_workflow, "batch"))

    assert result == "HELLO BATCH!"
    assert len(toil_appliance) == 3  # hello_workflow, greet, shout
    assert {j.status for j in fake_batch.jobs()} == {"SUCCEEDED"}
    definitions = [c for c in fake_batch.calls if c.operation == "RegisterJobDefinition"]
    assert definitions[0].params["jobDefinitionName"].startswith("toil-")
