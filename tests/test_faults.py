"""Faults on demand (fake_batch.faults), through boto3 as a user meets them on AWS: throttles and
service errors botocore's retry modes retry, Spot reclaims, containers that never start, and jobs
not yet visible just after they were submitted."""

from __future__ import annotations

import re
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_fakebatch import FakeBatch, JobRun

REGION = "eu-west-1"
RECLAIMED = re.compile(r"Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.")
THROTTLING_SDK = (
    "SDK: botocore retries/standard.py",
    "_THROTTLED_ERROR_CODES = [... 'TooManyRequestsException', ...]",
)


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff between retries, recorded instead of slept."""
    delays: list[float] = []

    class Time:
        @staticmethod
        def sleep(seconds: float) -> None:
            delays.append(seconds)

    monkeypatch.setattr(botocore.endpoint, "time", Time)
    return delays


def client(mode: str | None = None, attempts: int = 1) -> Any:
    retries: dict[str, Any] = {"total_max_attempts": attempts}
    if mode:
        retries["mode"] = mode
    return boto3.client("batch", region_name=REGION, config=Config(retries=retries))  # type: ignore[arg-type]


def outcome(batch: Any, job_id: str) -> dict[str, Any]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


# -- throttles and service errors --------------------------------------------------------


@pytest.mark.aws_doc(*THROTTLING_SDK, family="Faults", ops=("SubmitJob",))
def test_a_throttled_call_is_answered_429_too_many_requests(
    fake_batch: FakeBatch, queue: str, definition: str
) -> None:
    fake_batch.faults.throttle("SubmitJob", times=2)
    batch = client(attempts=1)

    answers = []
    for _ in range(3):
        try:
            batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition)
            answers.append("ok")
        except ClientError as error:
            answers.append(
                (
                    error.response["ResponseMetadata"]["HTTPStatusCode"],
                    error.response["Error"]["Code"],
                    error.response["Error"]["Message"],
                )
            )

    assert answers == [
        (429, "TooManyRequestsException", "Too Many Requests"),
        (429, "TooManyRequestsException", "Too Many Requests"),
        "ok",
    ]
    assert [(c.operation, c.error) for c in fake_batch.calls if c.operation == "SubmitJob"] == [
        ("SubmitJob", "TooManyRequestsException"),
        ("SubmitJob", "TooManyRequestsException"),
        ("SubmitJob", None),
    ]
    assert [(f.kind, f.target, f.detail) for f in fake_batch.faults.injected] == [
        ("throttle", "SubmitJob", "TooManyRequestsException"),
        ("throttle", "SubmitJob", "TooManyRequestsException"),
    ]


@pytest.mark.aws_doc(*THROTTLING_SDK, family="Faults", ops=("SubmitJob",))
@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_each_botocore_retry_mode_retries_a_throttle_and_gets_through(
    fake_batch: FakeBatch, queue: str, definition: str, mode: str, backoffs: list[float]
) -> None:
    fake_batch.faults.throttle("SubmitJob", times=2)

    answer = client(mode, attempts=4).submit_job(jobName="j", jobQueue=queue, jobDefinition=definition)

    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(backoffs) == 2  # botocore backed off before each retry
    assert [c.error for c in fake_batch.calls if c.operation == "SubmitJob"] == [
        "TooManyRequestsException",
        "TooManyRequestsException",
        None,
    ]
    assert outcome(client(), answer["jobId"])["status"] == "SUCCEEDED"


def test_retries_exhausted_raise_the_throttle(
    fake_batch: FakeBatch, queue: str, backoffs: list[float]
) -> None:
    fake_batch.faults.throttle("DescribeJobQueues")  # every call

    with pytest.raises(ClientError) as raised:
        client("standard", attempts=3).describe_job_queues()

    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2


@pytest.mark.aws_doc(
    "SDK: botocore retries/standard.py",
    "_TRANSIENT_STATUS_CODES = [500, 502, 503, 504]",
    family="Faults",
    ops=("DescribeJobs",),
)
def test_a_server_exception_is_a_500_that_standard_retries_get_past(
    fake_batch: FakeBatch, queue: str, backoffs: list[float]
) -> None:
    fake_batch.faults.fail("DescribeJobs", code="ServerException", times=1)
    with pytest.raises(ClientError) as raised:
        client().describe_jobs(jobs=["nope"])
    fake_batch.faults.fail("DescribeJobs", code="ServerException", times=1)

    answer = client("standard", attempts=3).describe_jobs(jobs=["nope"])

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert raised.value.response["Error"]["Code"] == "ServerException"
    assert answer["jobs"] == []
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1


def test_a_rate_throttles_the_calls_above_it_each_second_of_the_fakes_clock(
    fake_batch: FakeBatch, queue: str
) -> None:
    fake_batch.faults.throttle("DescribeJobQueues", rate=2)
    batch = client()

    def codes() -> list[str | None]:
        out: list[str | None] = []
        for _ in range(3):
            try:
                batch.describe_job_queues()
                out.append(None)
            except ClientError as error:
                out.append(error.response["Error"]["Code"])
        return out

    first = codes()
    fake_batch.advance(1)
    second = codes()

    assert first == [None, None, "TooManyRequestsException"]
    assert second == [None, None, "TooManyRequestsException"]


def test_every_operation_can_be_throttled_and_clear_stops_it(fake_batch: FakeBatch, queue: str) -> None:
    fake_batch.faults.throttle("*", times=1)
    with pytest.raises(ClientError):
        client().describe_job_queues()
    fake_batch.faults.throttle("*")
    fake_batch.faults.clear()

    assert client().describe_job_queues()["jobQueues"][0]["jobQueueName"] == queue


def test_bad_fault_requests_say_what_is_wrong(fake_batch: FakeBatch) -> None:
    with pytest.raises(ValueError, match="'SubmitJobs' is not a Batch operation"):
        fake_batch.faults.throttle("SubmitJobs", times=1)
    with pytest.raises(ValueError, match="'Nope' is not one of CannotPullContainerError"):
        fake_batch.faults.cannot_start("*", "Nope")
    with pytest.raises(ValueError, match="'Teapot' is not one of"):
        fake_batch.faults.fail("SubmitJob", code="Teapot")
    with pytest.raises(ValueError, match="between 0 and 1"):
        fake_batch.faults.spot(rate=2)
    with pytest.raises(ValueError, match="no job 'nope' was submitted"):
        fake_batch.faults.reclaim("nope")


# -- eventual consistency ------------------------------------------------------------------


def test_a_job_just_submitted_is_absent_from_describe_and_list_for_the_lag(
    fake_batch: FakeBatch, batch: Any, queue: str, sleeper: None, definition: str
) -> None:
    fake_batch.faults.lag(seconds=2)
    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition)["jobId"]

    def seen() -> tuple[list[str], list[str]]:
        described = [j["jobId"] for j in batch.describe_jobs(jobs=[job_id])["jobs"]]
        listed = [j["jobId"] for j in batch.list_jobs(jobQueue=queue, jobStatus="RUNNING")["jobSummaryList"]]
        return described, listed

    early = seen()
    fake_batch.advance(1.999)
    still = seen()
    fake_batch.advance(0.001)

    assert early == ([], [])
    assert still == ([], [])
    assert seen() == ([job_id], [job_id])
    assert [(f.kind, f.target) for f in fake_batch.faults.injected] == [("lag", job_id)]


# -- Spot reclaims -------------------------------------------------------------------------


@pytest.mark.aws_doc(
    "UG: Automated job retries",
    "Possible failure scenarios include the following: ... Amazon EC2 instance failure or termination",
    family="Retries and timeouts",
    ops=("SubmitJob", "DescribeJobs"),
)
def test_a_reclaim_ends_the_running_attempt_with_no_exit_code(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, sleeper: None
) -> None:
    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition)["jobId"]
    assert outcome(batch, job_id)["status"] == "RUNNING"

    fake_batch.faults.reclaim(job_id)
    job = outcome(batch, job_id)

    assert job["status"] == "FAILED"
    assert RECLAIMED.fullmatch(job["statusReason"])
    (attempt,) = job["attempts"]
    assert attempt["statusReason"] == job["statusReason"]
    assert "exitCode" not in attempt["container"]
    assert "exitCode" not in job["container"]
    assert [(f.kind, f.target, f.detail) for f in fake_batch.faults.injected] == [
        ("reclaim", job_id, job["statusReason"])
    ]
    failed = fake_batch.events.filter(job=job_id, status="FAILED")
    assert [e.detail["statusReason"] for e in failed] == [job["statusReason"]]


@pytest.mark.aws_doc(
    "API: EvaluateOnExit",
    "onStatusReason Contains a glob pattern to match against the StatusReason returned for a job.",
    family="Retries and timeouts",
    ops=("SubmitJob", "DescribeJobs"),
)
@pytest.mark.parametrize("rules", [True, False])
def test_evaluate_on_exit_decides_after_a_reclaim(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, rules: bool
) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(60)

    strategy: dict[str, Any] = {"attempts": 2}
    if rules:
        strategy["evaluateOnExit"] = [
            {"onStatusReason": "Host EC2*", "action": "RETRY"},
            {"onReason": "*", "action": "EXIT"},
        ]
    else:
        strategy["evaluateOnExit"] = [{"onReason": "*", "action": "EXIT"}]
    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition, retryStrategy=strategy)[
        "jobId"
    ]
    fake_batch.faults.reclaim(job_id)
    fake_batch.advance(60)
    job = outcome(batch, job_id)

    assert RECLAIMED.fullmatch(job["attempts"][0]["statusReason"])
    if rules:
        assert (job["status"], len(job["attempts"])) == ("SUCCEEDED", 2)
    else:
        assert (job["status"], len(job["attempts"])) == ("FAILED", 1)


def test_reclaiming_a_job_not_yet_running_reclaims_its_first_attempt(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, runs: list[JobRun]
) -> None:
    fake_batch.autorun = False
    job_id = batch.submit_job(
        jobName="j", jobQueue=queue, jobDefinition=definition, retryStrategy={"attempts": 2}
    )["jobId"]
    fake_batch.faults.reclaim(job_id)
    fake_batch.run_until_idle()

    job = outcome(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert [bool(RECLAIMED.fullmatch(a["statusReason"])) for a in job["attempts"]] == [True, False]
    with pytest.raises(ValueError, match=f"job {job_id} is SUCCEEDED already"):
        fake_batch.faults.reclaim(job_id)


def test_spot_reclaims_draw_from_the_seed() -> None:
    def run(seed: int) -> list[str]:
        with FakeBatch() as fake:
            fake.faults.reseed(seed)
            fake.faults.spot(rate=0.5)
            batch = boto3.client("batch", region_name=REGION)
            batch.create_compute_environment(
                computeEnvironmentName="ce",
                type="MANAGED",
                computeResources={"type": "EC2", "maxvCpus": 64, "subnets": ["s"], "instanceRole": "r"},
            )
            batch.create_job_queue(
                jobQueueName="q",
                priority=1,
                computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
            )
            batch.register_job_definition(
                jobDefinitionName="w",
                type="container",
                containerProperties={"image": "w", "vcpus": 1, "memory": 8},
            )
            batch.submit_job(jobName="a", jobQueue="q", jobDefinition="w", arrayProperties={"size": 20})
            return [f"{f.target.split(':')[1]} {f.detail}" for f in fake.faults.injected]

    first, again, other = run(7), run(7), run(8)

    assert first == again
    assert 0 < len(first) < 20
    assert first != other


# -- containers that never start -----------------------------------------------------------


@pytest.mark.aws_doc(
    "UG: Automated job retries",
    '"evaluateOnExit": [ ... { "action": "RETRY", "onStatusReason": "Task failed to start" }, ...',
    family="Container jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
@pytest.mark.parametrize(
    ("code", "words"),
    [
        (
            "CannotPullContainerError",
            "CannotPullContainerError: Error response from daemon: pull access denied",
        ),
        (
            "ResourceInitializationError",
            "ResourceInitializationError: unable to pull secrets or registry auth",
        ),
        ("CannotStartContainerError", "CannotStartContainerError: Error response from daemon"),
        ("CannotInspectContainerError", "CannotInspectContainerError: Could not transition to inspecting"),
    ],
)
def test_a_container_that_cannot_start_never_runs_and_retry_decides(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, runs: list[JobRun], code: str, words: str
) -> None:
    fake_batch.faults.cannot_start("worker:*", code, times=1)
    retried = batch.submit_job(
        jobName="r", jobQueue=queue, jobDefinition=definition, retryStrategy={"attempts": 2}
    )["jobId"]
    fake_batch.faults.cannot_start("work", code, times=1)
    failed = batch.submit_job(jobName="f", jobQueue=queue, jobDefinition=definition)["jobId"]

    ok, bad = outcome(batch, retried), outcome(batch, failed)

    assert ok["status"] == "SUCCEEDED"
    first = ok["attempts"][0]
    assert first["statusReason"] == "Task failed to start"
    assert first["container"]["reason"].startswith(words)
    assert "exitCode" not in first["container"]
    assert (bad["status"], bad["statusReason"]) == ("FAILED", "Task failed to start")
    assert bad["attempts"][0]["container"]["reason"].startswith(words)
    assert [r.env["AWS_BATCH_JOB_ID"] for r in runs] == [retried]  # only the retry ran
    statuses = [e.status for e in fake_batch.events.filter(job=failed)]
    assert "RUNNING" not in statuses


def test_cannot_pull_with_an_exit_rule_on_its_reason_fails_without_retry(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, runs: list[JobRun]
) -> None:
    fake_batch.faults.cannot_start("*", "CannotPullContainerError")
    job_id = batch.submit_job(
        jobName="j",
        jobQueue=queue,
        jobDefinition=definition,
        retryStrategy={
            "attempts": 3,
            "evaluateOnExit": [{"onReason": "CannotPullContainerError*", "action": "EXIT"}],
        },
    )["jobId"]

    job = outcome(batch, job_id)
    assert (job["status"], len(job["attempts"]), runs) == ("FAILED", 1, [])


def test_a_throttle_is_retried_with_moto_answering_other_services(
    fake_batch: FakeBatch, monkeypatch: pytest.MonkeyPatch, backoffs: list[float]
) -> None:
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name="pipeline")
        fake_batch.faults.throttle("DescribeJobQueues", times=1)

        answer = client("standard", attempts=3).describe_job_queues()

        assert answer["ResponseMetadata"]["RetryAttempts"] == 1  # answered by the fake, not moto
        assert [c.error for c in fake_batch.calls] == ["TooManyRequestsException", None]
        assert "pipeline" in [bus["Name"] for bus in events.list_event_buses()["EventBuses"]]


def test_a_retry_after_the_fake_stopped_never_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBatch().start()
    fake.faults.throttle("DescribeJobQueues", times=1)

    class Time:  # botocore's backoff: the fake stops while the client waits to retry
        @staticmethod
        def sleep(seconds: float) -> None:
            fake.stop()

    monkeypatch.setattr(botocore.endpoint, "time", Time)
    with pytest.raises(ClientError) as raised:
        client("standard", attempts=2).describe_job_queues()

    error = raised.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (500, "ServerException")
    assert "no longer active" in error["Error"]["Message"]
