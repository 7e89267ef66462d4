"""HTTP mode: another process (here a Python subprocess with boto3) calls the fake."""

import os
import subprocess
import sys
import textwrap


def test_a_subprocess_submits_a_job(fake_batch, batch):
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "work:1", "command": ["work"], "vcpus": 1, "memory": 512},
    )
    script = textwrap.dedent(
        """
        import boto3
        batch = boto3.client("batch")  # endpoint, credentials and region come from the environment
        print(batch.submit_job(jobName="from-outside", jobQueue="q", jobDefinition="work")["jobId"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **fake_batch.environ("eu-west-1")},  # starts the server if needed
        capture_output=True,
        text=True,
        check=True,
    )
    job_id = done.stdout.strip()
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    assert (job["jobName"], job["status"]) == ("from-outside", "SUCCEEDED")
