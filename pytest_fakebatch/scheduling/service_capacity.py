"""Which RUNNABLE service job gets service-environment capacity, and where.

A job holds ``ResourceConfig.InstanceCount`` instances of its ``InstanceType`` while SCHEDULED,
STARTING or RUNNING. A capacity limit in ``NUM_INSTANCES`` counts every instance, one in an
instance type (``ml.m5.large``, in a quota management enabled environment) counts that type's;
a job whose type no limit names waits. Queues are served by priority, jobs within
a queue by schedulingPriority (queues with a scheduling policy) then submission order.

In a quota-management queue (a scheduling policy with ``quotaSharePolicy``) each job belongs
to a quota share. A job within its share's capacity limits starts where the environment has
room, reclaiming capacity other shares hold beyond their own limits (borrowed, or left over
by lowered limits: cross-share preemption) if it must. Beyond its limits, a LEND_AND_BORROW
share borrows the idle capacity of the shares that lend (LEND, LEND_AND_BORROW; RESERVE
shares keep theirs) up to ``borrowLimit`` percent more (-1: no bound); with
``inSharePreemption`` ENABLED a job may preempt lower-priority jobs of its own share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model.region import Region
from ..model.resources import NUM_INSTANCES, ServiceEnvironment
from ..model.service import IN_FLIGHT, QuotaShare, ServiceJob
from .ordering import share_weights
from .service_misconfig import MISCONFIGURATION, stuck_reason

Limits = Sequence[dict[str, Any]]


@dataclass(eq=False)
class Placement:
    environment: ServiceEnvironment
    borrowing: bool
    preempt: list[ServiceJob] = field(default_factory=list)


def place(region: Region, runnable: list[ServiceJob]) -> Iterator[tuple[ServiceJob, Placement]]:
    """Yield each job that gets capacity, in AWS's order; the caller takes the capacity
    (sets the job's environment and status) before the next one is placed.

    Once a job of a queue (of a quota share) does not fit, no job of it needing as many
    instances or more is placed in this round. The first such job, the front of its queue
    (quota share), shows why when it can never fit (``service_misconfig``)."""
    in_flight = [j for j in region.service_active.values() if j.status in IN_FLIGHT]
    blocked: dict[tuple[str, str], int] = {}
    for job in _in_order(region, runnable, in_flight):
        key = (job.queue.name, job.quota_share.arn if job.quota_share else "")
        if job.instances >= blocked.get(key, job.instances + 1):
            continue
        placement = _placement(region, job, in_flight)
        if placement is None:
            if key not in blocked:
                _explain(region, job)
            blocked[key] = job.instances
            continue
        if (job.status_reason or "").startswith(MISCONFIGURATION):
            job.status_reason = None  # it fits after all (its limits were raised)
        yield job, placement
        in_flight[:] = [j for j in in_flight if j not in placement.preempt] + [job]  # _in_order reads it


def _explain(region: Region, job: ServiceJob) -> None:
    """Give the job at the front of its queue the misconfiguration that keeps it waiting."""
    shares = [s for s in region.quota_shares.values() if s.queue is job.queue]
    reason = stuck_reason(job, shares)
    if reason is not None:
        job.status_reason = reason
    elif (job.status_reason or "").startswith(MISCONFIGURATION):
        job.status_reason = None


def _in_order(
    region: Region, runnable: list[ServiceJob], in_flight: list[ServiceJob]
) -> Iterator[ServiceJob]:
    """Queues by priority; within a fair-share queue the next job comes from the share using
    the fewest instances for its weight (``ordering.share_weights``), asked again after each
    placement; otherwise by schedulingPriority (with a scheduling policy) and submission."""
    by_queue: dict[str, list[ServiceJob]] = {}
    for job in sorted(runnable, key=_order):
        by_queue.setdefault(job.queue.name, []).append(job)
    for jobs in by_queue.values():
        queue = jobs[0].queue
        weights = None if jobs[0].quota_share is not None else share_weights(region, queue)
        if weights is None:
            yield from jobs
            continue
        shares: dict[str, list[ServiceJob]] = {}
        for job in jobs:
            shares.setdefault(job.share_identifier or "", []).append(job)
        while shares:
            usage: dict[str, int] = {}
            for held in in_flight:
                if held.queue is queue:
                    usage[held.share_identifier or ""] = (
                        usage.get(held.share_identifier or "", 0) + held.instances
                    )
            share = min(shares, key=lambda s: (usage.get(s, 0) * weights(s), _order(shares[s][0])))
            yield shares[share].pop(0)
            if not shares[share]:
                del shares[share]


def _order(job: ServiceJob) -> tuple[int, str, int, int]:
    priority = job.scheduling_priority if job.queue.scheduling_policy_arn else 0
    return (-job.queue.priority, job.queue.name, -priority, job.seq)


def _placement(region: Region, job: ServiceJob, in_flight: list[ServiceJob]) -> Placement | None:
    share = job.quota_share  # a DISABLED share takes no new jobs, but those it holds still run
    for _, env in job.queue.service_environments:
        if env.state != "ENABLED":
            continue
        on_env = [j for j in in_flight if j.environment is env]
        if share is None:
            if _room(env.capacity_limits, on_env, job):
                return Placement(env, borrowing=False)
            continue
        found = _share_placement(region, share, env, job, on_env, in_flight)
        if found is not None:
            return found
    return None


def _share_placement(
    region: Region,
    share: QuotaShare,
    env: ServiceEnvironment,
    job: ServiceJob,
    on_env: list[ServiceJob],
    in_flight: list[ServiceJob],
) -> Placement | None:
    mine = [j for j in in_flight if j.quota_share is share]
    if _within(share.capacity_limits, mine, job, 1.0):
        if _room(env.capacity_limits, on_env, job):
            return Placement(env, borrowing=False)
        # stopping a job of another instance type makes no room for this one
        lent = [j for j in _beyond_quota(on_env, share) if j.instance_type == job.instance_type]
        victims = _reclaim(lent, lambda gone: _room(env.capacity_limits, _without(on_env, gone), job))
        return None if victims is None else Placement(env, borrowing=False, preempt=victims)
    if share.preemption.get("inSharePreemption") == "ENABLED":
        lower = sorted(
            (
                j
                for j in mine
                if j.environment is env
                and j.instance_type == job.instance_type
                and j.scheduling_priority < job.scheduling_priority
            ),
            key=lambda j: (j.scheduling_priority, -j.seq),
        )
        victims = _reclaim(
            lower,
            lambda gone: (
                _within(share.capacity_limits, _without(mine, gone), job, 1.0)
                and _room(env.capacity_limits, _without(on_env, gone), job)
            ),
        )
        if victims is not None:
            return Placement(env, borrowing=False, preempt=victims)
    if share.strategy != "LEND_AND_BORROW":
        return None
    borrow_limit = share.sharing.get("borrowLimit", -1)
    factor = float("inf") if borrow_limit in (None, -1) else 1 + borrow_limit / 100
    if not _within(share.capacity_limits, mine, job, factor):
        return None
    shares = [s for s in region.quota_shares.values() if s.queue is job.queue]
    if _lendable(shares, in_flight, job) and _room(env.capacity_limits, on_env, job):
        return Placement(env, borrowing=True)
    return None


def _beyond_quota(on_env: list[ServiceJob], share: QuotaShare) -> list[ServiceJob]:
    """Jobs of the other quota shares holding capacity beyond their share's capacity limits as
    they are now, newest first: what they borrowed, or what limits lowered since leave over
    (AWS: "Administrators lowering a quota share's capacity limits can also make SCHEDULED,
    STARTING, or RUNNING jobs within that quota share eligible for preemption"). A share's
    oldest jobs keep its quota."""
    beyond: list[ServiceJob] = []
    kept: dict[QuotaShare, list[ServiceJob]] = {}
    for job in sorted(on_env, key=lambda j: j.seq):
        other = job.quota_share
        if other is None or other is share:
            continue
        held = kept.setdefault(other, [])
        if _within(other.capacity_limits, held, job, 1.0):
            held.append(job)
        else:
            beyond.append(job)
    return beyond[::-1]


def _usage(jobs: Sequence[ServiceJob], unit: str) -> int:
    return sum(j.usage(unit) for j in jobs)


def _without(jobs: list[ServiceJob], gone: list[ServiceJob]) -> list[ServiceJob]:
    return [j for j in jobs if j not in gone]


def _room(
    limits: Limits, jobs: Sequence[ServiceJob], job: ServiceJob, reserved: dict[str, int] | None = None
) -> bool:
    """Whether ``job`` fits under every limit that counts it beside ``jobs`` (and capacity held
    back); a limit of another instance type, even one lowered below what its jobs hold, is not
    the job's (AWS: "only ml.m5.large instances count against this limit"). A quota management
    enabled environment with no limit in the job's instance type has no room for it (AWS: such
    jobs "wait until a matching capacity limit is configured")."""
    if not any(job.usage(limit.get("capacityUnit", NUM_INSTANCES)) for limit in limits):
        return False
    for limit in limits:
        unit, most = limit.get("capacityUnit", NUM_INSTANCES), limit.get("maxCapacity")
        if not job.usage(unit):
            continue
        held = (reserved or {}).get(unit, 0)
        if most is not None and _usage(jobs, unit) + held + job.usage(unit) > most:
            return False
    return True


def _within(limits: Limits, jobs: Sequence[ServiceJob], job: ServiceJob, factor: float) -> bool:
    """Whether ``job`` stays within a quota share's limits (times ``factor`` when borrowing);
    a share with no limit for the job's instance type has no quota for it."""
    applicable = [lim for lim in limits if job.usage(lim["capacityUnit"]) > 0]
    if not applicable:
        return factor == float("inf")
    return all(
        _usage(jobs, lim["capacityUnit"]) + job.usage(lim["capacityUnit"]) <= lim["maxCapacity"] * factor
        for lim in applicable
    )


def _lendable(shares: list[QuotaShare], in_flight: list[ServiceJob], job: ServiceJob) -> bool:
    """Whether the idle capacity quota shares lend (LEND and LEND_AND_BORROW; a RESERVE share
    keeps its own) can take ``job``'s instances, beside what the shares use within their limits
    and what is borrowed already. Capacity no share is given is nobody's to lend."""
    unit = job.instance_type
    pool = used = borrowed = 0
    for share in shares:
        most = sum(lim["maxCapacity"] for lim in share.capacity_limits if lim["capacityUnit"] == unit)
        usage = sum(j.instances for j in in_flight if j.quota_share is share and j.instance_type == unit)
        borrowed += max(0, usage - most)
        if share.strategy != "RESERVE":
            pool += most
            used += min(usage, most)
    return used + borrowed + job.instances <= pool


def _reclaim(
    candidates: list[ServiceJob], fits: Callable[[list[ServiceJob]], bool]
) -> list[ServiceJob] | None:
    """The fewest of ``candidates`` (taken in order) whose preemption makes ``fits`` true; None
    when even all of them do not."""
    victims: list[ServiceJob] = []
    for candidate in candidates:
        victims.append(candidate)
        if fits(victims):
            return victims
    return None
