"""A bug in the fake stays with one job, and handlers run outside the fake's lock.

Faults are injected into one job only (a scheduler step or an executor method raising); the
outcome is asserted through boto3. Every wait on another thread has a timeout, so a
regression fails instead of hanging.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member

from pytest_fakebatch import FakeBatch, JobRun
from pytest_fakebatch.api.container_jobs import jobs as jobs_api
from pytest_fakebatch.executors.inprocess import InProcessExecutor
from pytest_fakebatch.model.jobs import RUNNABLE, Job
from pytest_fakebatch.scheduling import scheduler

REGION = "eu-west-1"
WAIT = 10  # seconds: only a regression ever waits this long
INTERNAL = "pytest-fakebatch internal error: ZeroDivisionError: "
ecs_only = needs_member("RegisterJobDefinition", "ecsProperties")

pytestmark = pytest.mark.usefixtures("queue", "definition")


def describe(batch: Any, job_id: str) -> dict[str, Any]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job


def submit(batch: Any, name: str, **kwargs: Any) -> str:
    return str(batch.submit_job(jobName=name, jobQueue="q", jobDefinition="work", **kwargs)["jobId"])


def poisoned(job: Job) -> bool:
    return job.spec.name == "poison" and job.index in (None, 1)


def boom() -> None:
    raise ZeroDivisionError("division by zero")


# -- a bug never spreads -----------------------------------------------------------------


def fault_admitting(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scheduler.set_status

    def set_status(region: Any, job: Job, status: str, *args: Any, **kwargs: Any) -> None:
        if status == RUNNABLE and poisoned(job):
            boom()
        real(region, job, status, *args, **kwargs)

    monkeypatch.setattr(scheduler, "set_status", set_status)


def fault_dispatching(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scheduler.fitting_environment

    def place(job: Job, *args: Any) -> Any:
        if poisoned(job):
            boom()
        return real(job, *args)

    monkeypatch.setattr(scheduler, "fitting_environment", place)


def fault_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scheduler.attempt_spec

    def attempt_spec(region: Any, job: Job, *args: Any) -> Any:
        if poisoned(job):
            boom()
        return real(region, job, *args)

    monkeypatch.setattr(scheduler, "attempt_spec", attempt_spec)


def fault_running(monkeypatch: pytest.MonkeyPatch) -> None:
    real = InProcessExecutor.run

    def run(self: InProcessExecutor, handle: Any) -> None:
        if handle.run.job_name == "poison" and handle.run.array_index in (None, 1):
            boom()
        real(self, handle)

    monkeypatch.setattr(InProcessExecutor, "run", run)


def fault_collecting(monkeypatch: pytest.MonkeyPatch) -> None:
    real = InProcessExecutor.poll

    def poll(self: InProcessExecutor, handles: Any, now_ms: int) -> Any:
        if any(h.run.job_name == "poison" and h.run.array_index in (None, 1) for h in handles):
            boom()
        return real(self, handles, now_ms)

    monkeypatch.setattr(InProcessExecutor, "poll", poll)


def fault_finishing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scheduler.Scheduler.finish

    def finish(self: scheduler.Scheduler, region: Any, job: Job, *args: Any, **kwargs: Any) -> None:
        if poisoned(job):
            boom()
        real(self, region, job, *args, **kwargs)

    monkeypatch.setattr(scheduler.Scheduler, "finish", finish)


FAULTS = [
    fault_admitting,
    fault_dispatching,
    fault_starting,
    fault_running,
    fault_collecting,
    fault_finishing,
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.removeprefix("fault_"))
def test_a_scheduler_bug_fails_only_the_job_it_hit(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch, fault: Callable[..., None]
) -> None:
    fault(monkeypatch)

    before = submit(batch, "before")
    poison = submit(batch, "poison")  # answered, although the scheduler broke on it
    after = submit(batch, "after")

    job = describe(batch, poison)
    assert job["status"] == "FAILED"
    assert job["statusReason"].startswith(INTERNAL)
    assert [describe(batch, j)["status"] for j in (before, after)] == ["SUCCEEDED", "SUCCEEDED"]
    assert describe(batch, submit(batch, "later"))["status"] == "SUCCEEDED"
    assert [c.operation for c in fake_batch.calls if c.error is not None] == []
    assert fake_batch.jobs(status="RUNNING") == fake_batch.jobs(status="STARTING") == []


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.removeprefix("fault_"))
def test_a_bug_on_an_array_child_fails_that_child_and_so_its_array(
    batch: Any, monkeypatch: pytest.MonkeyPatch, fault: Callable[..., None]
) -> None:
    fault(monkeypatch)

    parent = submit(batch, "poison", arrayProperties={"size": 3})

    job = describe(batch, parent)
    assert job["status"] == "FAILED"
    assert job["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 2
    assert job["arrayProperties"]["statusSummary"]["FAILED"] == 1
    assert describe(batch, f"{parent}:1")["statusReason"].startswith(INTERNAL)


def test_a_bug_on_one_node_ends_its_multinode_job_whole(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 3,
            "mainNode": 0,
            "nodeRangeProperties": [
                {
                    "targetNodes": "0:",
                    "container": {"image": "w", "command": ["x"], "vcpus": 1, "memory": 128},
                }
            ],
        },
    )
    fault_starting(monkeypatch)

    job_id = batch.submit_job(jobName="poison", jobQueue="q", jobDefinition="mnp")["jobId"]

    assert describe(batch, job_id)["status"] == "FAILED"
    nodes = [describe(batch, f"{job_id}#{i}") for i in range(3)]
    assert [n["status"] for n in nodes] == ["FAILED"] * 3
    assert all(n["statusReason"].startswith(INTERNAL) for n in nodes)
    assert fake_batch.jobs(status="RUNNING") == fake_batch.jobs(status="RUNNABLE") == []


def test_a_bug_while_stopping_a_job_fails_it_and_terminate_answers(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    job_id = submit(batch, "slow")
    monkeypatch.setattr(InProcessExecutor, "stop", lambda *_: boom())

    batch.terminate_job(jobId=job_id, reason="enough")

    job = describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["statusReason"].startswith(INTERNAL)
    assert describe(batch, submit(batch, "later"))["status"] == "RUNNING"  # sleeping its 600 s


def test_a_bug_in_an_operation_answers_only_that_request(batch: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = submit(batch, "ok")
    real = jobs_api.job_detail
    monkeypatch.setattr(jobs_api, "job_detail", lambda *_: boom())

    with pytest.raises(ClientError) as failure:
        batch.describe_jobs(jobs=[job_id])
    monkeypatch.setattr(jobs_api, "job_detail", real)

    assert failure.value.response["Error"]["Code"] == "ServerException"
    assert "ZeroDivisionError" in failure.value.response["Error"]["Message"]
    assert describe(batch, job_id)["status"] == "SUCCEEDED"


# -- handlers run outside the fake's lock -------------------------------------------------


def test_a_handler_may_join_a_thread_that_calls_batch(fake_batch: FakeBatch, batch: Any) -> None:
    seen: dict[str, Any] = {}

    @fake_batch.handler(job_name="outer")
    def outer(job: JobRun) -> int:
        def helper() -> None:
            client = boto3.client("batch", region_name=REGION)
            seen["self"] = describe(client, job.job_id)["status"]
            seen["inner"] = submit(client, "inner")

        thread = threading.Thread(target=helper)
        thread.start()
        thread.join(timeout=WAIT)
        return 1 if thread.is_alive() else 0

    job_id = submit(batch, "outer")

    assert describe(batch, job_id)["status"] == "SUCCEEDED"
    assert seen["self"] == "RUNNING"
    assert describe(batch, seen["inner"])["status"] == "SUCCEEDED"


def test_a_handler_may_wait_on_a_future_that_calls_batch(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(job_name="outer")
    def outer(job: JobRun) -> None:
        client = boto3.client("batch", region_name=REGION)
        pool = ThreadPoolExecutor(max_workers=2)
        try:
            ids = [pool.submit(submit, client, f"inner-{i}") for i in range(2)]
            statuses = pool.submit(lambda: [describe(client, f.result(timeout=WAIT))["status"] for f in ids])
            print(statuses.result(timeout=WAIT))
        finally:
            pool.shutdown(wait=False)  # never waits on a worker: a regression fails, not hangs

    job_id = submit(batch, "outer")

    assert describe(batch, job_id)["status"] == "SUCCEEDED"
    inner = fake_batch.jobs()[1:]
    assert [(j.name, j.status) for j in inner] == [("inner-0", "SUCCEEDED"), ("inner-1", "SUCCEEDED")]


def test_a_job_that_submits_a_job_is_answered_at_once_and_both_finish(
    fake_batch: FakeBatch, batch: Any
) -> None:
    seen: list[str] = []

    @fake_batch.handler(job_name="parent")
    def parent(job: JobRun) -> None:
        client = boto3.client("batch", region_name=REGION)
        child = submit(client, "child")
        seen.extend([describe(client, job.job_id)["status"], describe(client, child)["status"]])

    job_id = submit(batch, "parent")

    assert seen == ["RUNNING", "SUBMITTED"]  # a handler's calls move nothing
    assert [j.status for j in fake_batch.jobs()] == ["SUCCEEDED", "SUCCEEDED"]
    assert describe(batch, job_id)["status"] == "SUCCEEDED"


def test_another_thread_is_answered_while_a_handler_runs(fake_batch: FakeBatch, batch: Any) -> None:
    started, release = threading.Event(), threading.Event()

    @fake_batch.handler(job_name="held")
    def held(job: JobRun) -> int:
        started.set()
        return 0 if release.wait(timeout=WAIT) else 1

    submitted: dict[str, str] = {}
    thread = threading.Thread(target=lambda: submitted.update(id=submit(batch, "held")))
    thread.start()
    assert started.wait(timeout=WAIT)

    (job,) = fake_batch.jobs()
    status_meanwhile = describe(batch, job.id)["status"]  # answered while the handler runs
    release.set()
    thread.join(timeout=WAIT)

    assert not thread.is_alive()
    assert status_meanwhile == "RUNNING"
    assert describe(batch, submitted["id"])["status"] == "SUCCEEDED"


def test_handlers_on_two_threads_each_print_to_their_own_log(fake_batch: FakeBatch, batch: Any) -> None:
    both = threading.Barrier(2, timeout=WAIT)
    a_runs = threading.Event()
    stdout = sys.stdout

    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        print("before", job.job_name)
        if job.job_name == "a":
            a_runs.set()
        both.wait()  # both handlers run at once, each on the thread that submitted its job
        print("after", job.job_name)

    threads = [threading.Thread(target=submit, args=(batch, name)) for name in ("a", "b")]
    threads[0].start()
    assert a_runs.wait(timeout=WAIT)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=WAIT)

    assert not any(t.is_alive() for t in threads)
    assert {j.name: (j.status, j.output) for j in fake_batch.jobs()} == {
        "a": ("SUCCEEDED", ["before a", "after a"]),
        "b": ("SUCCEEDED", ["before b", "after b"]),
    }
    assert sys.stdout is stdout


def test_a_thread_a_handler_starts_prints_to_the_jobs_log(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def work(job: JobRun) -> None:
        thread = threading.Thread(target=print, args=("from a helper",))
        thread.start()
        thread.join(timeout=WAIT)

    submit(batch, "printer")

    assert fake_batch.jobs()[0].output == ["from a helper"]


@ecs_only
def test_a_container_of_a_task_runs_once_while_another_thread_calls_batch(
    fake_batch: FakeBatch, batch: Any
) -> None:
    started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    @fake_batch.handler("sidecar:*")
    def held(job: JobRun) -> int:
        runs.append(threading.current_thread().name)
        started.set()
        return 0 if release.wait(timeout=WAIT) else 1

    batch.register_job_definition(
        jobDefinitionName="task",
        type="container",
        ecsProperties={
            "taskProperties": [{"containers": [{"name": "main", "image": "sidecar:1", "essential": True}]}]
        },
    )
    submitted: dict[str, str] = {}
    thread = threading.Thread(
        target=lambda: submitted.update(
            id=batch.submit_job(jobName="t", jobQueue="q", jobDefinition="task")["jobId"]
        )
    )
    thread.start()
    assert started.wait(timeout=WAIT)

    batch.list_jobs(jobQueue="q")  # another thread observes the fake while the container runs
    release.set()
    thread.join(timeout=WAIT)

    assert not thread.is_alive()
    assert describe(batch, submitted["id"])["status"] == "SUCCEEDED"
    assert len(runs) == 1, runs
