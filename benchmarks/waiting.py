"""Jobs that wait: many RUNNABLE jobs draining through a small environment, and many jobs
behind one ``dependsOn``; per job, against the same scenario at a small size (the floor).

Each size runs in a fresh process. Not timed: the fake starts, one compute environment
(maxvCpus 4 for "runnable", 256 for "depends") and its queue, a definition of 1 vCPU, and N
jobs submitted with autorun off (for "depends", behind one job submitted first). Timed: one
``FakeBatch.run_until_idle()``, which must leave every job SUCCEEDED (checked with
``FakeBatch.jobs()``; for "runnable", that at most 4 jobs ever ran at once is checked from
their start and stop times on the fake's clock). Linear work costs the same per job at every
size: the target is the per-job cost at the large size within TARGET_RATIO of the small's.
Per-job costs are CPU time (the run is one thread): on a shared machine, wall time measures the
neighbours; wall times are in the notes.

The heap is collected before the timed run (submitting's garbage is not charged to it), and the
notes say how much of the run was CPython's garbage collector (``gc.callbacks``), and how many
full passes: a full pass walks every object alive, so it costs nothing at the small size, whose
jobs are few beside botocore's loaded models, and a constant share per job once jobs outnumber
them.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

from harness import DEF_NAME, QUEUE_NAME, REGION, Collector, Table, emit, expect, fmt_time, log, try_child

VCPUS = 4
TARGET_RATIO = 1.5
RUNNABLE_FULL = (2_000, 20_000, 100_000)
RUNNABLE_QUICK = (1_000, 4_000)
DEPENDS_FULL = (2_000, 100_000)  # full run only
CAP_S = 300  # the 100,000-job runs: at most this long
SMALL_RUNS = 3  # the small size (the floor) is cheap: the median of this many fresh processes


def _scenario(kind: str, n: int) -> dict[str, Any]:
    import boto3

    from pytest_fakebatch import FakeBatch

    with FakeBatch() as fake:
        batch = boto3.client("batch", region_name=REGION)
        batch.create_compute_environment(
            computeEnvironmentName="ce",
            type="MANAGED",
            computeResources={
                "type": "EC2",
                "maxvCpus": VCPUS if kind == "runnable" else 256,
                "subnets": ["subnet-0bench"],
                "instanceRole": "arn:aws:iam::123456789012:instance-profile/bench",
            },
        )
        batch.create_job_queue(
            jobQueueName=QUEUE_NAME,
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
        )
        batch.register_job_definition(
            jobDefinitionName=DEF_NAME,
            type="container",
            containerProperties={"image": "busybox", "vcpus": 1, "memory": 128, "command": ["true"]},
        )
        fake.autorun = False
        started = time.perf_counter()
        extra: dict[str, Any] = {}
        if kind == "depends":
            first = batch.submit_job(jobName="first", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME)["jobId"]
            extra["dependsOn"] = [{"jobId": first}]
        for i in range(n):
            batch.submit_job(jobName=f"job-{i}", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME, **extra)
        submit_s = time.perf_counter() - started
        expect(
            all(j.status == "SUBMITTED" for j in fake.jobs()),
            "autorun was off: every job should still be SUBMITTED",
        )
        gc.collect()
        collector = Collector()
        gc.callbacks.append(collector)
        cpu, started = time.process_time(), time.perf_counter()
        fake.run_until_idle()
        run_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        gc.callbacks.remove(collector)
        jobs = fake.jobs()
        expect(len(jobs) == n + (kind == "depends"), f"{len(jobs)} jobs, {n} submitted")
        statuses = statistics.multimode(j.status for j in jobs)
        expect(statuses == ["SUCCEEDED"] and all(j.status == "SUCCEEDED" for j in jobs), statuses)
        if kind == "runnable":
            expect(_most_at_once(jobs) <= VCPUS, f"more than {VCPUS} jobs ran at once")
        else:
            head = next(j for j in jobs if j.name == "first")
            later = [j for j in jobs if j.name != "first"]
            expect(all((j.started_at or 0) >= (head.stopped_at or 0) for j in later), "a job ran early")
    return {
        "run_s": run_s,
        "cpu_s": cpu_s,
        "submit_s": submit_s,
        "gc_s": collector.cpu_s,
        "full_passes": collector.full_passes,
    }


def _most_at_once(jobs: list[Any]) -> int:
    """The most jobs running at one time, from their start and stop times (ms)."""
    edges = sorted(
        [(j.started_at, 1) for j in jobs] + [(j.stopped_at, -1) for j in jobs],
        key=lambda e: (e[0], e[1]),  # at one instant, a stop frees its vCPU before a start
    )
    running = most = 0
    for _, change in edges:
        running += change
        most = max(most, running)
    return most


def child(args: list[str]) -> None:
    """``runnable|depends N``: one scenario; the run's wall and CPU time."""
    emit(_scenario(args[0], int(args[1])))


def _median_run(kind: str, n: int, runs: int, timeout: float) -> tuple[dict[str, Any] | None, str | None]:
    """The run of median CPU time among ``runs`` fresh processes; the first failure instead."""
    results = []
    for _ in range(runs):
        result, error, _ = try_child("waiting", [kind, str(n)], timeout)
        if result is None:
            return None, error
        results.append(result)
    results.sort(key=lambda r: float(r["cpu_s"]))
    return results[len(results) // 2], None


def section(table: Table, notes: list[str], quick: bool) -> None:
    scenarios = [("runnable", RUNNABLE_QUICK if quick else RUNNABLE_FULL)]
    if not quick:
        scenarios.append(("depends", DEPENDS_FULL))
    for kind, sizes in scenarios:
        per_job: dict[int, float] = {}
        errors: dict[int, str] = {}
        for n in sizes:
            # a cap all the same: a quadratic regression must not hang the run
            timeout = 60 if n <= 5_000 else 240 if n <= 20_000 else CAP_S
            runs = SMALL_RUNS if n == sizes[0] else 1
            log(f"  waiting: {n:,} jobs ({kind}), {runs} process(es); submitting them is not timed")
            result, error = _median_run(kind, n, runs, timeout)
            if result is None:
                errors[n] = error or "failed"
                if error and error.startswith("gave up"):
                    errors[n] += f" (over {fmt_time(timeout / n)} a job, submitting included)"
                continue
            per_job[n] = result["cpu_s"] / n
            notes.append(
                f"waiting ({kind}, {n:,} jobs): run_until_idle {fmt_time(result['run_s'])} "
                f"({fmt_time(result['cpu_s'])} CPU), {fmt_time(per_job[n])} of CPU a job, of which the "
                f"garbage collector {fmt_time(result['gc_s'] / n)} ({result['full_passes']} full passes); "
                f"submitting them took {fmt_time(result['submit_s'])} (not timed)."
            )
        small = sizes[0]
        what = (
            f"Waiting RUNNABLE: N jobs, autorun off, {VCPUS}-vCPU environment, run_until_idle, CPU per job"
            if kind == "runnable"
            else "N jobs behind one dependsOn, run_until_idle, CPU per job"
        )
        for large in sizes[1:]:
            table.add(
                f"{what}: {large:,} vs {small:,}",
                per_job.get(large),
                f"{small:,} jobs:",
                per_job.get(small),
                fmt_time,
                f"≤ {TARGET_RATIO}x per job",
                lambda a, b: b is not None and a <= TARGET_RATIO * b,
                ours_text=f"{large:,} jobs: {fmt_time(per_job[large])}"
                if large in per_job
                else f"{large:,} jobs: {errors[large]}",
                ref_text=f"{small:,} jobs: {errors[small]}" if small in errors else None,
                key=f"waiting.{kind}.{large}_vs_{small}",
            )
        for n, error in errors.items():
            notes.append(f"waiting ({kind}, {n:,} jobs): {error}")
