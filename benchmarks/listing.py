"""List at scale: ListJobs and ``FakeBatch.jobs()`` over N finished jobs, at two sizes.

Each size in a fresh process: N plain jobs are submitted to one queue (not timed: autorun is
off while submitting and the queue is run every SUBMIT_CHUNK jobs), then only the listing is
timed, REPS times (median), after a ``gc.collect()``: every job through the ``list_jobs``
paginator (jobStatus SUCCEEDED, PAGE_SIZE a page, autorun back on as users have it), and
``fake.jobs()``. The target: the cost per job at the large size at most TARGET_RATIO times
the cost per job at the small size.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import statistics
import time
from collections.abc import Iterator
from typing import Any

from harness import (
    DEF_NAME,
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
    print_profile,
    register_definition,
    try_child,
)

SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000, 20_000)
PAGE_SIZE = 1000  # ListJobs' largest maxResults
SUBMIT_CHUNK = 1000  # run_until_idle's cost grows faster than its queue: keep the queue short
TARGET_RATIO = 1.5


@contextlib.contextmanager
def _finished_jobs(n: int) -> Iterator[tuple[Any, Any, set[str]]]:
    """An active fake holding N SUCCEEDED jobs in one queue: the fake, a client, the job ids."""
    import boto3

    from pytest_fakebatch import FakeBatch

    with FakeBatch() as fake:
        batch = boto3.client("batch", region_name=REGION)
        create_queue(batch, fake_prereqs())
        register_definition(batch)
        fake.autorun = False
        submitted = set()
        for i in range(n):
            answer = batch.submit_job(jobName=f"job-{i}", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME)
            submitted.add(answer["jobId"])
            if (i + 1) % SUBMIT_CHUNK == 0:
                fake.run_until_idle()
        fake.run_until_idle()
        fake.autorun = True
        yield fake, batch, submitted


def _list_jobs(batch: Any) -> tuple[list[dict[str, Any]], int]:
    """Every SUCCEEDED job of the queue through the paginator; the summaries and the pages."""
    summaries: list[dict[str, Any]] = []
    pages = 0
    paginator = batch.get_paginator("list_jobs")
    config = {"PageSize": PAGE_SIZE}
    for page in paginator.paginate(jobQueue=QUEUE_NAME, jobStatus="SUCCEEDED", PaginationConfig=config):
        summaries.extend(page["jobSummaryList"])
        pages += 1
    return summaries, pages


def _check(what: str, listed: list[tuple[str, str]], submitted: set[str]) -> None:
    """Exactly the submitted jobs, each once, each SUCCEEDED: (job id, status) pairs."""
    ids = {job_id for job_id, _ in listed}
    expect(len(listed) == len(submitted), f"{what}: {len(listed)} jobs listed, {len(submitted)} submitted")
    expect(ids == submitted, f"{what}: the listed job ids are not the submitted ones")
    expect(all(status == "SUCCEEDED" for _, status in listed), f"{what}: not every job SUCCEEDED")


def child(args: list[str]) -> None:
    """``N REPS``: N finished jobs, each listing timed REPS times."""
    n, reps = int(args[0]), int(args[1])
    started = time.perf_counter()
    with _finished_jobs(n) as (fake, batch, submitted):
        setup = time.perf_counter() - started
        list_s: list[float] = []
        jobs_s: list[float] = []
        pages = 0
        for _ in range(reps):
            gc.collect()
            start = time.perf_counter()
            summaries, pages = _list_jobs(batch)
            list_s.append(time.perf_counter() - start)
            _check("ListJobs", [(s["jobId"], s["status"]) for s in summaries], submitted)
            del summaries
            gc.collect()
            start = time.perf_counter()
            infos = fake.jobs()
            jobs_s.append(time.perf_counter() - start)
            _check("FakeBatch.jobs()", [(j.id, j.status) for j in infos], submitted)
            del infos
    emit({"list_s": list_s, "jobs_s": jobs_s, "pages": pages, "setup_s": setup, "maxrss_mb": maxrss_mb()})


def profile() -> None:
    """A cProfile of one ListJobs listing of the small size's jobs."""
    profiler = cProfile.Profile()
    with _finished_jobs(SIZES[0]) as (_, batch, submitted):
        profiler.enable()
        summaries, _ = _list_jobs(batch)
        profiler.disable()
    _check("ListJobs", [(s["jobId"], s["status"]) for s in summaries], submitted)
    print_profile(profiler)


def section(table: Table, notes: list[str], quick: bool) -> None:
    small, large = QUICK_SIZES if quick else SIZES
    reps = 1 if quick else 3
    results: dict[int, dict[str, Any]] = {}
    errors: dict[int, str] = {}
    for n, timeout in ((small, 300), (large, 1200)):
        log(f"  listing: {n:,} jobs (submitting them takes a while; not timed), {reps} listing(s)")
        result, error, _ = try_child("listing", [str(n), str(reps)], timeout)
        if result is None:
            errors[n] = error or "failed"
        else:
            results[n] = result
    sizes = f" ({small:,} and {large:,} jobs, --quick)" if quick else ""
    for key, what in (
        ("list_s", f"ListJobs paginator, SUCCEEDED, {PAGE_SIZE:,} a page"),
        ("jobs_s", "FakeBatch.jobs()"),
    ):
        per_job = {n: statistics.median(r[key]) / n for n, r in results.items()}
        table.add(
            f"list at scale: {what}, per job{sizes}",
            per_job.get(large),
            f"{small:,} jobs:",
            per_job.get(small),
            fmt_time,
            f"{large // small}x jobs: ≤ {TARGET_RATIO}x per job",
            lambda a, b: b is not None and a <= TARGET_RATIO * b,
            ours_text=f"{large:,} jobs: {fmt_time(per_job[large])}" if large in per_job else errors[large],
            ref_text=f"{small:,} jobs: {errors[small]}" if small in errors else None,
            key=f"listing.{key}.{large}_vs_{small}",
        )
    for n, result in results.items():
        notes.append(
            f"list at scale ({n:,} jobs): median of {len(result['list_s'])} in one fresh process; ListJobs "
            f"{fmt_time(statistics.median(result['list_s']))} in {result['pages']} pages, "
            f"FakeBatch.jobs() {fmt_time(statistics.median(result['jobs_s']))}; submitting and running "
            f"the jobs first took {fmt_time(result['setup_s'])} (not timed); peak RSS "
            f"{fmt_mb(result['maxrss_mb'])}. The ratio column is per job at {large:,} / per job at "
            f"{small:,}."
        )
    for n, error in errors.items():
        notes.append(f"list at scale ({n:,} jobs): {error}")
