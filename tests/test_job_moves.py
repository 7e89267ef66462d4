"""Each move of a job as a user sees it: the time it happened (timestamps, event times), the
order jobs are listed and started in, what a step reports, and when a dependent moves."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_operation
from job_calls import describe, submit

from pytest_fakebatch import Exit, FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")

FIFO_PAGE = "UG: Fair-share scheduling policies"
FIFO = (
    "If you don't specify a scheduling policy when you create a job queue, the AWS Batch job scheduler "
    "defaults to a first-in, first-out (FIFO) strategy."
)
DEPENDS_PAGE = "UG: Job states"
DEPENDS = (
    "PENDING: A job that resides in the queue and isn't yet able to run due to a dependency on another job "
    "or resource. After the dependencies are satisfied, the job is moved to RUNNABLE."
)
T0 = 1_800_000_000_000  # a fixed moment for the fake's clock


@pytest.fixture
def started(fake_batch: FakeBatch) -> list[str]:
    """Job names (``name[index]`` for array children, with the attempt) in the order their
    attempts started; 'work' takes 10 simulated seconds and fails a job named 'flaky' once."""
    fake_batch.clock.freeze(T0)
    order: list[str] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        index = "" if job.array_index is None else f"[{job.array_index}]"
        order.append(f"{job.job_name}{index}#{job.attempt}")
        job.sleep(10)
        return 1 if job.job_name == "flaky" and job.array_index == 0 and job.attempt == 1 else 0

    return order


def narrow(batch: Any) -> None:
    """Room for one 1-vCPU job at a time in queue 'q'."""
    batch.update_compute_environment(computeEnvironment="ce", computeResources={"maxvCpus": 1})


# -- order -------------------------------------------------------------------------------------


@pytest.mark.aws_doc(FIFO_PAGE, FIFO, family="Array jobs", ops=("SubmitJob",))
def test_a_retried_array_child_keeps_its_place_before_later_children(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    narrow(batch)
    submit(batch, "flaky", arrayProperties={"size": 3}, retryStrategy={"attempts": 2})

    fake_batch.advance(60)

    # the capacity the failed attempt frees goes to the next child in the same round; after
    # that, the retried child comes before the later ones again
    assert started == ["flaky[0]#1", "flaky[1]#1", "flaky[0]#2", "flaky[2]#1"]


@pytest.mark.aws_doc(FIFO_PAGE, FIFO, family="Container jobs", ops=("SubmitJob",))
def test_jobs_start_in_submission_order_and_a_retry_keeps_its_place(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    narrow(batch)
    fake_batch.autorun = False
    first = submit(batch, "first", retryStrategy={"attempts": 2})
    submit(batch, "second")
    submit(batch, "third")
    fake_batch.autorun = True

    @fake_batch.handler(definition="work")
    def fails_first_once(job: JobRun) -> int:
        started.append(f"{job.job_name}#{job.attempt}")
        job.sleep(10)
        return 1 if job.job_name == "first" and job.attempt == 1 else 0

    fake_batch.advance(60)

    # the failed attempt's capacity goes to the next job in the same round; then the retry
    # comes before the job submitted after it
    assert started == ["first#1", "second#1", "first#2", "third#1"]
    assert describe(batch, first)["status"] == "SUCCEEDED"


@pytest.mark.aws_doc(
    "API: ListJobs",
    "jobSummaryList ... A list of job summaries that match the request.",
    family="Container jobs",
    ops=("ListJobs",),
)
def test_list_jobs_shows_newest_created_first_even_when_the_clock_was_set_back(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.clock.freeze(T0)
    late = submit(batch, "late")
    fake_batch.clock.freeze(T0 - 100_000)  # a test moves the fake's clock back
    early = submit(batch, "early")
    fake_batch.clock.freeze(T0 - 50_000)
    middle = submit(batch, "middle")
    fake_batch.clock.freeze(T0 + 10_000)
    newest = submit(batch, "newest")

    listed = batch.list_jobs(jobQueue="q", filters=[{"name": "JOB_NAME", "values": ["*"]}])["jobSummaryList"]

    assert [(j["jobId"], j["createdAt"]) for j in listed] == [
        (newest, T0 + 10_000),
        (late, T0),
        (middle, T0 - 50_000),
        (early, T0 - 100_000),
    ]
    page = batch.list_jobs(jobQueue="q", filters=[{"name": "JOB_NAME", "values": ["*"]}], maxResults=2)
    rest = batch.list_jobs(
        jobQueue="q", filters=[{"name": "JOB_NAME", "values": ["*"]}], nextToken=page["nextToken"]
    )
    assert [j["jobId"] for j in page["jobSummaryList"] + rest["jobSummaryList"]] == [
        newest,
        late,
        middle,
        early,
    ]


# -- dependencies ------------------------------------------------------------------------------


@pytest.mark.aws_doc(DEPENDS_PAGE, DEPENDS, family="Dependencies", ops=("SubmitJob",))
def test_a_dependent_becomes_runnable_the_moment_its_dependency_succeeds(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    first = submit(batch, "first")
    then = submit(batch, "then", dependsOn=[{"jobId": first}])

    fake_batch.advance(60)

    done = describe(batch, first)["stoppedAt"]
    assert done == T0 + 10_000
    runnable = fake_batch.events.filter(job=then, status="RUNNABLE")
    assert [e.time_ms for e in runnable] == [done]
    assert describe(batch, then)["startedAt"] == done


@pytest.mark.aws_doc(DEPENDS_PAGE, DEPENDS, family="Dependencies", ops=("SubmitJob",))
def test_a_dependent_fails_the_moment_its_dependency_fails(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze(T0)

    @fake_batch.handler(definition="work")
    def fails_late(job: JobRun) -> int:
        job.sleep(10)
        return 1

    first = submit(batch, "first")
    then = submit(batch, "then", dependsOn=[{"jobId": first}])

    fake_batch.advance(60)

    job = describe(batch, then)
    assert (job["status"], job["statusReason"], job["stoppedAt"]) == (
        "FAILED",
        "Dependent Job failed",
        T0 + 10_000,
    )
    assert [e.time_ms for e in fake_batch.events.filter(job=then, status="FAILED")] == [T0 + 10_000]


@pytest.mark.aws_doc(
    "API: CancelJob",
    "A PENDING job is canceled after all dependency jobs are completed. Therefore, it may take longer than "
    "expected to cancel a job in PENDING status.",
    family="Dependencies",
    ops=("CancelJob",),
)
def test_a_cancelled_dependent_fails_with_its_cancel_reason_once_its_dependency_ends(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    first = submit(batch, "first")
    then = submit(batch, "then", dependsOn=[{"jobId": first}])
    batch.cancel_job(jobId=then, reason="not needed")

    fake_batch.advance(60)

    job = describe(batch, then)
    assert (job["status"], job["statusReason"], job["stoppedAt"]) == ("FAILED", "not needed", T0 + 10_000)
    assert job["isCancelled"] is True
    assert started == ["first#1"]


@pytest.mark.aws_doc(DEPENDS_PAGE, DEPENDS, family="Dependencies", ops=("SubmitJob",))
def test_stepping_reports_nothing_moving_while_a_job_only_waits_for_its_dependency(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    first = submit(batch, "first")
    assert describe(batch, first)["status"] == "RUNNING"
    fake_batch.autorun = False
    then = submit(batch, "then", dependsOn=[{"jobId": first}])

    assert fake_batch.step() is True  # SUBMITTED -> PENDING
    assert describe(batch, then)["status"] == "PENDING"
    assert fake_batch.step() is False  # its dependency still runs: nothing to do
    assert fake_batch.step() is False

    fake_batch.clock.advance(10)
    assert fake_batch.step() is True
    assert describe(batch, first)["status"] == "SUCCEEDED"


@pytest.mark.aws_doc(DEPENDS_PAGE, DEPENDS, family="Dependencies", ops=("SubmitJob",))
def test_a_job_waits_for_every_one_of_its_dependencies(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    fake_batch.clock.freeze(T0)

    @fake_batch.handler(definition="work")
    def takes_its_name(job: JobRun) -> None:
        started.append(job.job_name)
        job.sleep(int(job.job_name.rpartition("-")[2]))

    short = submit(batch, "short-10")
    long = submit(batch, "long-30")
    last = submit(batch, "last-1", dependsOn=[{"jobId": short}, {"jobId": long}])

    fake_batch.advance(20)
    assert describe(batch, last)["status"] == "PENDING"
    fake_batch.advance(20)

    assert started == ["short-10", "long-30", "last-1"]
    assert describe(batch, last)["startedAt"] == T0 + 30_000


# -- timestamps and times ----------------------------------------------------------------------


@pytest.mark.aws_doc(
    "API: JobTimeout",
    "attemptDurationSeconds ... The job timeout time (in seconds) that's measured from the job attempt's "
    "startedAt timestamp. After this time passes, AWS Batch terminates your jobs if they aren't finished.",
    family="Retries and timeouts",
    ops=("SubmitJob",),
)
def test_one_long_advance_ends_a_timed_out_attempt_at_its_deadline_and_starts_the_next_job_then(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.clock.freeze(T0)
    narrow(batch)

    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    stuck = submit(batch, "stuck", timeout={"attemptDurationSeconds": 60})
    after = submit(batch, "after")

    fake_batch.advance(3600)

    job = describe(batch, stuck)
    assert (job["status"], job["startedAt"], job["stoppedAt"]) == ("FAILED", T0, T0 + 60_000)
    assert job["statusReason"] == "Job attempt duration exceeded timeout"
    nxt = describe(batch, after)
    assert (nxt["startedAt"], nxt["stoppedAt"]) == (T0 + 60_000, T0 + 660_000)


@pytest.mark.aws_doc(
    "API: JobDetail",
    "startedAt ... The Unix timestamp (in milliseconds) for when the job was started. More specifically, "
    "it's when the job transitioned from the STARTING state to the RUNNING state.",
    family="Container jobs",
    ops=("DescribeJobs",),
)
def test_every_move_is_stamped_with_the_time_it_happened(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze(T0)

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> Exit:
        job.sleep(5)
        return Exit(0)

    fake_batch.autorun = False
    job_id = submit(batch, "stamped")
    times = []
    while True:
        fake_batch.clock.advance(1)
        if not fake_batch.step():
            if describe(batch, job_id)["status"] == "SUCCEEDED":
                break
            continue
        times.append((describe(batch, job_id)["status"], fake_batch.clock.now_ms() - T0))

    assert times == [
        ("RUNNABLE", 1000),
        ("STARTING", 2000),
        ("RUNNING", 3000),
        ("SUCCEEDED", 8000),
    ]
    job = describe(batch, job_id)
    assert (job["createdAt"], job["startedAt"], job["stoppedAt"]) == (T0, T0 + 3000, T0 + 8000)
    events = fake_batch.events.filter(job=job_id)
    assert [(e.status, e.time_ms - T0) for e in events] == times


# -- a bug in the fake outside any one job -------------------------------------------------------


def test_a_bug_outside_any_one_job_is_a_warning_and_the_jobs_still_move(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the fake's own contract (AWS has no such thing): a stage of a round that breaks on no job
    # in particular warns, names the error, and the round's other stages go on
    from pytest_fakebatch.scheduling import scheduler

    real = scheduler.launch_other_nodes
    broken = [True]

    def breaks_once(*args: Any) -> Any:
        if broken[0]:
            broken[0] = False
            raise ZeroDivisionError("division by zero")
        return real(*args)

    monkeypatch.setattr(scheduler, "launch_other_nodes", breaks_once)
    fake_batch.autorun = False
    job_id = submit(batch, "survivor")
    fake_batch.step()  # SUBMITTED -> RUNNABLE

    with pytest.warns(RuntimeWarning) as warned:
        assert fake_batch.step() is False  # the dispatch broke: nothing moved

    (warning,) = warned
    assert str(warning.message) == "pytest-fakebatch internal error: ZeroDivisionError: division by zero"
    fake_batch.run_until_idle()
    assert describe(batch, job_id)["status"] == "SUCCEEDED"


@pytest.mark.aws_doc(
    "API: ListJobsByConsumableResource",
    "Returns a list of Batch jobs that require a specific consumable resource.",
    family="Consumable resources",
    ops=("ListJobsByConsumableResource", "SubmitJob"),
)
@needs_operation("ListJobsByConsumableResource")
def test_every_job_needing_a_resource_is_listed_under_it_and_no_other(batch: Any) -> None:
    for name in ("licenses", "seats"):
        batch.create_consumable_resource(consumableResourceName=name, totalQuantity=5)

    def needing(resource: str, quantity: int) -> dict[str, Any]:
        return {"consumableResourceList": [{"consumableResource": resource, "quantity": quantity}]}

    first = submit(batch, "first", consumableResourcePropertiesOverride=needing("licenses", 2))
    other = submit(batch, "other", consumableResourcePropertiesOverride=needing("seats", 1))
    second = submit(batch, "second", consumableResourcePropertiesOverride=needing("licenses", 3))
    submit(batch, "plain")

    def listed(resource: str) -> dict[str, int]:
        jobs = batch.list_jobs_by_consumable_resource(consumableResource=resource)["jobs"]
        return {j["jobArn"].rsplit("/", 1)[-1]: j["quantity"] for j in jobs}

    assert listed("licenses") == {first: 2, second: 3}
    assert listed("seats") == {other: 1}


@pytest.mark.aws_doc(
    "UG: Job states",
    "The log stream name format is jobDefinitionName/default/ecs_task_id (this format might change in the "
    "future).",
    family="Logs",
    ops=("DescribeJobs",),
)
def test_each_attempt_gets_its_own_log_stream_named_after_its_task(
    fake_batch: FakeBatch, batch: Any, logs: Any
) -> None:
    @fake_batch.handler(definition="work")
    def fails_once(job: JobRun) -> int:
        return 1 if job.attempt == 1 else 0

    job = describe(batch, submit(batch, "twice", retryStrategy={"attempts": 2}))

    streams = [a["container"]["logStreamName"] for a in job["attempts"]]
    assert [s.rsplit("/", 1)[0] for s in streams] == ["work/default", "work/default"]
    task_ids = [s.rsplit("/", 1)[1] for s in streams]
    assert all(len(t) == 32 and set(t) <= set("0123456789abcdef") for t in task_ids)  # an ECS task id
    assert task_ids[0] != task_ids[1]
    assert job["container"]["logStreamName"] == streams[1]
    assert job["container"]["taskArn"] == f"arn:aws:ecs:eu-west-1:123456789012:task/{task_ids[1]}"
    for stream in streams:  # the attempts wrote nothing: their streams are there, empty
        assert logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"] == []


@pytest.mark.aws_doc(
    "API: ContainerDetail",
    "logStreamName ... Each container attempt receives a log stream name when they reach the RUNNING status.",
    family="Logs",
    ops=("DescribeJobs", "GetLogEvents"),
)
def test_a_running_attempt_s_log_stream_is_there_from_the_start(
    fake_batch: FakeBatch, batch: Any, logs: Any
) -> None:
    fake_batch.clock.freeze()

    @fake_batch.handler(definition="work")
    def quiet(job: JobRun) -> None:
        job.sleep(600)

    job = describe(batch, submit(batch, "quiet"))
    assert job["status"] == "RUNNING"

    stream = job["container"]["logStreamName"]
    assert logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"] == []
    listed = logs.describe_log_streams(logGroupName="/aws/batch/job")["logStreams"]
    assert [s["logStreamName"] for s in listed] == [stream]


def test_a_bug_while_timing_one_attempt_fails_that_job_only(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the fake's own contract: a bug in the fake stays with the job it hit, here while the fake
    # asks when an attempt will end to move its clock forward
    from pytest_fakebatch.executors.inprocess import InProcessExecutor

    real = InProcessExecutor.finish_time

    def finish_time(self: InProcessExecutor, handle: Any) -> int | None:
        if handle.run.job_name == "poison":
            raise ZeroDivisionError("division by zero")
        return real(self, handle)

    monkeypatch.setattr(InProcessExecutor, "finish_time", finish_time)
    fake_batch.clock.freeze(T0)

    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(30)

    poison = submit(batch, "poison")
    healthy = submit(batch, "healthy")

    fake_batch.advance(60)

    job = describe(batch, poison)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == "pytest-fakebatch internal error: ZeroDivisionError: division by zero"
    assert job["stoppedAt"] == T0  # the fake broke on it at once
    failed = fake_batch.events.filter(job=poison, status="FAILED")
    assert [(e.time_ms, e.status_reason) for e in failed] == [(T0, job["statusReason"])]
    assert describe(batch, healthy)["stoppedAt"] == T0 + 30_000


@pytest.mark.aws_doc(DEPENDS_PAGE, DEPENDS, family="Dependencies", ops=("SubmitJob", "TerminateJob"))
def test_a_terminated_dependent_does_not_hold_up_the_others(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    first = submit(batch, "first")
    dropped = submit(batch, "dropped", dependsOn=[{"jobId": first}])
    kept = submit(batch, "kept", dependsOn=[{"jobId": first}])
    batch.terminate_job(jobId=dropped, reason="not needed")

    fake_batch.advance(60)

    assert [describe(batch, j)["status"] for j in (dropped, kept)] == ["FAILED", "SUCCEEDED"]
    assert started == ["first#1", "kept#1"]


@pytest.mark.aws_doc(DEPENDS_PAGE, DEPENDS, family="Dependencies", ops=("SubmitJob",))
def test_stepping_counts_a_dependent_made_runnable_though_another_still_waits(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    done = submit(batch, "done")
    fake_batch.advance(10)
    running = submit(batch, "running")
    assert [describe(batch, j)["status"] for j in (done, running)] == ["SUCCEEDED", "RUNNING"]
    fake_batch.autorun = False
    ready = submit(batch, "ready", dependsOn=[{"jobId": done}])
    waiting = submit(batch, "waiting", dependsOn=[{"jobId": running}])

    assert fake_batch.step() is True  # both PENDING
    assert fake_batch.step() is True  # ready: RUNNABLE; waiting: still PENDING

    assert [describe(batch, j)["status"] for j in (ready, waiting)] == ["RUNNABLE", "PENDING"]
    pending = fake_batch.events.filter(status="PENDING")
    assert [(e.job_id, e.time_ms) for e in pending] == [(ready, T0 + 10_000), (waiting, T0 + 10_000)]


def test_an_array_parent_s_pending_event_is_at_its_admission(fake_batch: FakeBatch, batch: Any) -> None:
    # AWS documents no time for it: the fake sends the parent's PENDING when its children are admitted
    fake_batch.clock.freeze(T0)
    fake_batch.autorun = False
    parent = submit(batch, "fan", arrayProperties={"size": 2})
    fake_batch.clock.advance(5)

    fake_batch.step()

    (pending,) = fake_batch.events.filter(job=parent, status="PENDING")
    assert pending.time_ms == T0 + 5_000


@pytest.mark.aws_doc(
    "UG: Job state change events",
    "The detail section resembles the JobDetail object that's returned from a DescribeJobs API operation",
    family="Events",
    ops=("SubmitJob",),
)
def test_an_array_ends_when_its_last_child_does_and_its_events_say_when(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.clock.freeze(T0)
    narrow(batch)

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(10)

    parent = submit(batch, "fan", arrayProperties={"size": 2}, tags={"team": "etl"})
    fake_batch.advance(60)

    job = describe(batch, parent)
    last = describe(batch, f"{parent}:1")
    assert (job["status"], job["stoppedAt"], last["stoppedAt"]) == ("SUCCEEDED", T0 + 20_000, T0 + 20_000)
    (ended,) = [e for e in fake_batch.events.filter(status="SUCCEEDED") if e.job_id == parent]
    assert ended.time_ms == T0 + 20_000
    assert ended.detail["tags"] == {"team": "etl"}
    child_events = [e for e in fake_batch.events if e.job_id == f"{parent}:0"]
    assert [e.detail["tags"] for e in child_events] == [{"team": "etl"}] * len(child_events)


def test_a_bug_while_freeing_a_dependent_fails_that_job_only(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    # the fake's own contract: a bug in the fake stays with the job it hit, here while it moves
    # a dependent on once its dependency is done
    from pytest_fakebatch.scheduling import scheduler

    real = scheduler.set_status

    def set_status(region: Any, job: Any, status: str, *args: Any, **kwargs: Any) -> None:
        if status == "RUNNABLE" and job.spec.name == "poison":
            raise ZeroDivisionError("division by zero")
        real(region, job, status, *args, **kwargs)

    monkeypatch.setattr(scheduler, "set_status", set_status)
    first = submit(batch, "first")
    poison = submit(batch, "poison", dependsOn=[{"jobId": first}])
    healthy = submit(batch, "healthy", dependsOn=[{"jobId": first}])

    fake_batch.advance(60)

    job = describe(batch, poison)
    assert (job["status"], job["statusReason"]) == (
        "FAILED",
        "pytest-fakebatch internal error: ZeroDivisionError: division by zero",
    )
    assert describe(batch, healthy)["status"] == "SUCCEEDED"
    assert started == ["first#1", "healthy#1"]
