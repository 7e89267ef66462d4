"""Single jobs through boto3: SubmitJob, the lifecycle, DescribeJobs, ListJobs, Cancel and Terminate."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ParamValidationError

from pytest_fakebatch import FakeBatch, JobRun

TERMINAL = ("SUCCEEDED", "FAILED")

pytestmark = pytest.mark.usefixtures("queue", "definition")


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


def submit(batch: Any, name: str = "job", **kwargs: Any) -> str:
    kwargs.setdefault("jobQueue", "q")
    kwargs.setdefault("jobDefinition", "work")
    return batch.submit_job(jobName=name, **kwargs)["jobId"]


def run(batch: Any, name: str = "job", **kwargs: Any) -> dict[str, Any]:
    """Submit a job and describe it, as a caller would (the describe lets the fake run it)."""
    return describe(batch, submit(batch, name, **kwargs))


def small_queue(batch: Any, max_vcpus: int) -> str:
    """A queue 'small' on its own compute environment with ``max_vcpus``."""
    batch.create_compute_environment(
        computeEnvironmentName="small-ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": max_vcpus, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.create_job_queue(
        jobQueueName="small",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "small-ce"}],
    )
    return "small"


@pytest.fixture
def runs(fake_batch: FakeBatch) -> list[JobRun]:
    """Every attempt the definition 'work' ran, as its handler saw it."""
    seen: list[JobRun] = []

    @fake_batch.handler(definition="work")
    def record(job: JobRun) -> None:
        seen.append(job)

    return seen


@pytest.fixture
def sleeper(fake_batch: FakeBatch) -> None:
    """Jobs of 'work' take 600 simulated seconds."""

    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)


@pytest.fixture
def other(batch: Any) -> str:
    """A second definition 'other' whose jobs finish at once (no handler)."""
    batch.register_job_definition(
        jobDefinitionName="other", type="container", containerProperties={"image": "other:1", "vcpus": 1}
    )
    return "other"


# -- SubmitJob: which definition ---------------------------------------------------------


def test_submit_by_name_uses_latest_active_revision(batch: Any) -> None:
    second = batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )
    batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:3", "vcpus": 1}
    )
    batch.deregister_job_definition(jobDefinition="work:3")

    job = run(batch, jobDefinition="work")

    assert job["jobDefinition"] == second["jobDefinitionArn"]
    assert job["container"]["image"] == "worker:2"


def test_submit_by_name_and_revision(batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )

    job = run(batch, jobDefinition="work:1")

    assert job["jobDefinition"].endswith(":job-definition/work:1")
    assert job["container"]["image"] == "worker:latest"


def test_submit_by_arn(batch: Any) -> None:
    arn = batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )["jobDefinitionArn"]
    batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:3", "vcpus": 1}
    )

    job = run(batch, jobDefinition=arn)

    assert job["jobDefinition"] == arn
    assert job["container"]["image"] == "worker:2"


def test_submit_returns_arn_name_and_id(batch: Any) -> None:
    answer = batch.submit_job(jobName="nightly", jobQueue="q", jobDefinition="work")

    assert answer["jobName"] == "nightly"
    assert answer["jobArn"] == f"arn:aws:batch:eu-west-1:123456789012:job/{answer['jobId']}"


# -- SubmitJob: overrides and parameters --------------------------------------------------


def test_container_overrides_replace_the_command(batch: Any, runs: list[JobRun]) -> None:
    job = run(batch, containerOverrides={"command": ["python", "etl.py", "--day", "2024-01-01"]})

    assert runs[0].command == ["python", "etl.py", "--day", "2024-01-01"]
    assert job["container"]["command"] == ["python", "etl.py", "--day", "2024-01-01"]


def test_container_overrides_merge_environment_by_name(batch: Any, runs: list[JobRun]) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={
            "image": "worker:latest",
            "vcpus": 1,
            "environment": [{"name": "STAGE", "value": "prod"}, {"name": "LEVEL", "value": "info"}],
        },
    )

    run(
        batch,
        containerOverrides={
            "environment": [{"name": "LEVEL", "value": "debug"}, {"name": "DAY", "value": "1"}]
        },
    )

    env = runs[0].env
    assert (env["STAGE"], env["LEVEL"], env["DAY"]) == ("prod", "debug", "1")


def test_container_overrides_vcpus_and_memory(batch: Any, runs: list[JobRun]) -> None:
    job = run(batch, containerOverrides={"vcpus": 4, "memory": 2048})

    assert (runs[0].vcpus, runs[0].memory) == (4, 2048)
    container = job["container"]
    assert (container["vcpus"], container["memory"]) == (4, 2048)


def test_container_overrides_resource_requirements(batch: Any, runs: list[JobRun]) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={
            "image": "worker:latest",
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
        },
    )

    job = run(
        batch,
        containerOverrides={
            "resourceRequirements": [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "4096"}]
        },
    )

    assert (runs[0].vcpus, runs[0].memory) == (2, 4096)
    requirements = {r["type"]: r["value"] for r in job["container"]["resourceRequirements"]}
    assert requirements == {"VCPU": "2", "MEMORY": "4096"}


def test_parameters_substitute_ref_placeholders_submit_overriding_defaults(
    batch: Any, runs: list[JobRun]
) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        parameters={"input": "s3://bucket/default", "codec": "mp4"},
        containerProperties={
            "image": "worker:latest",
            "vcpus": 1,
            "command": ["convert", "Ref::input", "--codec=Ref::codec"],
        },
    )

    job = run(batch, parameters={"input": "s3://bucket/today"})

    assert runs[0].command == ["convert", "s3://bucket/today", "--codec=mp4"]
    assert job["parameters"] == {"input": "s3://bucket/today", "codec": "mp4"}


def test_ref_to_an_unknown_parameter_is_rejected(batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "command": ["convert", "Ref::input"]},
    )

    with pytest.raises(batch.exceptions.ClientException, match="input"):
        submit(batch, parameters={"output": "x"})


def test_tags_and_propagate_tags_are_kept(batch: Any) -> None:
    job_id = submit(batch, tags={"team": "data", "cost-center": "42"}, propagateTags=True)

    job = describe(batch, job_id)
    assert job["tags"] == {"team": "data", "cost-center": "42"}
    assert job["propagateTags"] is True
    assert batch.list_tags_for_resource(resourceArn=job["jobArn"])["tags"] == {
        "team": "data",
        "cost-center": "42",
    }


def test_timeout_and_retry_strategy_are_echoed(batch: Any) -> None:
    job_id = submit(
        batch,
        timeout={"attemptDurationSeconds": 120},
        retryStrategy={"attempts": 3, "evaluateOnExit": [{"onExitCode": "137", "action": "RETRY"}]},
    )

    job = describe(batch, job_id)
    assert job["timeout"] == {"attemptDurationSeconds": 120}
    assert job["retryStrategy"]["attempts"] == 3
    assert job["retryStrategy"]["evaluateOnExit"] == [{"onExitCode": "137", "action": "RETRY"}]


def test_empty_array_properties_submit_an_ordinary_job(batch: Any, runs: list[JobRun]) -> None:
    job = run(batch, arrayProperties={})

    assert job["status"] == "SUCCEEDED"
    assert "arrayProperties" not in job
    assert len(runs) == 1
    assert "AWS_BATCH_JOB_ARRAY_INDEX" not in runs[0].env


# -- SubmitJob: validation ---------------------------------------------------------------


def test_submit_to_a_disabled_queue_is_rejected(batch: Any) -> None:
    batch.update_job_queue(jobQueue="q", state="DISABLED")

    with pytest.raises(batch.exceptions.ClientException, match="DISABLED"):
        submit(batch)


def test_submit_to_an_unknown_queue_names_the_known_ones(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match=r"nightly.*'q'"):
        submit(batch, jobQueue="nightly")


def test_submit_with_an_unknown_definition_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="nope"):
        submit(batch, jobDefinition="nope")


def test_submit_with_an_inactive_definition_is_rejected(batch: Any) -> None:
    batch.deregister_job_definition(jobDefinition="work:1")

    with pytest.raises(batch.exceptions.ClientException, match="work"):
        submit(batch, jobDefinition="work:1")
    with pytest.raises(batch.exceptions.ClientException, match="work"):
        submit(batch, jobDefinition="work")


@pytest.mark.parametrize("name", ["has space", "-leading-hyphen", "dots.not.allowed", "x" * 129])
def test_invalid_job_name_is_rejected(batch: Any, name: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="jobName"):
        submit(batch, name=name)


@pytest.mark.parametrize("attempts", [0, 11])
def test_retry_attempts_outside_1_to_10_are_rejected(batch: Any, attempts: int) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="attempts"):
        submit(batch, retryStrategy={"attempts": attempts})


def test_timeout_under_60_seconds_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="60"):
        submit(batch, timeout={"attemptDurationSeconds": 59})


def test_overriding_a_reserved_aws_batch_variable_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="AWS_BATCH_"):
        submit(batch, containerOverrides={"environment": [{"name": "AWS_BATCH_JOB_ID", "value": "mine"}]})


@pytest.mark.parametrize("priority", [-1, 10000])
def test_scheduling_priority_override_out_of_range_is_rejected(batch: Any, priority: int) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="schedulingPriorityOverride"):
        submit(batch, schedulingPriorityOverride=priority)


def test_rejected_submit_creates_no_job(fake_batch: FakeBatch, batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException):
        submit(batch, timeout={"attemptDurationSeconds": 59})

    assert fake_batch.jobs() == []


# -- lifecycle ----------------------------------------------------------------------------


def test_job_has_succeeded_by_the_first_describe(batch: Any) -> None:
    job = run(batch)

    assert job["status"] == "SUCCEEDED"
    assert job["container"]["exitCode"] == 0


def test_polling_loop_ends_on_the_first_poll(batch: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleeping(seconds: float) -> None:
        pytest.fail(f"time.sleep({seconds}) was called: the job was not finished on the first poll")

    monkeypatch.setattr(time, "sleep", no_sleeping)
    job_id = submit(batch)

    status = describe(batch, job_id)["status"]
    while status not in TERMINAL:
        time.sleep(5)
        status = describe(batch, job_id)["status"]

    assert status == "SUCCEEDED"


def test_stepping_shows_every_status_in_order(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    job_id = submit(batch)

    seen = [describe(batch, job_id)["status"]]
    while fake_batch.step():
        seen.append(describe(batch, job_id)["status"])

    assert seen == ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]


def test_timestamps_are_ordered(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(30)

    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNING"
    fake_batch.advance(30)

    job = describe(batch, job_id)
    assert job["createdAt"] <= job["startedAt"] < job["stoppedAt"]
    assert job["stoppedAt"] - job["startedAt"] == 30_000


def test_advance_right_after_submit_counts_from_the_submission(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(30)

    job_id = submit(batch)
    fake_batch.advance(30)

    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["stoppedAt"] - job["createdAt"] == 30_000


def test_attempt_records_exit_code_stream_and_reason(batch: Any) -> None:
    job = run(batch)

    (attempt,) = job["attempts"]
    assert attempt["container"]["exitCode"] == 0
    assert attempt["container"]["logStreamName"] == job["container"]["logStreamName"]
    assert attempt["container"]["logStreamName"].startswith("work/default/")
    assert attempt["statusReason"] == "Essential container in task exited"
    assert attempt["startedAt"] <= attempt["stoppedAt"]


def test_nonzero_exit_code_fails_the_job(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        return 3

    job = run(batch)

    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 3
    assert job["attempts"][0]["container"]["exitCode"] == 3


def test_handler_raising_fails_the_job_with_its_error(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        raise ValueError("shard 7 is corrupt")

    job_id = submit(batch)

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert "shard 7 is corrupt" in job["statusReason"]
    output = fake_batch.job(job_id).output
    assert output[0] == "Traceback (most recent call last):"
    assert output[-1] == "ValueError: shard 7 is corrupt"


def test_default_exit_code_applies_to_jobs_without_handler(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.default_exit_code = 1

    job = run(batch)

    assert job["status"] == "FAILED"
    assert job["container"]["exitCode"] == 1


def test_container_environment_names_the_job_attempt_queue_and_environment(
    batch: Any, runs: list[JobRun]
) -> None:
    job = run(batch)

    env = runs[0].env
    assert env["AWS_BATCH_JOB_ID"] == job["jobId"]
    assert env["AWS_BATCH_JOB_ATTEMPT"] == "1"
    assert env["AWS_BATCH_JQ_NAME"] == "q"
    assert env["AWS_BATCH_CE_NAME"] == "ce"


# -- DescribeJobs -------------------------------------------------------------------------


def test_describe_unknown_job_answers_empty(batch: Any) -> None:
    assert batch.describe_jobs(jobs=["00000000-0000-0000-0000-000000000000"])["jobs"] == []


def test_describe_more_than_100_jobs_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="100"):
        batch.describe_jobs(jobs=[f"id-{i}" for i in range(101)])


def test_describe_duplicate_ids_answers_each_job_once(batch: Any) -> None:
    first, second = submit(batch, "a"), submit(batch, "b")

    jobs = batch.describe_jobs(jobs=[first, second, first, "unknown"])["jobs"]

    assert [j["jobId"] for j in jobs] == [first, second]


# -- ListJobs -----------------------------------------------------------------------------


def listed(batch: Any, **kwargs: Any) -> list[str]:
    kwargs.setdefault("jobQueue", "q")
    return [j["jobName"] for j in batch.list_jobs(**kwargs)["jobSummaryList"]]


@pytest.mark.usefixtures("other", "sleeper")
def test_list_jobs_shows_running_jobs_by_default(fake_batch: FakeBatch, batch: Any) -> None:
    submit(batch, "quick", jobDefinition="other")
    submit(batch, "slow")

    assert listed(batch) == ["slow"]
    fake_batch.advance(600)
    assert listed(batch) == []


def test_list_jobs_by_status(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(job_name="bad")
    def bad(job: JobRun) -> int:
        return 1

    submit(batch, "good")
    submit(batch, "bad")

    assert listed(batch, jobStatus="SUCCEEDED") == ["good"]
    assert listed(batch, jobStatus="FAILED") == ["bad"]
    assert listed(batch, jobStatus="RUNNABLE") == []


def test_list_jobs_job_name_filter_is_case_insensitive_with_trailing_star(batch: Any) -> None:
    for name in ("Nightly-ETL", "nightly-report", "weekly-etl"):
        submit(batch, name)

    def by_name(value: str) -> list[str]:
        return sorted(listed(batch, filters=[{"name": "JOB_NAME", "values": [value]}]))

    assert by_name("NIGHTLY-etl") == ["Nightly-ETL"]
    assert by_name("nightly*") == ["Nightly-ETL", "nightly-report"]
    assert by_name("nightly") == []


@pytest.mark.usefixtures("other")
def test_list_jobs_job_definition_filter(batch: Any) -> None:
    second = batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )["jobDefinitionArn"]
    submit(batch, "first", jobDefinition="work:1")
    submit(batch, "second", jobDefinition="work:2")
    submit(batch, "unrelated", jobDefinition="other")

    def by_definition(value: str) -> list[str]:
        return sorted(listed(batch, filters=[{"name": "JOB_DEFINITION", "values": [value]}]))

    assert by_definition("work") == ["first", "second"]
    assert by_definition(second) == ["second"]
    assert by_definition("oth*") == ["unrelated"]


def test_list_jobs_created_at_filters(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()
    start = fake_batch.clock.now_ms()
    for name in ("a", "b", "c"):
        submit(batch, name)
        fake_batch.advance(10)

    def created(kind: str, at_ms: int) -> list[str]:
        return listed(batch, filters=[{"name": kind, "values": [str(at_ms)]}])

    assert created("AFTER_CREATED_AT", start + 5_000) == ["c", "b"]
    assert created("BEFORE_CREATED_AT", start + 15_000) == ["b", "a"]


def test_list_jobs_filters_ignore_job_status(batch: Any) -> None:
    submit(batch, "done")

    names = listed(batch, jobStatus="RUNNING", filters=[{"name": "JOB_NAME", "values": ["done"]}])

    assert names == ["done"]


def test_list_jobs_is_newest_first(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()
    for name in ("first", "second", "third"):
        submit(batch, name)
        fake_batch.advance(1)

    assert listed(batch, filters=[{"name": "JOB_NAME", "values": ["*"]}]) == ["third", "second", "first"]


def test_list_jobs_paginates_with_max_results_and_next_token(batch: Any) -> None:
    ids = {submit(batch, f"job-{i}") for i in range(5)}

    pages = []
    kwargs: dict[str, Any] = {"jobQueue": "q", "jobStatus": "SUCCEEDED", "maxResults": 2}
    while True:
        answer = batch.list_jobs(**kwargs)
        pages.append([j["jobId"] for j in answer["jobSummaryList"]])
        if "nextToken" not in answer:
            break
        kwargs["nextToken"] = answer["nextToken"]

    assert [len(p) for p in pages] == [2, 2, 1]
    assert {i for p in pages for i in p} == ids


def test_list_jobs_paginator(batch: Any) -> None:
    ids = {submit(batch, f"job-{i}") for i in range(5)}

    pages = list(
        batch.get_paginator("list_jobs").paginate(
            jobQueue="q", jobStatus="SUCCEEDED", PaginationConfig={"PageSize": 2}
        )
    )

    assert len(pages) == 3
    assert {j["jobId"] for p in pages for j in p["jobSummaryList"]} == ids


def test_list_jobs_needs_exactly_one_of_queue_and_array(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="jobQueue"):
        batch.list_jobs()
    with pytest.raises(batch.exceptions.ClientException, match="jobQueue"):
        batch.list_jobs(jobQueue="q", arrayJobId="0000")


# -- CancelJob ----------------------------------------------------------------------------


def test_cancel_runnable_job_fails_it(batch: Any) -> None:
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNABLE"

    batch.cancel_job(jobId=job_id, reason="superseded by a newer run")

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["isCancelled"] is True
    assert job["statusReason"] == "superseded by a newer run"
    assert job["attempts"] == []


@pytest.mark.usefixtures("sleeper")
def test_cancel_leaves_a_running_job_running(fake_batch: FakeBatch, batch: Any) -> None:
    job_id = submit(batch)

    batch.cancel_job(jobId=job_id, reason="too late")

    job = describe(batch, job_id)
    assert job["status"] == "RUNNING"
    assert job["isCancelled"] is False
    fake_batch.advance(600)
    assert describe(batch, job_id)["status"] == "SUCCEEDED"


def test_cancel_finished_job_succeeds_quietly(batch: Any) -> None:
    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "SUCCEEDED"

    batch.cancel_job(jobId=job_id, reason="cleanup")

    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["isCancelled"] is False


def test_cancel_needs_a_reason(batch: Any) -> None:
    job_id = submit(batch)

    with pytest.raises((ParamValidationError, batch.exceptions.ClientException)):
        batch.cancel_job(jobId=job_id)


# -- TerminateJob -------------------------------------------------------------------------


@pytest.mark.usefixtures("sleeper")
def test_terminate_running_job_fails_it(batch: Any) -> None:
    job_id = submit(batch)
    assert describe(batch, job_id)["status"] == "RUNNING"

    batch.terminate_job(jobId=job_id, reason="operator stopped it")

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["isTerminated"] is True
    assert job["statusReason"] == "operator stopped it"
    assert "stoppedAt" in job


def test_terminate_finished_job_succeeds_quietly(batch: Any) -> None:
    job_id = submit(batch)

    batch.terminate_job(jobId=job_id, reason="cleanup")

    job = describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["isTerminated"] is False


# -- capacity -----------------------------------------------------------------------------


def test_jobs_beyond_max_vcpus_wait_runnable(fake_batch: FakeBatch, batch: Any) -> None:
    small_queue(batch, max_vcpus=2)

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(100)

    ids = [submit(batch, f"job-{i}", jobQueue="small") for i in range(3)]

    assert [describe(batch, i)["status"] for i in ids] == ["RUNNING", "RUNNING", "RUNNABLE"]
    fake_batch.advance(100)
    assert [describe(batch, i)["status"] for i in ids] == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]
    fake_batch.advance(100)
    assert [describe(batch, i)["status"] for i in ids] == ["SUCCEEDED"] * 3


# -- inspection without boto3 -------------------------------------------------------------


def test_jobs_and_job_inspect_without_boto3(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(job_name="bad")
    def bad(job: JobRun) -> int:
        print("giving up")
        return 2

    good, failed = submit(batch, "good"), submit(batch, "bad")
    batch.describe_jobs(jobs=[good, failed])

    assert [j.id for j in fake_batch.jobs()] == [good, failed]
    assert [j.id for j in fake_batch.jobs(status="FAILED")] == [failed]
    info = fake_batch.job(failed)
    assert (info.name, info.status, info.exit_code, info.attempts) == ("bad", "FAILED", 2, 1)
    assert (info.queue, info.definition, info.region) == ("q", "work:1", "eu-west-1")
    assert info.output == ["giving up"]
    with pytest.raises(KeyError):
        fake_batch.job("no-such-job")


def test_inspection_right_after_submit_sees_the_job_run(
    fake_batch: FakeBatch, batch: Any, runs: list[JobRun]
) -> None:
    job_id = submit(batch)

    assert fake_batch.job(job_id).status == "SUCCEEDED"
    assert len(runs) == 1


def test_calls_record_requests_and_errors(fake_batch: FakeBatch, batch: Any) -> None:
    submit(batch, "ok")
    with pytest.raises(batch.exceptions.ClientException):
        submit(batch, "broken", jobQueue="nightly")

    submits = [c for c in fake_batch.calls if c.operation == "SubmitJob"]
    assert [(c.service, c.params["jobName"], c.error) for c in submits] == [
        ("batch", "ok", None),
        ("batch", "broken", "ClientException"),
    ]
    assert all(c.region == "eu-west-1" for c in submits)


# -- found in review: each of these once broke the fake or differed from AWS ---------------


def test_a_definition_variable_without_a_value_is_empty(
    fake_batch: FakeBatch, batch: Any, queue: str
) -> None:
    batch.register_job_definition(
        jobDefinitionName="bare",
        type="container",
        containerProperties={"image": "worker:latest", "environment": [{"name": "FLAG"}]},
    )
    seen: list[str] = []

    @fake_batch.handler(definition="bare")
    def work(job: JobRun) -> None:
        seen.append(job.env["FLAG"])

    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="bare")["jobId"]

    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"
    assert seen == [""]


def test_a_running_job_sees_itself_running(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    seen: list[str] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        seen.append(batch.describe_jobs(jobs=[job.job_id])["jobs"][0]["status"])

    batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition)

    assert seen == ["RUNNING"]


def test_a_definition_arn_without_revision_means_the_latest_active(
    batch: Any, queue: str, definition: str
) -> None:
    batch.register_job_definition(
        jobDefinitionName=definition, type="container", containerProperties={"image": "worker:2"}
    )
    arn = f"arn:aws:batch:eu-west-1:123456789012:job-definition/{definition}"

    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=arn)["jobId"]

    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["jobDefinition"] == f"{arn}:2"


@pytest.mark.parametrize("ref", ["arn:aws:batch:eu-west-1:123456789012:job-queue/q", "a b", "work:x"])
def test_a_malformed_definition_reference_is_a_client_exception(batch: Any, queue: str, ref: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="is not a job definition"):
        batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=ref)
    with pytest.raises(batch.exceptions.ClientException, match="is not a job definition"):
        batch.deregister_job_definition(jobDefinition=ref)


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "0"])
def test_a_vcpu_requirement_must_be_a_positive_number(
    batch: Any, queue: str, definition: str, value: str
) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="VCPU must be a positive number"):
        batch.submit_job(
            jobName="j",
            jobQueue=queue,
            jobDefinition=definition,
            containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": value}]},
        )
    with pytest.raises(batch.exceptions.ClientException, match="VCPU must be a positive number"):
        batch.register_job_definition(
            jobDefinitionName="x",
            type="container",
            containerProperties={"image": "i", "resourceRequirements": [{"type": "VCPU", "value": value}]},
        )


def test_definition_scheduling_priority_is_checked(batch: Any) -> None:
    with pytest.raises(
        batch.exceptions.ClientException, match="schedulingPriority must be between 0 and 9999"
    ):
        batch.register_job_definition(
            jobDefinitionName="x",
            type="container",
            containerProperties={"image": "i"},
            schedulingPriority=10000,
        )


def test_log_configuration_options_must_map_strings(fake_batch: FakeBatch) -> None:
    unchecked = boto3.client("batch", region_name="eu-west-1", config=Config(parameter_validation=False))

    with pytest.raises(unchecked.exceptions.ClientException, match=r"awslogs-group must be a string"):
        unchecked.register_job_definition(
            jobDefinitionName="x",
            type="container",
            containerProperties={
                "image": "i",
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": 5}},
            },
        )


def test_list_jobs_takes_one_filter_at_a_time(batch: Any, queue: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="only one filter"):
        batch.list_jobs(
            jobQueue=queue,
            filters=[{"name": "JOB_NAME", "values": ["a*"]}, {"name": "JOB_DEFINITION", "values": ["work"]}],
        )


def test_a_cancelled_pending_job_fails_once_its_dependencies_complete(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(job_name="first")
    def slow(job: JobRun) -> None:
        job.sleep(60)

    first = batch.submit_job(jobName="first", jobQueue=queue, jobDefinition=definition)["jobId"]
    second = batch.submit_job(
        jobName="second", jobQueue=queue, jobDefinition=definition, dependsOn=[{"jobId": first}]
    )["jobId"]

    batch.cancel_job(jobId=second, reason="not needed")

    assert batch.describe_jobs(jobs=[second])["jobs"][0]["status"] == "PENDING"
    fake_batch.advance(60)
    detail = batch.describe_jobs(jobs=[second])["jobs"][0]
    assert (detail["status"], detail["statusReason"], detail["isCancelled"]) == ("FAILED", "not needed", True)
    assert detail["attempts"] == []


def test_deleting_a_queue_ends_its_jobs(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    running = batch.submit_job(jobName="running", jobQueue=queue, jobDefinition=definition)["jobId"]
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    waiting = batch.submit_job(jobName="waiting", jobQueue=queue, jobDefinition=definition)["jobId"]
    batch.update_job_queue(jobQueue=queue, state="DISABLED")

    batch.delete_job_queue(jobQueue=queue)

    jobs = {j["jobName"]: j for j in batch.describe_jobs(jobs=[running, waiting])["jobs"]}
    assert jobs["running"]["status"] == "FAILED"
    assert jobs["running"]["isTerminated"] is True
    assert jobs["waiting"]["status"] == "FAILED"
    assert jobs["waiting"]["statusReason"] == "Job queue q was deleted"
