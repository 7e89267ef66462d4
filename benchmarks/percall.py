"""Per-call cost: DescribeJobQueues, DescribeJobs, SubmitJob, ListJobs (a page of 100) and
GetLogEvents, each against the Stubber floor, and moto."""

from __future__ import annotations

import contextlib
import cProfile
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from harness import (
    DEF_NAME,
    MOTO_CONFIG,
    QUEUE_NAME,
    REGION,
    Table,
    create_queue,
    emit,
    expect,
    fake_prereqs,
    fmt_bytes,
    fmt_time,
    log,
    moto_prereqs,
    print_profile,
    register_definition,
    try_child,
)

OPERATIONS = ("describe_job_queues", "describe_jobs", "submit_job", "list_jobs", "get_log_events")
CHUNK = 50  # calls in a row before the other implementation takes its turn
PAGE = 100  # ListJobs: jobs in the queue, and maxResults
LOG_GROUP = "/aws/batch/job"
LINES = ["reading input", "42 records", "done"]  # what the job of GetLogEvents prints
TARGET_RATIO = 1.25


def check_queues(answer: dict[str, Any]) -> None:
    queues = answer["jobQueues"]
    expect(len(queues) == 1, queues)
    expect(queues[0]["jobQueueName"] == QUEUE_NAME, queues)
    expect(queues[0]["state"] == "ENABLED", queues)


def check_finished_job(answer: dict[str, Any]) -> None:
    jobs = answer["jobs"]
    expect(len(jobs) == 1, jobs)
    expect(jobs[0]["status"] == "SUCCEEDED", jobs)


@dataclass
class Target:
    """One way of answering the benchmarked call."""

    call: Callable[[], Any]
    check: Callable[[dict[str, Any]], None]
    queue: Callable[[int], None] = lambda count: None  # a Stubber answers each queued response once


def check_submitted(answer: dict[str, Any]) -> None:
    expect(answer["jobName"] == "per-call" and len(answer["jobId"]) == 36, answer)


def check_page(answer: dict[str, Any]) -> None:
    jobs = answer["jobSummaryList"]
    expect(len(jobs) == PAGE, len(jobs))
    expect(jobs[0]["status"] == "SUCCEEDED" and jobs[-1]["status"] == "SUCCEEDED", jobs[0])


def check_log(answer: dict[str, Any]) -> None:
    expect([e["message"] for e in answer["events"]] == LINES, answer["events"])


def _prepare(
    batch: Any, logs: Any, op: str, pre: dict[str, str], run: Callable[[], None], moto: bool
) -> dict[str, Any]:
    """The resources the call reads; the call's keyword arguments. moto runs no job (its
    batch_simple marks them SUCCEEDED) and logs nothing: its log stream is written here."""
    create_queue(batch, pre)
    if op == "describe_job_queues":
        return {}
    register_definition(batch)
    if op == "submit_job":
        return {"jobName": "per-call", "jobQueue": QUEUE_NAME, "jobDefinition": DEF_NAME}
    if op == "list_jobs":
        for i in range(PAGE):
            batch.submit_job(jobName=f"job-{i}", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME)
        run()
        return {"jobQueue": QUEUE_NAME, "jobStatus": "SUCCEEDED", "maxResults": PAGE}
    job_id = batch.submit_job(jobName="one", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME)["jobId"]
    run()
    if op == "describe_jobs":
        return {"jobs": [job_id]}
    if moto:
        stream = "bench-def/default/0123456789abcdef"
        logs.create_log_group(logGroupName=LOG_GROUP)
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        now = int(time.time() * 1000)  # CloudWatch Logs (and moto) refuse events over 14 days old
        events = [{"timestamp": now + i, "message": m} for i, m in enumerate(LINES)]
        logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)
    else:
        stream = batch.describe_jobs(jobs=[job_id])["jobs"][0]["container"]["logStreamName"]
    return {"logGroupName": LOG_GROUP, "logStreamName": stream, "startFromHead": True}


def _check_for(op: str) -> Callable[[dict[str, Any]], None]:
    checks = {
        "describe_job_queues": check_queues,
        "describe_jobs": check_finished_job,
        "submit_job": check_submitted,
        "list_jobs": check_page,
        "get_log_events": check_log,
    }
    return checks[op]


def _service(op: str) -> str:
    return "logs" if op == "get_log_events" else "batch"


def _print_lines(job: Any) -> None:
    print("\n".join(LINES))


@contextlib.contextmanager
def fake_and_stubber(op: str) -> Iterator[dict[str, Target]]:
    """The fake (active, as a context manager) and, on another client, the Stubber floor.

    The Stubber answers with the fake's own answer, so both hand back the same document.
    Both live in one process so that their repeats can alternate; a Stubber-stubbed client
    is answered by the Stubber even while the fake is active (checked below).
    """
    import boto3
    from botocore.stub import Stubber

    from pytest_fakebatch import FakeBatch

    check = _check_for(op)
    with FakeBatch() as fake:
        fake.handler(image="busybox")(_print_lines)
        batch = boto3.client("batch", region_name=REGION)
        logs = boto3.client("logs", region_name=REGION)
        kwargs = _prepare(batch, logs, op, fake_prereqs(), fake.run_until_idle, moto=False)
        fake_method = getattr(logs if _service(op) == "logs" else batch, op)
        answer = fake_method(**kwargs)
        check(answer)
        answer.pop("ResponseMetadata", None)

        stubbed = boto3.client(_service(op), region_name=REGION)
        stubber = Stubber(stubbed)
        stubber.activate()
        stub_method = getattr(stubbed, op)

        def queue(count: int) -> None:
            for _ in range(count):
                stubber.add_response(op, answer)

        calls_before = len(fake.calls)
        queue(1)
        check(stub_method(**kwargs))
        expect(len(fake.calls) == calls_before, "the fake answered the Stubber's client")
        yield {
            "stubber": Target(lambda: stub_method(**kwargs), check, queue),
            "fake": Target(lambda: fake_method(**kwargs), check),
        }
        stubber.assert_no_pending_responses()


@contextlib.contextmanager
def moto_target(op: str) -> Iterator[dict[str, Target]]:
    import boto3
    from moto import mock_aws

    with mock_aws(config=MOTO_CONFIG):
        batch = boto3.client("batch", region_name=REGION)
        ec2 = boto3.client("ec2", region_name=REGION)
        logs = boto3.client("logs", region_name=REGION)
        pre = moto_prereqs(ec2, boto3.client("iam", region_name=REGION))
        kwargs = _prepare(batch, logs, op, pre, lambda: None, moto=True)
        method = getattr(logs if _service(op) == "logs" else batch, op)
        yield {"moto": Target(lambda: method(**kwargs), _check_for(op))}


def _memory(target: Target, calls: int = 200) -> tuple[int, float]:
    """tracemalloc peak of one call, and the bytes each call leaves allocated."""
    target.queue(calls + 1)
    gc.collect()
    tracemalloc.start()
    target.check(target.call())
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    target.check(target.call())
    peak = tracemalloc.get_traced_memory()[1] - base
    for _ in range(calls - 1):
        target.call()
    gc.collect()
    retained = (tracemalloc.get_traced_memory()[0] - base) / calls
    tracemalloc.stop()
    return peak, retained


def child(args: list[str]) -> None:
    """``pair|moto OP N REPS WARMUP``: median-ready samples of N calls, REPS times."""
    kind, op, n_text, reps_text, warmup_text = args
    n, reps, warmup = int(n_text), int(reps_text), int(warmup_text)
    import pytest_fakebatch  # noqa: F401  -- loaded in every test session, as the plugin

    factory = fake_and_stubber if kind == "pair" else moto_target
    with factory(op) as targets:
        for target in targets.values():
            target.queue(warmup)
            for _ in range(warmup):
                target.check(target.call())
        samples: dict[str, list[float]] = {name: [] for name in targets}
        cpu_samples: dict[str, list[float]] = {name: [] for name in targets}
        chunk = min(n, CHUNK)
        for _ in range(reps):
            wall = dict.fromkeys(targets, 0.0)
            cpu = dict.fromkeys(targets, 0.0)
            for target in targets.values():
                target.queue(n)
            gc.collect()
            # The implementations take turns every CHUNK calls, so that whatever else the
            # machine does slows each of them alike.
            for _ in range(n // chunk):
                for name, target in targets.items():
                    call, check = target.call, target.check
                    cpu_start, start = time.process_time(), time.perf_counter()
                    for _ in range(chunk):
                        check(call())  # every answer, in every implementation alike (well under 1 µs)
                    wall[name] += time.perf_counter() - start
                    cpu[name] += time.process_time() - cpu_start
            for name in targets:
                samples[name].append(wall[name] / (n // chunk * chunk))
                cpu_samples[name].append(cpu[name] / (n // chunk * chunk))
        result = {}
        for name, target in targets.items():
            peak, retained = _memory(target)
            result[name] = {
                "samples_s": samples[name],
                "cpu_samples_s": cpu_samples[name],
                "peak_bytes": peak,
                "retained_bytes": retained,
            }
    emit(result)


def profile(op: str) -> None:
    """A cProfile of 3,000 calls of OP answered by the fake."""
    profiler = cProfile.Profile()
    with fake_and_stubber(op) as targets:
        call, check = targets["fake"].call, targets["fake"].check
        for _ in range(200):
            check(call())
        profiler.enable()
        for _ in range(3000):
            call()
        profiler.disable()
    print_profile(profiler)


def section(table: Table, notes: list[str], quick: bool) -> None:
    n, reps, warmup, rounds = (200, 5, 50, 1) if quick else (1000, 5, 300, 2)
    labels = {
        "describe_job_queues": "DescribeJobQueues per call (1 CE, 1 queue)",
        "describe_jobs": "DescribeJobs per call (1 finished job)",
        "submit_job": "SubmitJob per call (autorun: each job runs)",
        "list_jobs": f"ListJobs per call (a page of {PAGE} finished jobs)",
        "get_log_events": f"GetLogEvents per call (a finished job's {len(LINES)} lines)",
    }
    target = f"≤ {TARGET_RATIO}x floor"
    for op in OPERATIONS:
        pooled: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        jobs = [("pair", n)] * rounds + [("moto", max(100, n // 5))]
        for i, (kind, count) in enumerate(jobs):
            what = "fake and Stubber, alternating" if kind == "pair" else "moto"
            log(f"  per call: {op}, {what}, process {i + 1}/{len(jobs)} ({reps} x {count} calls each)")
            result, error, _ = try_child("percall", [kind, op, str(count), str(reps), str(warmup)], 120)
            if result is None:
                errors[kind] = error or "failed"
                continue
            for name, data in result.items():
                if name in pooled:
                    pooled[name]["samples_s"] += data["samples_s"]
                    pooled[name]["cpu_samples_s"] += data["cpu_samples_s"]
                else:
                    pooled[name] = data
        if "pair" in errors:
            table.add(
                labels[op],
                None,
                "Stubber",
                None,
                fmt_time,
                target,
                lambda a, b: False,
                ours_text=errors["pair"],
                ref_text="—",
                key=f"percall.{op}.stubber",
            )
            continue
        per_call = {name: statistics.median(d["samples_s"]) for name, d in pooled.items()}
        fake, stub = pooled["fake"], pooled["stubber"]
        table.add(
            labels[op],
            per_call["fake"],
            "Stubber",
            per_call["stubber"],
            fmt_time,
            target,
            lambda a, b: b is not None and a <= TARGET_RATIO * b,
            key=f"percall.{op}.stubber",
        )
        table.add(
            "  same call, moto mock_aws (scale)",
            per_call["fake"],
            "moto",
            per_call.get("moto"),
            fmt_time,
            ref_text=f"moto {errors['moto']}" if "moto" in errors else None,
            key=f"percall.{op}.moto",
        )
        table.add(
            "  tracemalloc peak of one call", fake["peak_bytes"], "Stubber", stub["peak_bytes"], fmt_bytes
        )
        table.add(
            "  memory retained per call",
            fake["retained_bytes"],
            "Stubber",
            stub["retained_bytes"],
            fmt_bytes,
            ratio=False,
        )
        ratios = [f / s for f, s in zip(fake["samples_s"], stub["samples_s"], strict=True)]
        cpu_fake = statistics.median(fake["cpu_samples_s"])
        cpu_stub = statistics.median(stub["cpu_samples_s"])
        notes.append(
            f"{labels[op]}: median of {len(fake['samples_s'])} repeats of {n} calls ({rounds} process(es); "
            f"fake and Stubber take turns every {CHUNK} calls); per-repeat ratio min {min(ratios):.2f}x, "
            f"median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x; by CPU time "
            f"{fmt_time(cpu_fake)} vs {fmt_time(cpu_stub)} = {cpu_fake / cpu_stub:.2f}x. The fake "
            "retains one FakeBatch.calls record per call."
        )
