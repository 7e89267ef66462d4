"""Driving the scheduler by hand: autorun off, then step() and run_until_idle()."""


def test_one_status_at_a_time(fake_batch, batch):
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "work:1", "command": ["work"], "vcpus": 1, "memory": 512},
    )
    fake_batch.autorun = False  # calls no longer move jobs
    job_id = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="work")["jobId"]

    def status():
        return batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"]

    seen = [status()]
    while seen[-1] not in ("SUCCEEDED", "FAILED"):
        fake_batch.step()  # every job moves at most one status
        seen.append(status())
    assert seen == ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
