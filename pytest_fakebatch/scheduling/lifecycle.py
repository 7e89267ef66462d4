"""The one function through which every job changes status."""

from __future__ import annotations

import bisect

from ..model.jobs import (
    FAILED,
    RUNNABLE,
    RUNNING,
    SUBMITTED,
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    Job,
    creation_key,
)
from ..model.journal import STATE_CHANGE, record
from ..model.region import Region
from .consumables import give_back


def set_status(
    region: Region, job: Job, status: str, now_ms: int, reason: str | None = None, *, journal: bool = True
) -> None:
    """Move ``job`` (never an array parent) to ``status`` along the transition table.

    Keeps the timestamps AWS shows (startedAt on RUNNING, stoppedAt when terminal), the
    scheduler's indexes, wakes the jobs that wait on this one (or on its array), and writes the
    change to the journal; ``journal=False`` leaves that to the caller (:func:`journal_change`),
    once the job is as DescribeJobs will show it.
    """
    if status not in TRANSITIONS[job.status]:
        raise IllegalTransition(f"job {job.id}: {job.status} -> {status} is not a legal move")
    if job.children:  # an array parent only records that it was admitted; the rest is derived
        was, job.status = job.status, status
        if was == SUBMITTED and not job.is_multinode and journal:  # the array is PENDING now
            journal_change(region, job, now_ms)
        return
    bucket = region.active.get(job.status)
    if bucket is not None:
        bucket.pop(job.id, None)
    if job.status == RUNNABLE:
        region.waiting.remove(job)
    _move(region, job, status, now_ms, reason, journal)


def fail_broken(region: Region, job: Job, now_ms: int, reason: str) -> None:
    """End ``job`` FAILED from wherever the fake broke on it, even in the middle of a move:
    the one change outside the table, so that a bug in the fake stays with one job. An array
    parent's unfinished children fail instead (its status is derived from them)."""
    if job.children:
        for child in job.children:
            fail_broken(region, child, now_ms, reason)
        return
    if job.status in TERMINAL:
        return
    for bucket in region.active.values():  # wherever a half-done move left it
        bucket.pop(job.id, None)
    region.waiting.remove(job)
    _move(region, job, FAILED, now_ms, reason, True)


def _move(region: Region, job: Job, status: str, now_ms: int, reason: str | None, journal: bool) -> None:
    # a multi-node parent shows its main node; its end waits for every node (its stoppedAt)
    parent_moved = job.is_multinode and job.index == job.spec.main_node and status not in TERMINAL
    job.status = status
    if reason is not None:
        job.status_reason = reason
    if status == RUNNING:
        job.started_at = now_ms
    if status in TERMINAL:
        job.stopped_at = now_ms
        give_back(job)
        _wake_dependents(region, job)
        parent = job.parent
        if parent is not None:
            parent.unfinished_children -= 1
            if parent.unfinished_children == 0:
                parent.stopped_at = now_ms
                _wake_dependents(region, parent)
                parent_moved = True  # the array (or multi-node job) ended
    else:
        region.active.setdefault(status, {})[job.id] = job
        if status == RUNNABLE:
            region.waiting.add(job)
    if journal:
        journal_change(region, job, now_ms)
    if parent_moved and job.parent is not None:
        journal_change(region, job.parent, now_ms)


def journal_change(region: Region, job: Job, now_ms: int) -> None:
    """Write the change ``job`` just went through to the region's journal (its events), where
    one is kept, with its tags as they are now."""
    tags = region.tags.get(job.top.arn)
    record(region.journal, region.region, region.account, job, now_ms, STATE_CHANGE, tags)


def add_job(region: Region, job: Job) -> None:
    """Register a new job (status SUBMITTED) with the region and its indexes."""
    region.jobs[job.id] = job
    if job.parent is None:  # ListJobs walks a queue's jobs from a page token's position
        listed = region.queue_jobs.setdefault(job.spec.queue.arn, [])
        if listed and creation_key(listed[-1]) > creation_key(job):  # the clock was set back
            bisect.insort(listed, job, key=creation_key)
        else:
            listed.append(job)
    # schedulingPriority orders jobs only in fair-share queues; a FIFO queue goes by submission
    fair_share = job.spec.queue.scheduling_policy_arn is not None
    job.rank = (-job.spec.scheduling_priority if fair_share else 0, job.seq, job.index or 0)
    job.unfinished_children = len(job.children)
    if not job.children:
        region.active.setdefault(job.status, {})[job.id] = job
        for resource, _ in job.consumables:  # ListJobsByConsumableResource's index
            region.consumable_jobs.setdefault(resource.name, []).append(job)
    for dep in job.depends_on:
        region.dependents.setdefault(dep.job.id, []).append(job)


def _wake_dependents(region: Region, job: Job) -> None:
    waiting = region.dependents.pop(job.id, None)
    if waiting:
        region.recheck.extend(waiting)
