"""Bulk CancelJobs/TerminateJobs and the gaps checked against the AWS docs: ListJobs's
SHARE_IDENTIFIER filter and isCancelled/isTerminated, jobs too big for every environment,
queues' jobStateTimeLimitActions, multi-node launch order, attempts of running jobs."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import FakeBatch, JobRun

BIG = "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
BIG_REASON = f"{BIG} - CE(s) associated with the job queue cannot meet the CPU requirement of the job."
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    return job


def submit(batch: Any, queue: str, definition: str, **extra: Any) -> str:
    job_id: str = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition, **extra)["jobId"]
    return job_id


@pytest.fixture
def slow(fake_batch: FakeBatch) -> None:
    """Every job takes 100 simulated seconds."""

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        job.sleep(100)


# -- CancelJobs and TerminateJobs -------------------------------------------------------------


@needs_operation("CancelJobs")
def test_cancel_jobs_applies_cancel_job_rules_to_each_job(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, slow: None
) -> None:
    running = submit(batch, queue, definition)
    fake_batch.autorun = False
    waiting = submit(batch, queue, definition)
    finished_before = fake_batch.job(running).status

    answer = batch.cancel_jobs(jobs=[running, waiting, UNKNOWN, "not-a-job-id"], reason="stop")

    assert finished_before == "RUNNING"
    assert answer["successful"] == [running, waiting, UNKNOWN]
    assert answer["errors"] == [
        {"job": "not-a-job-id", "code": "ValidationException", "message": answer["errors"][0]["message"]}
    ]
    assert "CancelJobs: jobs[3] 'not-a-job-id'" in answer["errors"][0]["message"]
    assert describe(batch, waiting)["status"] == "FAILED"
    assert describe(batch, waiting)["statusReason"] == "stop"
    assert describe(batch, running)["status"] == "RUNNING"  # CancelJob leaves a RUNNING job alone


@needs_operation("TerminateJobs")
def test_terminate_jobs_stops_running_jobs_and_cancels_waiting_ones(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, slow: None
) -> None:
    running = submit(batch, queue, definition)
    done = submit(batch, queue, definition, containerOverrides={"command": ["x"]})
    fake_batch.advance(100)
    running = submit(batch, queue, definition)
    array = submit(batch, queue, definition, arrayProperties={"size": 3})

    answer = batch.terminate_jobs(jobs=[running, array, done, running], reason="enough")

    assert answer == {
        "successful": [running, array, done],
        "errors": [],
        "ResponseMetadata": answer["ResponseMetadata"],
    }
    job = describe(batch, running)
    assert (job["status"], job["statusReason"], job["isTerminated"]) == ("FAILED", "enough", True)
    assert describe(batch, array)["status"] == "FAILED"
    assert describe(batch, done)["status"] == "SUCCEEDED"  # a finished job is left as it was


@needs_operation("CancelJobs")
@pytest.mark.parametrize(
    ("jobs", "reason", "message"),
    [
        ([], "r", "jobs takes 1 to 50 job ids, got 0"),
        ([UNKNOWN] * 51, "r", "jobs takes 1 to 50 job ids, got 51"),
        ([UNKNOWN], " ", "reason must not be empty"),
        ([UNKNOWN], "r" * 1025, "reason must be at most 1024 characters"),
    ],
)
def test_cancel_jobs_refuses_what_aws_refuses(batch: Any, jobs: list[str], reason: str, message: str) -> None:
    with pytest.raises(ClientError) as raised:
        batch.cancel_jobs(jobs=jobs, reason=reason)

    assert raised.value.response["Error"]["Code"] == "ClientException"
    assert raised.value.response["Error"]["Message"].startswith("CancelJobs: ")
    assert message in raised.value.response["Error"]["Message"]


# -- ListJobs: isCancelled / isTerminated, SHARE_IDENTIFIER ------------------------------------


def test_list_jobs_summaries_say_cancelled_and_terminated_only_when_true(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, slow: None
) -> None:
    terminated = submit(batch, queue, definition)
    fake_batch.autorun = False
    cancelled = submit(batch, queue, definition)
    plain = submit(batch, queue, definition)
    batch.terminate_job(jobId=terminated, reason="t")
    batch.cancel_job(jobId=cancelled, reason="c")

    summaries = {
        s["jobId"]: s
        for s in batch.list_jobs(jobQueue=queue, filters=[{"name": "JOB_NAME", "values": ["j"]}])[
            "jobSummaryList"
        ]
    }

    flags = {job_id: (s.get("isCancelled"), s.get("isTerminated")) for job_id, s in summaries.items()}
    if "isCancelled" in batch.meta.service_model.shape_for("JobSummary").members:
        assert flags == {terminated: (None, True), cancelled: (True, None), plain: (None, None)}
    else:  # an older model has neither member
        assert set(flags.values()) == {(None, None)}


@pytest.fixture
def fair_queue(batch: Any, queue: str) -> str:
    arn = batch.create_scheduling_policy(name="fair", fairsharePolicy={"shareDecaySeconds": 0})["arn"]
    batch.create_job_queue(
        jobQueueName="fair",
        priority=1,
        schedulingPolicyArn=arn,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
    )
    return "fair"


def test_list_jobs_share_identifier_filter_matches_exactly_or_by_prefix(
    fake_batch: FakeBatch, batch: Any, fair_queue: str, definition: str, slow: None
) -> None:
    ids = {
        share: submit(batch, fair_queue, definition, shareIdentifier=share)
        for share in ("teamA", "teamB", "other")
    }

    def listed(value: str, **extra: Any) -> list[str]:
        pages = batch.get_paginator("list_jobs").paginate(
            jobQueue=fair_queue,
            filters=[{"name": "SHARE_IDENTIFIER", "values": [value]}],
            PaginationConfig={"PageSize": 1},
            **extra,
        )
        return [s["jobId"] for page in pages for s in page["jobSummaryList"]]

    assert listed("teamA") == [ids["teamA"]]
    assert listed("team*") == [ids["teamB"], ids["teamA"]]  # newest first, one per page
    assert listed("teama") == []  # case-sensitive
    fake_batch.advance(100)
    late = submit(batch, fair_queue, definition, shareIdentifier="teamA")
    # SHARE_IDENTIFIER and jobStatus work together; without jobStatus every status is listed
    assert listed("teamA", jobStatus="RUNNING") == [late]
    assert listed("teamA", jobStatus="SUCCEEDED") == [ids["teamA"]]
    assert listed("teamA") == [late, ids["teamA"]]


def test_another_filter_still_ignores_job_status(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    job_id = submit(batch, queue, definition)

    listed = batch.list_jobs(
        jobQueue=queue, jobStatus="RUNNING", filters=[{"name": "JOB_NAME", "values": ["j"]}]
    )

    assert [s["jobId"] for s in listed["jobSummaryList"]] == [job_id]  # SUCCEEDED, listed anyway


# -- a job larger than every compute environment ------------------------------------------------


def test_a_job_bigger_than_every_environment_says_so_until_one_can_hold_it(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    big = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "32"}]},
    )
    small = submit(batch, queue, definition)

    stuck = describe(batch, big)
    assert (stuck["status"], stuck["statusReason"]) == ("RUNNABLE", BIG_REASON)
    summary = batch.list_jobs(jobQueue=queue, jobStatus="RUNNABLE")["jobSummaryList"][0]
    assert summary["statusReason"] == BIG_REASON
    assert describe(batch, small)["status"] == "SUCCEEDED"

    batch.update_compute_environment(computeEnvironment="ce", computeResources={"maxvCpus": 32})

    job = describe(batch, big)
    assert job["status"] == "SUCCEEDED"
    assert "MISCONFIGURATION" not in job.get("statusReason", "")


def test_a_job_waiting_for_capacity_it_could_get_has_no_misconfiguration_reason(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, slow: None
) -> None:
    submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "10"}]},
    )
    waiting = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "10"}]},
    )

    job = describe(batch, waiting)

    assert job["status"] == "RUNNABLE"
    assert "statusReason" not in job


def test_a_job_stuck_then_fitting_after_an_update_loses_the_reason_before_it_starts(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, slow: None
) -> None:
    submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "16"}]},
    )
    big = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "20"}]},
    )
    assert describe(batch, big)["statusReason"] == BIG_REASON

    batch.update_compute_environment(computeEnvironment="ce", computeResources={"maxvCpus": 20})

    job = describe(batch, big)
    assert job["status"] == "RUNNABLE"  # the 16-vCPU job still holds the environment
    assert "statusReason" not in job


# -- jobStateTimeLimitActions ---------------------------------------------------------------------


def _limit(seconds: int = 600, reason: str = BIG, action: str = "CANCEL") -> list[dict[str, Any]]:
    return [{"reason": reason, "state": "RUNNABLE", "maxTimeSeconds": seconds, "action": action}]


@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_time_limit_action_cancels_the_stuck_job_after_max_time(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    batch.update_job_queue(jobQueue=queue, jobStateTimeLimitActions=_limit(600))
    submitted_at = fake_batch.clock.now_ms()
    big = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "32"}]},
    )

    fake_batch.advance(599)
    assert describe(batch, big)["status"] == "RUNNABLE"

    fake_batch.advance(30)
    job = describe(batch, big)
    assert (job["status"], job["statusReason"], job["isCancelled"]) == (
        "FAILED",
        f"Canceled by JobStateTimeLimit action due to reason: {BIG}",
        True,
    )
    assert job["stoppedAt"] == submitted_at + 600_000  # advance stopped at the action's time


@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_time_limit_action_for_another_reason_never_fires(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    batch.update_job_queue(
        jobQueue=queue, jobStateTimeLimitActions=_limit(600, reason="CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY")
    )
    big = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "32"}]},
    )

    fake_batch.advance(3600)

    assert describe(batch, big)["status"] == "RUNNABLE"


@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_time_limit_counts_from_when_the_job_got_stuck_and_only_at_the_head(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, slow: None
) -> None:
    batch.update_job_queue(jobQueue=queue, jobStateTimeLimitActions=_limit(600))
    big = {"resourceRequirements": [{"type": "VCPU", "value": "32"}]}
    first = submit(batch, queue, definition, containerOverrides=big)
    second = submit(batch, queue, definition, containerOverrides=big)
    assert "statusReason" not in describe(batch, second)  # not at the head yet

    fake_batch.advance(600)
    assert describe(batch, first)["status"] == "FAILED"
    assert describe(batch, second)["statusReason"] == BIG_REASON  # now the head

    fake_batch.advance(599)
    assert describe(batch, second)["status"] == "RUNNABLE"
    fake_batch.advance(1)
    assert describe(batch, second)["status"] == "FAILED"


@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
@pytest.mark.fakebatch(clock="wall")  # the clock under test is the one following wall time
def test_time_limit_action_ends_a_polling_loop_on_the_wall_clock(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    batch.update_job_queue(jobQueue=queue, jobStateTimeLimitActions=_limit(600))
    big = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "32"}]},
    )
    polls = 0
    while describe(batch, big)["status"] == "RUNNABLE":
        polls += 1
        assert polls < 5
        fake_batch.clock.advance(300)  # stands in for time.sleep(300) on a clock following wall time

    assert describe(batch, big)["statusReason"].startswith("Canceled by JobStateTimeLimit action")


@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (_limit(599), "jobStateTimeLimitActions[0].maxTimeSeconds must be between 600 and 86400"),
        (_limit(86401), "jobStateTimeLimitActions[0].maxTimeSeconds must be between 600 and 86400"),
        (_limit(action="TERMINATE"), "jobStateTimeLimitActions[0].action must be CANCEL"),
    ],
)
def test_time_limit_actions_aws_refuses_are_refused(
    batch: Any, queue: str, actions: list[dict[str, Any]], message: str
) -> None:
    for call in (
        lambda: batch.update_job_queue(jobQueue=queue, jobStateTimeLimitActions=actions),
        lambda: batch.create_job_queue(
            jobQueueName="q2",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
            jobStateTimeLimitActions=actions,
        ),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert message in raised.value.response["Error"]["Message"]
    assert batch.describe_job_queues(jobQueues=["q2"])["jobQueues"] == []
    assert "jobStateTimeLimitActions" not in batch.describe_job_queues(jobQueues=[queue])["jobQueues"][0]


# -- multi-node jobs: the main node first ---------------------------------------------------------


@pytest.fixture
def multinode(batch: Any, queue: str) -> str:
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 3,
            "mainNode": 1,
            "nodeRangeProperties": [
                {
                    "targetNodes": "0:",
                    "container": {"image": "node", "command": ["n"], "vcpus": 4, "memory": 128},
                },
            ],
        },
    )
    return "mnp"


def test_the_other_nodes_launch_once_the_main_node_is_running(
    fake_batch: FakeBatch, batch: Any, queue: str, multinode: str, definition: str
) -> None:
    @fake_batch.handler("node")
    def node(job: JobRun) -> None:
        job.sleep(100)

    fake_batch.autorun = False
    job_id = submit(batch, queue, multinode)
    other = submit(
        batch,
        queue,
        definition,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": "8"}]},
    )
    nodes = [f"{job_id}#{i}" for i in range(3)]

    seen = []
    while fake_batch.step():
        seen.append([fake_batch.job(n).status for n in nodes])

    main_starting = seen.index(["RUNNABLE", "STARTING", "RUNNABLE"])
    assert seen[main_starting + 1] == ["STARTING", "RUNNING", "STARTING"]
    assert seen[main_starting + 2] == ["RUNNING", "RUNNING", "RUNNING"]
    # the 12 vCPUs of the whole job were held from the start: the 8-vCPU job never got in
    assert fake_batch.job(other).status == "RUNNABLE"


def test_a_main_node_that_exits_at_once_still_runs_with_its_nodes(
    fake_batch: FakeBatch, batch: Any, queue: str, multinode: str
) -> None:
    ran: list[str] = []

    @fake_batch.handler("node")
    def node(job: JobRun) -> None:
        ran.append(job.env["AWS_BATCH_JOB_NODE_INDEX"])

    job_id = submit(batch, queue, multinode)

    assert describe(batch, job_id)["status"] == "SUCCEEDED"
    assert ran[0] == "1"
    assert sorted(ran) == ["0", "1", "2"]


def test_a_job_bigger_than_the_environment_across_its_nodes_is_stuck(
    fake_batch: FakeBatch, batch: Any, queue: str, multinode: str
) -> None:
    job_id = submit(batch, queue, multinode, nodeOverrides={"numNodes": 5})  # 20 vCPUs > 16

    job = describe(batch, job_id)

    assert (job["status"], job["statusReason"]) == ("RUNNABLE", BIG_REASON)


# -- attempts of a running job ---------------------------------------------------------------------


def test_a_running_job_lists_finished_attempts_only_and_shows_its_stream_in_container(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler("*")
    def work(job: JobRun) -> int:
        job.sleep(100)
        return 1 if job.attempt == 1 else 0

    job_id = submit(batch, queue, definition, retryStrategy={"attempts": 2})

    first = describe(batch, job_id)
    assert (first["status"], first["attempts"]) == ("RUNNING", [])
    assert first["container"]["logStreamName"].startswith("work/default/")
    assert fake_batch.job(job_id).attempts == 0

    fake_batch.advance(100)
    second = describe(batch, job_id)
    assert second["status"] == "RUNNING"
    assert [a["container"]["exitCode"] for a in second["attempts"]] == [1]
    assert second["container"]["logStreamName"] != second["attempts"][0]["container"]["logStreamName"]
    assert fake_batch.job(job_id).attempts == 1

    fake_batch.advance(100)
    assert [a["container"]["exitCode"] for a in describe(batch, job_id)["attempts"]] == [1, 0]
    assert fake_batch.job(job_id).attempts == 2
