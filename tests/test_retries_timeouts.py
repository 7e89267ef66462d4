"""retryStrategy and timeouts through boto3: attempts, evaluateOnExit, attemptDurationSeconds."""

from __future__ import annotations

from typing import Any

import pytest
from job_calls import describe, status, submit

from pytest_fakebatch import Exit, FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")


def test_failed_attempts_are_retried_until_one_succeeds(fake_batch: FakeBatch, batch: Any) -> None:
    attempts_seen: list[str] = []

    @fake_batch.handler(definition="work")
    def flaky(job: JobRun) -> int:
        attempts_seen.append(job.env["AWS_BATCH_JOB_ATTEMPT"])
        return 0 if job.attempt == 3 else 1

    job = describe(batch, submit(batch, "flaky", retryStrategy={"attempts": 3}))

    assert job["status"] == "SUCCEEDED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [1, 1, 0]
    assert attempts_seen == ["1", "2", "3"]


def test_retries_stop_after_the_last_attempt(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.default_exit_code = 1

    job = describe(batch, submit(batch, "doomed", retryStrategy={"attempts": 2}))

    assert job["status"] == "FAILED"
    assert len(job["attempts"]) == 2


def exits_with(fake_batch: FakeBatch, codes: list[int]) -> None:
    """Attempt n of 'work' exits with codes[n - 1]."""

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        return codes[job.attempt - 1]


OOM_RETRY_ELSE_EXIT = [{"onExitCode": "137", "action": "RETRY"}, {"onExitCode": "*", "action": "EXIT"}]


def test_evaluate_on_exit_retries_a_matching_exit_code(fake_batch: FakeBatch, batch: Any) -> None:
    exits_with(fake_batch, [137, 0])

    job = describe(
        batch, submit(batch, "j", retryStrategy={"attempts": 3, "evaluateOnExit": OOM_RETRY_ELSE_EXIT})
    )

    assert job["status"] == "SUCCEEDED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [137, 0]


def test_evaluate_on_exit_exits_on_a_catch_all_rule(fake_batch: FakeBatch, batch: Any) -> None:
    exits_with(fake_batch, [137, 2, 0])

    job = describe(
        batch, submit(batch, "j", retryStrategy={"attempts": 3, "evaluateOnExit": OOM_RETRY_ELSE_EXIT})
    )

    assert job["status"] == "FAILED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [137, 2]


def test_evaluate_on_exit_retries_a_spot_reclaim_by_status_reason(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> Exit | None:
        if job.attempt == 1:
            return Exit(code=None, status_reason="Host EC2 (instance i-1) terminated.")
        return None

    rules = [{"onStatusReason": "Host EC2*", "action": "RETRY"}, {"onReason": "*", "action": "EXIT"}]
    job = describe(batch, submit(batch, "j", retryStrategy={"attempts": 3, "evaluateOnExit": rules}))

    assert job["status"] == "SUCCEEDED"
    first, second = job["attempts"]
    assert first["statusReason"] == "Host EC2 (instance i-1) terminated."
    assert "exitCode" not in first["container"]
    assert second["container"]["exitCode"] == 0


def test_evaluate_on_exit_action_is_case_insensitive(fake_batch: FakeBatch, batch: Any) -> None:
    exits_with(fake_batch, [1, 0])
    rules = [{"onExitCode": "1", "action": "retry"}, {"onExitCode": "*", "action": "exit"}]

    job = describe(batch, submit(batch, "j", retryStrategy={"attempts": 2, "evaluateOnExit": rules}))

    assert job["status"] == "SUCCEEDED"
    assert len(job["attempts"]) == 2


@pytest.mark.parametrize(
    ("rules", "attempts"),
    [
        ([{"onExitCode": "1", "action": "EXIT"}, {"onExitCode": "*", "action": "RETRY"}], 1),
        ([{"onExitCode": "*", "action": "RETRY"}, {"onExitCode": "1", "action": "EXIT"}], 3),
    ],
    ids=["exit-first", "retry-first"],
)
def test_evaluate_on_exit_first_matching_rule_wins(
    fake_batch: FakeBatch, batch: Any, rules: list[dict[str, str]], attempts: int
) -> None:
    fake_batch.default_exit_code = 1

    job = describe(batch, submit(batch, "j", retryStrategy={"attempts": 3, "evaluateOnExit": rules}))

    assert job["status"] == "FAILED"
    assert len(job["attempts"]) == attempts


def test_evaluate_on_exit_without_a_matching_rule_retries(fake_batch: FakeBatch, batch: Any) -> None:
    exits_with(fake_batch, [1, 0])
    rules = [{"onExitCode": "137", "action": "EXIT"}]

    job = describe(batch, submit(batch, "j", retryStrategy={"attempts": 2, "evaluateOnExit": rules}))

    assert job["status"] == "SUCCEEDED"
    assert len(job["attempts"]) == 2


def test_array_children_retry_on_their_own(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        return 1 if job.array_index == 1 and job.attempt == 1 else 0

    array = submit(batch, "fan", arrayProperties={"size": 3}, retryStrategy={"attempts": 2})

    children = batch.describe_jobs(jobs=[f"{array}:{i}" for i in range(3)])["jobs"]
    assert [len(c["attempts"]) for c in children] == [1, 2, 1]
    assert [c["status"] for c in children] == ["SUCCEEDED"] * 3
    assert status(batch, array) == "SUCCEEDED"


def test_terminated_attempt_is_not_retried(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(600)

    job_id = submit(batch, "long", retryStrategy={"attempts": 3})
    assert status(batch, job_id) == "RUNNING"

    batch.terminate_job(jobId=job_id, reason="stop")
    fake_batch.advance(600)

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert len(job["attempts"]) == 1


def test_timed_out_attempt_is_not_retried(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(600)

    job_id = submit(batch, "long", retryStrategy={"attempts": 3}, timeout={"attemptDurationSeconds": 60})
    assert status(batch, job_id) == "RUNNING"
    fake_batch.advance(700)

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert len(job["attempts"]) == 1


# -- timeouts -----------------------------------------------------------------------------


@pytest.fixture
def sleeps_120(fake_batch: FakeBatch) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(120)


@pytest.mark.usefixtures("sleeps_120")
def test_attempt_over_its_timeout_fails(fake_batch: FakeBatch, batch: Any) -> None:
    job_id = submit(batch, "slow", timeout={"attemptDurationSeconds": 60})
    assert status(batch, job_id) == "RUNNING"

    fake_batch.advance(61)

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == "Job attempt duration exceeded timeout"
    assert job["stoppedAt"] - job["startedAt"] == 60_000


@pytest.mark.usefixtures("sleeps_120")
def test_timeout_of_the_definition_applies(fake_batch: FakeBatch, batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1},
        timeout={"attemptDurationSeconds": 60},
    )
    job_id = submit(batch, "slow")
    assert status(batch, job_id) == "RUNNING"

    fake_batch.advance(61)

    assert describe(batch, job_id)["statusReason"] == "Job attempt duration exceeded timeout"


@pytest.mark.usefixtures("sleeps_120")
def test_submit_timeout_overrides_the_definition(fake_batch: FakeBatch, batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1},
        timeout={"attemptDurationSeconds": 60},
    )
    job_id = submit(batch, "slow", timeout={"attemptDurationSeconds": 300})
    assert status(batch, job_id) == "RUNNING"

    fake_batch.advance(120)

    assert status(batch, job_id) == "SUCCEEDED"


def test_attempt_within_its_timeout_succeeds(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(30)

    job_id = submit(batch, "quick", timeout={"attemptDurationSeconds": 60})
    assert status(batch, job_id) == "RUNNING"
    fake_batch.advance(30)

    assert status(batch, job_id) == "SUCCEEDED"


def test_timeout_applies_to_each_array_child(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(120 if job.array_index == 0 else 30)

    array = submit(batch, "fan", arrayProperties={"size": 2}, timeout={"attemptDurationSeconds": 60})
    assert status(batch, array) == "PENDING"
    fake_batch.advance(61)

    children = batch.describe_jobs(jobs=[f"{array}:0", f"{array}:1"])["jobs"]
    assert [c["status"] for c in children] == ["FAILED", "SUCCEEDED"]
    assert children[0]["statusReason"] == "Job attempt duration exceeded timeout"
    assert status(batch, array) == "FAILED"
