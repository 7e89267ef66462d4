"""Why a RUNNABLE job does not start: the statusReason of the job blocking its queue, the
"Batch Job Queue Blocked" event, and the queue's jobStateTimeLimitActions that cancel it.

The fake infers one blocking reason, MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE (every
ENABLED compute environment's maxvCpus is below what the job needs); a job that only waits for
its turn, or for capacity it could get, shows no statusReason."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_member
from job_calls import describe

from pytest_fakebatch import FakeBatch, JobRun

BIG = "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
BIG_REASON = f"{BIG} - CE(s) associated with the job queue cannot meet the CPU requirement of the job."
CANCELED = f"Canceled by JobStateTimeLimit action due to reason: {BIG}"
EXITED = "Essential container in task exited"
CAPACITY = "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"

STUCK = "UG: Jobs stuck in a RUNNABLE status"
HEAD = (
    "If AWS Batch detects that you have a RUNNABLE job at the head and blocking the queue, you'll receive a "
    "Job queue blocked events event from Amazon CloudWatch Events with the reason. The same reason is also "
    "updated into the statusReason field as a part of ListJobs and DescribeJobs API calls."
)
MAX_RESOURCE = (
    "COMPUTE_ENVIRONMENT_MAX_RESOURCE ... All compute environments have a maxvCpus parameter that is smaller "
    "than the job requirements."
)
ACTION = (
    "When a job has been in a RUNNABLE state with the defined statusReason, AWS Batch performs the action "
    "specified after maxTimeSeconds have elapsed."
)
BLOCKED_EVENTS = "UG: Job queue blocked events"
BLOCKED_EVENT = (
    "Anytime that AWS Batch detects a job in the RUNNABLE state and thus blocking a queue, an event is "
    "created in Amazon CloudWatch Events."
)


def vcpus(n: int) -> dict[str, Any]:
    return {"resourceRequirements": [{"type": "VCPU", "value": str(n)}]}


def submit(batch: Any, need: int = 1, queue: str = "q", **extra: Any) -> str:
    job_id: str = batch.submit_job(
        jobName=f"needs-{need}", jobQueue=queue, jobDefinition="work", containerOverrides=vcpus(need), **extra
    )["jobId"]
    return job_id


def reason(batch: Any, job_id: str) -> tuple[str, str | None]:
    job = describe(batch, job_id)
    return job["status"], job.get("statusReason")


def environment(batch: Any, name: str, max_vcpus: int, state: str = "ENABLED") -> str:
    batch.create_compute_environment(
        computeEnvironmentName=name,
        type="MANAGED",
        state=state,
        computeResources={"type": "EC2", "maxvCpus": max_vcpus, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    return name


def job_queue(batch: Any, name: str, *envs: str, **extra: Any) -> str:
    batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        computeEnvironmentOrder=[{"order": i, "computeEnvironment": env} for i, env in enumerate(envs, 1)],
        **extra,
    )
    return name


def limit(seconds: int, why: str = BIG) -> dict[str, Any]:
    return {"reason": why, "state": "RUNNABLE", "maxTimeSeconds": seconds, "action": "CANCEL"}


@pytest.fixture
def slow(fake_batch: FakeBatch) -> None:
    """Every attempt of 'work' takes 600 simulated seconds; the clock moves only when told."""
    fake_batch.clock.freeze()

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(600)


# -- which job says why -----------------------------------------------------------------------


@pytest.mark.aws_doc(STUCK, HEAD, family="Scheduling", ops=("DescribeJobs", "ListJobs"))
@pytest.mark.aws_doc(
    "UG: Jobs stuck in a RUNNABLE status", MAX_RESOURCE, family="Scheduling", ops=("SubmitJob",)
)
@pytest.mark.usefixtures("queue", "definition")
def test_the_head_job_no_environment_can_hold_shows_the_reason_in_describe_and_list(batch: Any) -> None:
    big = submit(batch, 17)

    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)
    (summary,) = batch.list_jobs(jobQueue="q", jobStatus="RUNNABLE")["jobSummaryList"]
    assert (summary["jobId"], summary["statusReason"]) == (big, BIG_REASON)


@pytest.mark.aws_doc(STUCK, HEAD, family="Scheduling", ops=("DescribeJobs",))
@pytest.mark.usefixtures("definition")
def test_each_queue_has_its_own_head(batch: Any) -> None:
    environment(batch, "ce", 4)
    job_queue(batch, "q", "ce")
    job_queue(batch, "other", "ce")
    first = submit(batch, 8)
    second = submit(batch, 6)  # smaller: it is offered capacity too, and does not fit either
    elsewhere = submit(batch, 8, queue="other")

    assert reason(batch, first) == ("RUNNABLE", BIG_REASON)
    assert reason(batch, second) == ("RUNNABLE", None)  # behind the head: it waits its turn
    assert reason(batch, elsewhere) == ("RUNNABLE", BIG_REASON)


@pytest.mark.aws_doc(STUCK, MAX_RESOURCE, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("queue", "definition", "slow")
def test_a_job_needing_exactly_the_environment_maximum_only_waits_for_capacity(
    fake_batch: FakeBatch, batch: Any
) -> None:
    running = submit(batch, 1)
    whole = submit(batch, 16)

    assert reason(batch, running) == ("RUNNING", None)
    assert reason(batch, whole) == ("RUNNABLE", None)
    assert fake_batch.events.filter(detail_type="Batch Job Queue Blocked") == []

    fake_batch.advance(600)

    assert reason(batch, whole) == ("RUNNING", None)


@pytest.mark.aws_doc(STUCK, MAX_RESOURCE, family="Scheduling", ops=("SubmitJob", "UpdateComputeEnvironment"))
@pytest.mark.usefixtures("definition")
def test_a_disabled_environment_does_not_count_as_able_to_hold_the_job(batch: Any) -> None:
    environment(batch, "small", 4)
    environment(batch, "large", 64, state="DISABLED")
    job_queue(batch, "q", "small", "large")

    job = submit(batch, 8)
    assert reason(batch, job) == ("RUNNABLE", BIG_REASON)

    batch.update_compute_environment(computeEnvironment="large", state="ENABLED")

    assert reason(batch, job) == ("SUCCEEDED", EXITED)


@pytest.mark.usefixtures("definition")
def test_a_queue_whose_environments_are_all_disabled_waits_without_a_reason(batch: Any) -> None:
    # AWS documents no reason for this case: the fake gives none (the job waits for an environment)
    environment(batch, "off", 4, state="DISABLED")
    job_queue(batch, "q", "off")

    assert reason(batch, submit(batch, 8)) == ("RUNNABLE", None)
    assert reason(batch, submit(batch, 1)) == ("RUNNABLE", None)


@pytest.mark.aws_doc(STUCK, MAX_RESOURCE, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("queue", "definition", "slow")
def test_a_job_that_fits_but_waits_behind_a_running_one_has_no_reason(batch: Any) -> None:
    submit(batch, 10)
    waiting = submit(batch, 10)

    assert reason(batch, waiting) == ("RUNNABLE", None)


@pytest.mark.aws_doc(STUCK, HEAD, family="Scheduling", ops=("DescribeJobs", "UpdateComputeEnvironment"))
@pytest.mark.usefixtures("queue", "definition")
def test_the_reason_goes_as_soon_as_the_job_gets_capacity(fake_batch: FakeBatch, batch: Any) -> None:
    big = submit(batch, 32)
    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)
    fake_batch.autorun = False

    batch.update_compute_environment(computeEnvironment="ce", computeResources={"maxvCpus": 32})
    seen = []
    while fake_batch.step():
        seen.append(reason(batch, big))

    assert seen == [("STARTING", None), ("RUNNING", None), ("SUCCEEDED", EXITED)]


@pytest.mark.aws_doc(
    STUCK, MAX_RESOURCE, family="Scheduling", ops=("DescribeJobs", "UpdateComputeEnvironment")
)
@pytest.mark.usefixtures("queue", "definition", "slow")
def test_a_job_that_could_fit_once_the_environment_grows_only_waits_for_capacity(
    fake_batch: FakeBatch, batch: Any
) -> None:
    submit(batch, 16)  # holds the whole environment for 600 s
    big = submit(batch, 20)
    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)

    batch.update_compute_environment(computeEnvironment="ce", computeResources={"maxvCpus": 20})
    assert reason(batch, big) == ("RUNNABLE", None)  # it fits now: it waits for the running job

    batch.update_compute_environment(computeEnvironment="ce", computeResources={"maxvCpus": 16})
    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)  # and says so again once it cannot
    blocked = fake_batch.events.filter(detail_type="Batch Job Queue Blocked")
    assert [e.job_id for e in blocked] == [big, big]


@pytest.mark.aws_doc(STUCK, HEAD, family="Scheduling", ops=("DescribeJobs", "CancelJob"))
@pytest.mark.usefixtures("queue", "definition")
def test_cancelling_the_head_makes_the_next_job_the_head(fake_batch: FakeBatch, batch: Any) -> None:
    first = submit(batch, 32)
    second = submit(batch, 32)
    assert reason(batch, second) == ("RUNNABLE", None)

    batch.cancel_job(jobId=first, reason="too big")

    assert reason(batch, first) == ("FAILED", "too big")
    assert reason(batch, second) == ("RUNNABLE", BIG_REASON)
    blocked = fake_batch.events.filter(detail_type="Batch Job Queue Blocked")
    assert [e.job_id for e in blocked] == [first, second]


# -- the Batch Job Queue Blocked event ---------------------------------------------------------


@pytest.mark.aws_doc(BLOCKED_EVENTS, BLOCKED_EVENT, family="Events", ops=("SubmitJob",))
@pytest.mark.usefixtures("queue", "definition")
def test_one_blocked_event_per_stuck_job_with_its_reason_and_tags(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()
    stuck_at = fake_batch.clock.now_ms()
    big = submit(batch, 32, tags={"team": "a"})
    for _ in range(3):  # every request moves the scheduler again: the job is found blocked once
        assert reason(batch, big) == ("RUNNABLE", BIG_REASON)
        fake_batch.advance(60)

    (event,) = fake_batch.events.filter(detail_type="Batch Job Queue Blocked")
    assert (event.job_id, event.status, event.time_ms) == (big, "RUNNABLE", stuck_at)
    assert (event.region, event.account) == ("eu-west-1", "123456789012")
    assert event.resources == (
        f"arn:aws:batch:eu-west-1:123456789012:job/{big}",
        "arn:aws:batch:eu-west-1:123456789012:job-queue/q",
    )
    assert (event.detail["status"], event.detail["statusReason"]) == ("RUNNABLE", BIG_REASON)
    assert event.detail["tags"] == {"team": "a"}


# -- jobStateTimeLimitActions ------------------------------------------------------------------


@pytest.mark.aws_doc(STUCK, ACTION, family="Scheduling", ops=("CreateJobQueue", "DescribeJobs"))
@pytest.mark.usefixtures("definition")
@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_the_action_cancels_the_job_exactly_max_time_seconds_after_it_got_stuck(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.clock.freeze()
    environment(batch, "ce", 4)
    job_queue(batch, "q", "ce", jobStateTimeLimitActions=[limit(600)])
    stuck_at = fake_batch.clock.now_ms()
    big = submit(batch, 8)

    fake_batch.advance(3600)  # one jump: the action still fires at its own time

    job = describe(batch, big)
    assert (job["status"], job["statusReason"], job["isCancelled"]) == ("FAILED", CANCELED, True)
    assert job["stoppedAt"] == stuck_at + 600_000
    assert job["attempts"] == []
    (failed,) = fake_batch.events.filter(job=big, status="FAILED")
    assert (failed.time_ms, failed.status_reason) == (stuck_at + 600_000, CANCELED)


@pytest.mark.aws_doc(STUCK, ACTION, family="Scheduling", ops=("CreateJobQueue", "DescribeJobs"))
@pytest.mark.usefixtures("definition")
@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_within_one_long_advance_the_next_job_becomes_the_head_when_the_action_fires(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.clock.freeze()
    environment(batch, "ce", 4)
    job_queue(batch, "q", "ce", jobStateTimeLimitActions=[limit(600)])
    stuck_at = fake_batch.clock.now_ms()
    first = submit(batch, 8)
    second = submit(batch, 8)

    fake_batch.advance(3600)  # one call: the clock stops at each action's time on the way

    assert [describe(batch, j)["stoppedAt"] - stuck_at for j in (first, second)] == [600_000, 1_200_000]
    blocked = fake_batch.events.filter(detail_type="Batch Job Queue Blocked")
    assert [(e.job_id, e.time_ms - stuck_at) for e in blocked] == [(first, 0), (second, 600_000)]


@pytest.mark.aws_doc(STUCK, ACTION, family="Scheduling", ops=("CreateJobQueue",))
@pytest.mark.parametrize(
    ("actions", "fires_after"),
    [
        ([limit(900), limit(600)], 600),  # the first to come due
        ([limit(600, CAPACITY), limit(900)], 900),  # an action for another reason never fires
    ],
    ids=["earliest", "other-reason"],
)
@pytest.mark.usefixtures("definition")
@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_the_action_for_the_job_s_reason_fires_first(
    fake_batch: FakeBatch, batch: Any, actions: list[dict[str, Any]], fires_after: int
) -> None:
    fake_batch.clock.freeze()
    environment(batch, "ce", 4)
    job_queue(batch, "q", "ce", jobStateTimeLimitActions=actions)
    big = submit(batch, 8)

    fake_batch.advance(fires_after - 1)
    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)
    fake_batch.advance(1)
    assert reason(batch, big) == ("FAILED", CANCELED)


@pytest.mark.aws_doc(STUCK, ACTION, family="Scheduling", ops=("CreateJobQueue", "CancelJob"))
@pytest.mark.usefixtures("definition")
@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_a_job_cancelled_before_the_action_keeps_its_own_reason(
    fake_batch: FakeBatch, batch: Any, recwarn: pytest.WarningsRecorder
) -> None:
    fake_batch.clock.freeze()
    stuck_at = fake_batch.clock.now_ms()
    environment(batch, "ce", 4)
    job_queue(batch, "q", "ce", jobStateTimeLimitActions=[limit(600)])
    job_queue(batch, "other", "ce", jobStateTimeLimitActions=[limit(600)])
    big = submit(batch, 8)
    elsewhere = submit(batch, 8, queue="other")  # blocking its own queue, after the first
    fake_batch.advance(300)

    batch.cancel_job(jobId=big, reason="gave up")
    fake_batch.advance(3600)

    assert reason(batch, big) == ("FAILED", "gave up")
    assert [e.status_reason for e in fake_batch.events.filter(job=big, status="FAILED")] == ["gave up"]
    job = describe(batch, elsewhere)  # the other queue's action still fires, on time
    assert (job["status"], job["statusReason"], job["stoppedAt"]) == ("FAILED", CANCELED, stuck_at + 600_000)
    assert [str(w.message) for w in recwarn] == []  # and the fake never broke on the cancelled one


@pytest.mark.aws_doc(STUCK, ACTION, family="Scheduling", ops=("CreateJobQueue",))
@pytest.mark.usefixtures("definition")
@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_stepping_shows_the_action_as_a_move(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()
    environment(batch, "ce", 4)
    job_queue(batch, "q", "ce", jobStateTimeLimitActions=[limit(600)])
    big = submit(batch, 8)
    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)
    fake_batch.autorun = False

    fake_batch.clock.advance(599)
    assert fake_batch.step() is False  # not due yet: nothing moves
    fake_batch.clock.advance(1)
    assert fake_batch.step() is True

    assert reason(batch, big) == ("FAILED", CANCELED)
    assert fake_batch.step() is False


@pytest.mark.aws_doc(STUCK, ACTION, family="Scheduling", ops=("UpdateJobQueue",))
@pytest.mark.usefixtures("queue", "definition")
@needs_member("CreateJobQueue", "jobStateTimeLimitActions")
def test_an_action_added_later_counts_from_when_the_job_got_stuck(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()
    stuck_at = fake_batch.clock.now_ms()
    big = submit(batch, 32)
    fake_batch.advance(400)

    batch.update_job_queue(jobQueue="q", jobStateTimeLimitActions=[limit(600)])
    fake_batch.advance(199)
    assert reason(batch, big) == ("RUNNABLE", BIG_REASON)
    fake_batch.advance(1)

    job = describe(batch, big)
    assert (job["status"], job["stoppedAt"]) == ("FAILED", stuck_at + 600_000)
