"""Handlers play the containers: exit codes, Exit(...) for a Spot reclaim, simulated time."""

from pytest_fakebatch import Exit


def test_a_spot_reclaim_is_retried(fake_batch, batch):
    batch.register_job_definition(
        jobDefinitionName="train",
        type="container",
        containerProperties={"image": "train:1", "command": ["train"], "vcpus": 1, "memory": 512},
        retryStrategy={
            "attempts": 3,
            "evaluateOnExit": [
                {"onStatusReason": "Host EC2*", "action": "RETRY"},  # Spot reclaims: try again
                {"onReason": "*", "action": "EXIT"},  # anything else: give up
            ],
        },
    )

    @fake_batch.handler("train:*")
    def train(job):
        job.sleep(300)  # five minutes of simulated work: the fake's clock, not the wall's
        if job.attempt == 1:
            return Exit(code=None, status_reason="Host EC2 (instance i-0abc) terminated.")
        print("epoch 1 done")
        return 0

    fake_batch.clock.freeze()  # exact simulated time: the wall clock does not move it meanwhile
    job_id = batch.submit_job(jobName="nightly", jobQueue="q", jobDefinition="train")["jobId"]
    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "RUNNING"

    fake_batch.advance(600)  # both attempts' five minutes pass

    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    assert job["status"] == "SUCCEEDED"
    assert [a["statusReason"] for a in job["attempts"]][:1] == ["Host EC2 (instance i-0abc) terminated."]
    assert fake_batch.job(job_id).output == ["epoch 1 done"]
