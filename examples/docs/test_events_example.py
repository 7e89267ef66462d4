"""Job state-change events, as EventBridge would receive them."""


def test_retry_is_reported(fake_batch, batch):
    batch.register_job_definition(
        jobDefinitionName="flaky",
        type="container",
        containerProperties={"image": "flaky:1", "command": ["run"], "vcpus": 1, "memory": 512},
        retryStrategy={"attempts": 2},
    )

    @fake_batch.handler("flaky:*")
    def flaky(job):
        return 1 if job.attempt == 1 else 0  # fails once, then succeeds

    job_id = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="flaky")["jobId"]

    attempt = ["RUNNABLE", "STARTING", "RUNNING"]
    assert fake_batch.events.statuses(job_id) == [*attempt, *attempt, "SUCCEEDED"]
    event = fake_batch.events[-1].to_dict()  # the JSON a rule's target receives
    assert event["source"] == "aws.batch"
    assert event["detail-type"] == "Batch Job State Change"
    assert event["detail"]["status"] == "SUCCEEDED"
    assert len(event["detail"]["attempts"]) == 2
