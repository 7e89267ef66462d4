"""retryStrategy.evaluateOnExit, pattern by pattern: what each of onExitCode, onReason and
onStatusReason matches, and what a rule matches when the attempt has no such value."""

from __future__ import annotations

from typing import Any

import pytest
from job_calls import describe, submit

from pytest_fakebatch import Exit, FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")

PAGE = "API: EvaluateOnExit"
PREFIX = (
    "It can optionally end with an asterisk (*) so that only the start of the string needs to be an exact "
    "match."
)
ALL_MET = (
    "Specifies an array of up to 5 conditions to be met, and an action to take (RETRY or EXIT) if all "
    "conditions are met. If none of the EvaluateOnExit conditions in a RetryStrategy match, then the job "
    "is retried."
)
OOM = "OutOfMemoryError: Container killed due to memory usage"
RECLAIMED = "Host EC2 (instance i-0abc) terminated."


def ends_with(fake_batch: FakeBatch, outcomes: list[int | Exit]) -> None:
    """Attempt n of 'work' ends as outcomes[n - 1] says."""

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int | Exit:
        return outcomes[job.attempt - 1]


def attempts_of(batch: Any, rules: list[dict[str, str]], attempts: int = 3) -> dict[str, Any]:
    return describe(batch, submit(batch, "j", retryStrategy={"attempts": attempts, "evaluateOnExit": rules}))


@pytest.mark.aws_doc(PAGE, PREFIX, family="Retries and timeouts", ops=("SubmitJob",))
@pytest.mark.parametrize(
    ("codes", "status", "tried"),
    [
        ([137], "FAILED", [137]),  # "13*" matches 137: EXIT
        ([13], "FAILED", [13]),  # and 13 itself
        ([12, 0], "SUCCEEDED", [12, 0]),  # not 12: no rule matches, so retried
        ([1, 0], "SUCCEEDED", [1, 0]),  # nor 1, the pattern's first digit alone
    ],
    ids=["137", "13", "12", "1"],
)
def test_an_exit_code_pattern_ending_in_a_star_matches_codes_starting_with_the_rest(
    fake_batch: FakeBatch, batch: Any, codes: list[int], status: str, tried: list[int]
) -> None:
    ends_with(fake_batch, [*codes])

    job = attempts_of(batch, [{"onExitCode": "13*", "action": "EXIT"}])

    assert job["status"] == status
    assert [a["container"]["exitCode"] for a in job["attempts"]] == tried


@pytest.mark.aws_doc(PAGE, ALL_MET, family="Retries and timeouts", ops=("SubmitJob",))
def test_an_exit_code_pattern_without_a_star_matches_that_code_only(
    fake_batch: FakeBatch, batch: Any
) -> None:
    ends_with(fake_batch, [13, 137, 1])

    job = attempts_of(batch, [{"onExitCode": "137", "action": "EXIT"}])

    assert job["status"] == "FAILED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [13, 137]  # 13 was retried


@pytest.mark.aws_doc(PAGE, ALL_MET, family="Retries and timeouts", ops=("SubmitJob",))
def test_a_reason_rule_exits_only_on_an_attempt_with_that_reason(fake_batch: FakeBatch, batch: Any) -> None:
    ends_with(fake_batch, [1, Exit(137, reason=OOM), 0])

    job = attempts_of(batch, [{"onReason": "OutOfMemoryError*", "action": "EXIT"}])

    assert job["status"] == "FAILED"
    first, second = job["attempts"]
    assert "reason" not in first["container"]  # no reason: the rule does not match, so retried
    assert (second["container"]["exitCode"], second["container"]["reason"]) == (137, OOM)


@pytest.mark.aws_doc(PAGE, ALL_MET, family="Retries and timeouts", ops=("SubmitJob",))
@pytest.mark.parametrize("pattern", ["OutOfMemoryError*", "X*", "CannotPullContainerError: pull image"])
def test_a_reason_rule_never_matches_an_attempt_without_a_reason(
    fake_batch: FakeBatch, batch: Any, pattern: str
) -> None:
    ends_with(fake_batch, [1, 0])

    job = attempts_of(batch, [{"onReason": pattern, "action": "EXIT"}])

    assert job["status"] == "SUCCEEDED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [1, 0]


@pytest.mark.aws_doc(PAGE, ALL_MET, family="Retries and timeouts", ops=("SubmitJob",))
def test_a_status_reason_rule_exits_only_on_an_attempt_with_that_status_reason(
    fake_batch: FakeBatch, batch: Any
) -> None:
    ends_with(fake_batch, [1, Exit(code=None, status_reason=RECLAIMED), 0])

    job = attempts_of(batch, [{"onStatusReason": "Host EC2*", "action": "EXIT"}])

    assert job["status"] == "FAILED"
    assert [a["statusReason"] for a in job["attempts"]] == ["Essential container in task exited", RECLAIMED]
    assert job["statusReason"] == RECLAIMED


@pytest.mark.aws_doc(PAGE, ALL_MET, family="Retries and timeouts", ops=("SubmitJob",))
def test_every_condition_of_a_rule_must_match(fake_batch: FakeBatch, batch: Any) -> None:
    ends_with(fake_batch, [Exit(137), Exit(1, reason=OOM), Exit(137, reason=OOM)])
    rule = {"onExitCode": "137", "onReason": "OutOfMemory*", "action": "EXIT"}

    job = attempts_of(batch, [rule], attempts=5)

    assert job["status"] == "FAILED"
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [137, 1, 137]


@pytest.mark.aws_doc(PAGE, PREFIX, family="Retries and timeouts", ops=("SubmitJob",))
def test_a_star_alone_matches_an_attempt_that_has_no_exit_code(fake_batch: FakeBatch, batch: Any) -> None:
    ends_with(fake_batch, [Exit(code=None, status_reason=RECLAIMED), 0])

    job = attempts_of(batch, [{"onExitCode": "*", "action": "EXIT"}])

    assert job["status"] == "FAILED"
    (only,) = job["attempts"]
    assert "exitCode" not in only["container"]
