"""A retry strategy that survives a Spot reclaim, and the same job without it, which does not."""

import pytest

SURVIVES_SPOT = {
    "attempts": 3,
    "evaluateOnExit": [
        {"onStatusReason": "Host EC2*", "action": "RETRY"},  # the instance went away: retry
        {"onReason": "*", "action": "EXIT"},  # anything else is the code's own failure
    ],
}


@pytest.mark.fakebatch(faults=False)  # exactly the reclaims below, none from --fakebatch-chaos
def test_evaluate_on_exit_retries_a_spot_reclaim(fake_batch, batch):
    fake_batch.clock.freeze()  # time moves only when the test advances it
    for name, strategy in [("resilient", SURVIVES_SPOT), ("fragile", {"attempts": 1})]:
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={"image": "train:1", "command": ["train"], "vcpus": 1, "memory": 512},
            retryStrategy=strategy,
        )

    @fake_batch.handler("train:*")
    def train(job):
        job.sleep(600)  # ten minutes of simulated training

    resilient = batch.submit_job(jobName="r", jobQueue="q", jobDefinition="resilient")["jobId"]
    fragile = batch.submit_job(jobName="f", jobQueue="q", jobDefinition="fragile")["jobId"]
    fake_batch.faults.reclaim(resilient)  # Spot takes the instances back under both
    fake_batch.faults.reclaim(fragile)
    fake_batch.advance(600)

    ok, lost = batch.describe_jobs(jobs=[resilient, fragile])["jobs"]
    assert ok["status"] == "SUCCEEDED"
    assert ok["attempts"][0]["statusReason"].startswith("Host EC2 (instance i-")
    assert "exitCode" not in ok["attempts"][0]["container"]  # a reclaim leaves no exit code
    assert lost["status"] == "FAILED"
    assert lost["statusReason"].startswith("Host EC2 (instance i-")
