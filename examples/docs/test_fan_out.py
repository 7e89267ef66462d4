"""The first example of the README and of "Getting started": an array of four slices."""

import boto3


def test_fan_out(fake_batch):
    batch = boto3.client("batch", region_name="eu-west-1")
    batch.create_compute_environment(
        computeEnvironmentName="ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 16, "subnets": ["subnet-1"]},
    )
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    batch.register_job_definition(
        jobDefinitionName="slice",
        type="container",
        containerProperties={
            "image": "etl:latest",
            "command": ["etl", "Ref::day"],
            "vcpus": 1,
            "memory": 512,
        },
        parameters={"day": "2026-01-01"},
    )

    @fake_batch.handler("etl:*")  # runs as the container of every job whose image matches
    def etl(job):
        print("slice", job.env["AWS_BATCH_JOB_ARRAY_INDEX"], job.command)  # the job's log
        return 0  # the container's exit code

    job_id = batch.submit_job(
        jobName="daily", jobQueue="q", jobDefinition="slice", arrayProperties={"size": 4}
    )["jobId"]

    parent = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    assert parent["status"] == "SUCCEEDED"
    assert parent["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 4
