"""Dependencies, retries and timeouts: the control flow pipelines build on Batch."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_fakebatch import Exit, FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")


def submit(batch: Any, name: str, **kwargs: Any) -> str:
    kwargs.setdefault("jobDefinition", "work")
    return batch.submit_job(jobName=name, jobQueue="q", **kwargs)["jobId"]


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


def status(batch: Any, job_id: str) -> str:
    return describe(batch, job_id)["status"]


def all_job_names(batch: Any) -> list[str]:
    """Every job in queue 'q', whatever its status (a filter makes ListJobs ignore jobStatus)."""
    answer = batch.list_jobs(jobQueue="q", filters=[{"name": "JOB_NAME", "values": ["*"]}])
    return [j["jobName"] for j in answer["jobSummaryList"]]


@pytest.fixture
def calls(fake_batch: FakeBatch) -> list[tuple[str, int | None, int]]:
    """(job name, array index, start time in ms) of every attempt, in the order they ran.

    A job named ``slow-<seconds>`` takes that long; a job named ``fail`` exits 1.
    """
    fake_batch.clock.freeze()
    seen: list[tuple[str, int | None, int]] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        seen.append((job.job_name, job.array_index, fake_batch.clock.now_ms()))
        if job.job_name.startswith("slow-"):
            job.sleep(int(job.job_name.removeprefix("slow-")))
        return 1 if job.job_name == "fail" else 0

    return seen


def names(calls: list[tuple[str, int | None, int]]) -> list[str]:
    return [name for name, _, _ in calls]


# -- dependsOn ----------------------------------------------------------------------------


def test_dependent_waits_pending_until_its_dependency_succeeds(
    fake_batch: FakeBatch, batch: Any, calls: list[Any]
) -> None:
    first = submit(batch, "slow-100")
    second = submit(batch, "after", dependsOn=[{"jobId": first}])

    assert (status(batch, first), status(batch, second)) == ("RUNNING", "PENDING")
    fake_batch.advance(100)
    assert (status(batch, first), status(batch, second)) == ("SUCCEEDED", "SUCCEEDED")
    assert names(calls) == ["slow-100", "after"]


def test_failed_dependency_fails_the_dependent_without_running_it(batch: Any, calls: list[Any]) -> None:
    first = submit(batch, "fail")
    second = submit(batch, "after", dependsOn=[{"jobId": first}])

    job = describe(batch, second)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == "Dependent Job failed"
    assert job["attempts"] == []
    assert names(calls) == ["fail"]


def test_dependency_failing_later_fails_the_waiting_dependent(fake_batch: FakeBatch, batch: Any) -> None:
    ran: list[str] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        ran.append(job.job_name)
        job.sleep(100)
        return 1

    first = submit(batch, "first")
    second = submit(batch, "second", dependsOn=[{"jobId": first}])
    assert (status(batch, first), status(batch, second)) == ("RUNNING", "PENDING")

    fake_batch.advance(100)

    job = describe(batch, second)
    assert (job["status"], job["statusReason"]) == ("FAILED", "Dependent Job failed")
    assert ran == ["first"]


def test_depending_on_an_array_runs_after_the_whole_array(
    fake_batch: FakeBatch, batch: Any, calls: list[Any]
) -> None:
    batch.create_compute_environment(
        computeEnvironmentName="one",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 1, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    batch.update_job_queue(jobQueue="q", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "one"}])
    array = submit(batch, "slow-100", arrayProperties={"size": 3})
    after = submit(batch, "after", dependsOn=[{"jobId": array}])

    for _ in range(2):
        fake_batch.advance(100)
        assert status(batch, after) == "PENDING"
    fake_batch.advance(100)

    assert status(batch, after) == "SUCCEEDED"
    assert names(calls) == ["slow-100"] * 3 + ["after"]


def test_n_to_n_child_waits_only_for_the_same_index(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.clock.freeze()
    start = fake_batch.clock.now_ms()
    ran: list[tuple[str, int, int]] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        assert job.array_index is not None
        ran.append((job.job_name, job.array_index, fake_batch.clock.now_ms() - start))
        if job.job_name == "extract":
            job.sleep((3 - job.array_index) * 100)  # child 2 finishes first, child 0 last

    extract = submit(batch, "extract", arrayProperties={"size": 3})
    load = submit(
        batch, "load", arrayProperties={"size": 3}, dependsOn=[{"jobId": extract, "type": "N_TO_N"}]
    )
    assert status(batch, load) == "PENDING"
    for _ in range(3):
        fake_batch.advance(100)

    assert status(batch, load) == "SUCCEEDED"
    loads = [(index, at) for name, index, at in ran if name == "load"]
    assert loads == [(2, 100_000), (1, 200_000), (0, 300_000)]


def test_sequential_runs_children_one_after_another_in_index_order(
    fake_batch: FakeBatch, batch: Any, calls: list[Any]
) -> None:
    array = submit(batch, "slow-10", arrayProperties={"size": 3}, dependsOn=[{"type": "SEQUENTIAL"}])

    statuses = []
    for _ in range(3):
        jobs = batch.describe_jobs(jobs=[f"{array}:{i}" for i in range(3)])["jobs"]
        statuses.append([j["status"] for j in jobs])
        fake_batch.advance(10)

    assert statuses == [
        ["RUNNING", "PENDING", "PENDING"],
        ["SUCCEEDED", "RUNNING", "PENDING"],
        ["SUCCEEDED", "SUCCEEDED", "RUNNING"],
    ]
    assert [index for _, index, _ in calls] == [0, 1, 2]
    assert status(batch, array) == "SUCCEEDED"


def test_sequential_failed_child_fails_the_rest(fake_batch: FakeBatch, batch: Any) -> None:
    ran: list[int | None] = []

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> int:
        ran.append(job.array_index)
        return 1 if job.array_index == 1 else 0

    array = submit(batch, "seq", arrayProperties={"size": 4}, dependsOn=[{"type": "SEQUENTIAL"}])

    children = batch.describe_jobs(jobs=[f"{array}:{i}" for i in range(4)])["jobs"]
    assert [c["status"] for c in children] == ["SUCCEEDED", "FAILED", "FAILED", "FAILED"]
    assert [c.get("statusReason") for c in children[2:]] == ["Dependent Job failed"] * 2
    assert ran == [0, 1]
    assert status(batch, array) == "FAILED"


# -- dependsOn: bad input leaves nothing behind -------------------------------------------


def test_dependency_on_an_unknown_job_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="does-not-exist"):
        submit(batch, "orphan", dependsOn=[{"jobId": "does-not-exist"}])

    assert all_job_names(batch) == []


def test_more_than_20_dependencies_are_rejected(batch: Any) -> None:
    ids = [submit(batch, f"dep-{i}") for i in range(21)]

    with pytest.raises(batch.exceptions.ClientException, match="20"):
        submit(batch, "too-many", dependsOn=[{"jobId": i} for i in ids])

    assert "too-many" not in all_job_names(batch)
    assert len(all_job_names(batch)) == 21


def test_n_to_n_between_arrays_of_different_sizes_is_rejected(batch: Any) -> None:
    three = submit(batch, "three", arrayProperties={"size": 3})

    with pytest.raises(batch.exceptions.ClientException, match="N_TO_N"):
        submit(batch, "four", arrayProperties={"size": 4}, dependsOn=[{"jobId": three, "type": "N_TO_N"}])

    assert all_job_names(batch) == ["three"]


def test_sequential_with_a_job_id_is_rejected(batch: Any) -> None:
    other = submit(batch, "other")

    with pytest.raises(batch.exceptions.ClientException, match="SEQUENTIAL"):
        submit(batch, "seq", arrayProperties={"size": 2}, dependsOn=[{"jobId": other, "type": "SEQUENTIAL"}])

    assert all_job_names(batch) == ["other"]


# -- retryStrategy ------------------------------------------------------------------------


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
    fake_batch.clock.freeze()

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
