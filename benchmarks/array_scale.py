"""Arrays at scale: one 10,000-child array, start to stop, in the fake and in moto.

Each phase timed in fresh processes (median); peak RSS (``VmHWM``, else ``ru_maxrss``) of the process, of a
process that only imports and creates the clients (the baseline), and the tracemalloc peak.
In the fake, every child runs a handler that prints its ``AWS_BATCH_JOB_ARRAY_INDEX``; after
the listing (not timed) each child's log is checked to hold exactly its own index, and the
last child's also through GetLogEvents. moto's batch_simple runs nothing: its children are
only checked to be listed SUCCEEDED.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import statistics
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
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
    fmt_mb,
    fmt_time,
    log,
    maxrss_mb,
    moto_prereqs,
    print_profile,
    register_definition,
    try_child,
)

ARRAY_SIZE = 10_000


def _array(impl: str, trace: bool, baseline: bool) -> None:
    """Setup, submit, run, describe, list of one 10,000-child array; phases timed."""
    import boto3

    if impl == "fake":
        from pytest_fakebatch import FakeBatch
    else:
        from moto import mock_aws

    batch = boto3.client("batch", region_name=REGION)
    if impl == "moto":
        ec2 = boto3.client("ec2", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
    gc.collect()
    if baseline:  # what the process costs before the scenario: imports and clients
        emit({"maxrss_mb": maxrss_mb()})
        return
    if trace:
        tracemalloc.start()

    phases: dict[str, float] = {}
    clock = time.perf_counter

    cpu_start = time.process_time()
    start = clock()
    if impl == "fake":
        context: Any = FakeBatch()
        fake = context.__enter__()
        pre = fake_prereqs()
        phases["start"] = clock() - start
    else:
        context = mock_aws(config=MOTO_CONFIG)
        context.__enter__()
        phases["start"] = clock() - start
        mark, cpu_mark = clock(), time.process_time()
        pre = moto_prereqs(ec2, iam)
        phases["prereqs"] = clock() - mark  # moto only; not part of the total
        cpu_start += time.process_time() - cpu_mark
    prereq_rss = maxrss_mb()

    mark = clock()
    if impl == "fake":
        fake.handler(image="busybox")(_print_index)
    create_queue(batch, pre)
    register_definition(batch)
    phases["setup"] = clock() - mark

    mark = clock()
    parent = batch.submit_job(
        jobName="bench-array",
        jobQueue=QUEUE_NAME,
        jobDefinition=DEF_NAME,
        arrayProperties={"size": ARRAY_SIZE},
    )["jobId"]
    phases["submit"] = clock() - mark
    # With autorun, the fake may run the array inside SubmitJob already (moto always does).
    done_in_submit = fake.job(parent).status == "SUCCEEDED" if impl == "fake" else True

    mark = clock()
    if impl == "fake":
        fake.run_until_idle()
    # moto's batch_simple finishes every job inside SubmitJob: nothing is left to run.
    phases["run"] = clock() - mark

    mark = clock()
    detail = batch.describe_jobs(jobs=[parent])["jobs"][0]
    phases["describe"] = clock() - mark
    expect(detail["status"] == "SUCCEEDED", detail["status"])
    expect(detail["arrayProperties"]["size"] == ARRAY_SIZE, detail["arrayProperties"])
    summary = detail["arrayProperties"]["statusSummary"]
    expect(summary.get("SUCCEEDED") == ARRAY_SIZE, summary)
    expect(sum(summary.values()) == ARRAY_SIZE, summary)

    mark = clock()
    children: list[dict[str, Any]] = []
    pages = 0
    for page in batch.get_paginator("list_jobs").paginate(arrayJobId=parent, jobStatus="SUCCEEDED"):
        children.extend(page["jobSummaryList"])
        pages += 1
    phases["list"] = clock() - mark
    ids = {c["jobId"] for c in children}
    expect(len(children) == ARRAY_SIZE, len(children))
    expect(ids == {f"{parent}:{i}" for i in range(ARRAY_SIZE)}, "the listed children are not the array's")
    expect(all(c["status"] == "SUCCEEDED" for c in children), "not every listed child SUCCEEDED")
    if impl == "fake":  # not timed, in wall or CPU time
        cpu_mark = time.process_time()
        _check_children_output(fake, boto3.client("logs", region_name=REGION), batch, parent)
        cpu_start += time.process_time() - cpu_mark

    mark = clock()
    context.__exit__(None, None, None)
    phases["stop"] = clock() - mark
    cpu = time.process_time() - cpu_start  # immune to other processes competing for the CPU; no prereqs

    result: dict[str, Any] = {
        "phases": phases,
        "total_s": sum(v for k, v in phases.items() if k != "prereqs"),
        "cpu_s": cpu,
        "pages": pages,
        "done_in_submit": done_in_submit,
        "maxrss_mb": maxrss_mb(),
        "prereq_maxrss_mb": prereq_rss,
    }
    if trace:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    emit(result)


def _print_index(job: Any) -> None:
    """The container of every child: print its own index (its log's one line)."""
    print(job.env["AWS_BATCH_JOB_ARRAY_INDEX"])


def _check_children_output(fake: Any, logs: Any, batch: Any, parent: str) -> None:
    """Every child ran with its own index, and its log holds what it printed."""
    wrong = []
    for i in range(ARRAY_SIZE):
        info = fake.job(f"{parent}:{i}")
        if info.output != [str(i)] or info.array_index != i or info.attempts != 1:
            wrong.append((i, info.output, info.array_index, info.attempts))
    expect(not wrong, f"{len(wrong)} children did not log their own index, e.g. {wrong[:3]}")
    last = f"{parent}:{ARRAY_SIZE - 1}"
    stream = batch.describe_jobs(jobs=[last])["jobs"][0]["container"]["logStreamName"]
    events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
    expect([e["message"] for e in events] == [str(ARRAY_SIZE - 1)], events)


def child(args: list[str]) -> None:
    """``fake|moto [--trace] [--baseline]``: one array scenario, or only the import baseline."""
    _array(args[0], trace="--trace" in args, baseline="--baseline" in args)


def profile() -> None:
    """A cProfile of the fake's timed part of the array scenario."""
    import pytest_fakebatch

    profiler = cProfile.Profile()
    real_enter = pytest_fakebatch.FakeBatch.__enter__

    def enter(self: Any) -> Any:
        profiler.enable()
        return real_enter(self)

    pytest_fakebatch.FakeBatch.__enter__ = enter  # type: ignore[method-assign]
    with contextlib.redirect_stdout(sys.stderr):
        _array("fake", trace=False, baseline=False)
    profiler.disable()
    print_profile(profiler)


def median_phases(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = runs[0]["phases"].keys()
    return {k: statistics.median(r["phases"][k] for r in runs) for k in keys}


def section(table: Table, notes: list[str], quick: bool) -> None:
    reps = 1 if quick else 3
    timeout = 20 if quick else 60
    runs: dict[str, list[dict[str, Any]]] = {"fake": [], "moto": []}
    errors: dict[str, str] = {}
    for rep in range(reps):
        for impl in ("fake", "moto"):
            if impl in errors:
                continue
            log(f"  array: {impl} run {rep + 1}/{reps}")
            result, error, _ = try_child("array", [impl], timeout=timeout)
            if result is None:
                errors[impl] = error or "failed"
            else:
                runs[impl].append(result)
    # Memory-only processes (their timings are not used) run side by side, after the timed ones.
    memory_jobs = {(impl, "--baseline"): 60.0 for impl in ("fake", "moto")}
    for impl in ("fake", "moto"):
        if impl not in errors and (not quick or impl == "fake"):
            memory_jobs[(impl, "--trace")] = timeout * 4
    log(f"  array: {len(memory_jobs)} memory-only processes (import baselines, tracemalloc) side by side")
    with ThreadPoolExecutor(max_workers=len(memory_jobs)) as pool:
        futures = {key: pool.submit(try_child, "array", [*key], limit) for key, limit in memory_jobs.items()}
    memory = {key: future.result()[0] for key, future in futures.items()}
    base: dict[str, float | None] = {}
    traced: dict[str, float | None] = {}
    for impl in ("fake", "moto"):
        found = memory.get((impl, "--baseline"))
        base[impl] = found["maxrss_mb"] if found else None
        found = memory.get((impl, "--trace"))
        traced[impl] = found["tracemalloc_peak_mb"] if found else None

    fake_runs, moto_runs = runs["fake"], runs["moto"]
    fp = median_phases(fake_runs) if fake_runs else {}
    mp = median_phases(moto_runs) if moto_runs else {}
    moto_note = f"moto {errors['moto']}" if "moto" in errors else None
    label = f"{ARRAY_SIZE:,}-child array"
    for phase, text in (
        ("setup", "create CE + queue + definition"),
        ("submit", "SubmitJob (size 10,000)"),
        ("run", "run to completion"),
        ("describe", "DescribeJobs parent (SUCCEEDED 10,000)"),
        ("list", "list_jobs paginator, all 10,000 children"),
    ):
        table.add(
            f"{label}: {text}",
            fp.get(phase),
            "moto",
            mp.get(phase),
            fmt_time,
            ref_text=moto_note,
            ratio=phase != "run",  # moto's run is empty: no ratio
        )
    fake_total = statistics.median(r["total_s"] for r in fake_runs) if fake_runs else None
    moto_total = statistics.median(r["total_s"] for r in moto_runs) if moto_runs else None
    table.add(
        f"{label}: whole scenario (start → stop)",
        fake_total,
        "moto",
        moto_total,
        fmt_time,
        "< 0.5 s",
        lambda a, b: a < 0.5,
        ours_text=None if fake_runs else errors.get("fake"),
        ref_text=moto_note,
        key="array.total.moto",
    )
    for impl, impl_runs in runs.items():
        if impl_runs:
            cpu = statistics.median(r["cpu_s"] for r in impl_runs)
            notes.append(f"array ({impl}): whole scenario CPU time of the process {fmt_time(cpu)} (median).")
    fake_rss = statistics.median(r["maxrss_mb"] for r in fake_runs) if fake_runs else None
    moto_rss = statistics.median(r["maxrss_mb"] for r in moto_runs) if moto_runs else None

    table.add(
        f"{label}: peak RSS of the process (VmHWM)",
        fake_rss,
        "moto",
        moto_rss,
        fmt_mb,
        "< 100 MB",
        lambda a, b: a < 100,
        ref_text=moto_note,
    )
    table.add(
        f"{label}: peak RSS over the import baseline",
        None if fake_rss is None or base["fake"] is None else fake_rss - base["fake"],
        "moto",
        None if moto_rss is None or base["moto"] is None else moto_rss - base["moto"],
        fmt_mb,
        ref_text=moto_note,
    )
    table.add(
        f"{label}: tracemalloc peak",
        traced["fake"],
        "moto",
        traced["moto"],
        fmt_mb,
        ref_text=None if traced["moto"] is not None else "moto (not measured)" if quick else moto_note,
    )
    if fake_runs:
        notes.append(
            f"array (fake): median of {len(fake_runs)} fresh processes; phases "
            + ", ".join(f"{k} {fmt_time(v)}" for k, v in fp.items())
            + f"; {fake_runs[0]['pages']} list_jobs pages; baseline process (imports + client) "
            f"{fmt_mb(base['fake'])}. 'run' is FakeBatch.run_until_idle(); "
            + (
                "autorun had already run every child inside SubmitJob, so that work counts in 'submit'."
                if fake_runs[0]["done_in_submit"]
                else "SubmitJob left the children to run (autorun runs them at the next API call)."
            )
        )
    if moto_runs:
        notes.append(
            f"array (moto mock_aws, batch use_docker=False): median of {len(moto_runs)}; phases "
            + ", ".join(f"{k} {fmt_time(v)}" for k, v in mp.items())
            + f"; {moto_runs[0]['pages']} list_jobs page(s) (moto does not paginate); "
            f"baseline process {fmt_mb(base['moto'])}; RSS high-water after moto's EC2/IAM prerequisites "
            f"{fmt_mb(moto_runs[0]['prereq_maxrss_mb'])}. moto runs its children inside SubmitJob, so its "
            "'run' is empty; its prerequisites (VPC, subnet, SG, role) are not in its total."
        )
    for impl, error in errors.items():
        notes.append(f"array ({impl}): {error}")
