"""Chaos per test: the marker sets a test's own mix of faults, or exempts it from
--fakebatch-chaos; a waiter that tolerates a job not yet visible survives a lag."""

import pytest


def wait_for(fake_batch, batch, job_id):
    """Poll until the job is done; a job not yet visible is waited for, not an error."""
    for _ in range(30):
        jobs = batch.describe_jobs(jobs=[job_id])["jobs"]
        if jobs and jobs[0]["status"] in ("SUCCEEDED", "FAILED"):
            return jobs[0]
        fake_batch.advance(1)  # in production: time.sleep(1)
    raise TimeoutError(job_id)


@pytest.mark.fakebatch(faults={"lag": 5})  # jobs stay invisible for 5 s after SubmitJob
def test_the_waiter_survives_eventual_consistency(fake_batch, batch):
    fake_batch.clock.freeze()
    batch.register_job_definition(
        jobDefinitionName="report",
        type="container",
        containerProperties={"image": "report:1", "command": ["run"], "vcpus": 1, "memory": 512},
    )
    job_id = batch.submit_job(jobName="r", jobQueue="q", jobDefinition="report")["jobId"]

    assert batch.describe_jobs(jobs=[job_id])["jobs"] == []  # not there yet, as on AWS
    assert wait_for(fake_batch, batch, job_id)["status"] == "SUCCEEDED"


@pytest.mark.fakebatch(faults=False)  # exempt from --fakebatch-chaos: it counts its calls
def test_exactly_one_describe_call(fake_batch, batch):
    batch.describe_job_queues()
    assert [call.operation for call in fake_batch.calls][-1] == "DescribeJobQueues"
    assert fake_batch.faults.injected == []
