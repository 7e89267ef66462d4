"""Which RUNNABLE job gets capacity first: queue priority, fair share, scheduling priority.

Queues that share compute environments are served highest priority first. Within a queue
without a scheduling policy (FIFO), jobs go in submission order. Within a fair-share queue,
the next job comes from the share using least capacity relative to its weight
(``weightFactor``: lower means a larger share), then by schedulingPriority and submission
order inside the share.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable, Iterable

from ..model.jobs import Job
from ..model.region import Region
from ..model.resources import ComputeEnvironment, JobQueue

_within_share = operator.attrgetter("rank")


def offer_capacity(
    region: Region, runnable: Iterable[Job], running: Iterable[Job], try_start: Callable[[Job], bool]
) -> None:
    """Offer capacity to ``runnable`` jobs in AWS's order; ``try_start`` says if one got it.

    Once a job of a queue does not fit, no job of that queue needing as many vCPUs or more
    is offered capacity in this round (smaller ones still may be).
    """
    by_queue: dict[str, list[Job]] = {}
    queues: dict[str, JobQueue] = {}
    for job in runnable:
        by_queue.setdefault(job.spec.queue.name, []).append(job)
        queues[job.spec.queue.name] = job.spec.queue
    for name in sorted(by_queue, key=lambda n: -queues[n].priority):
        queue, jobs = queues[name], by_queue[name]
        offer = _Offer(try_start)
        weights = share_weights(region, queue)
        if weights is None:
            smallest = min(job.vcpus for job in jobs)
            for job in sorted(jobs, key=_within_share):
                offer(job)
                if offer.blocked <= smallest:
                    break
        else:
            _fair_share(queue, jobs, running, weights, offer)


class _Offer:
    """try_start for one queue, remembering the smallest job that did not fit."""

    def __init__(self, try_start: Callable[[Job], bool]) -> None:
        self.try_start = try_start
        self.blocked = float("inf")

    def __call__(self, job: Job) -> bool:
        if job.vcpus >= self.blocked:
            return False
        if self.try_start(job):
            return True
        self.blocked = min(self.blocked, job.vcpus)
        return False


def _fair_share(
    queue: JobQueue,
    jobs: list[Job],
    running: Iterable[Job],
    weights: Callable[[str], float],
    try_start: Callable[[Job], bool],
) -> None:
    usage: dict[str, float] = {}
    for job in running:
        if job.spec.queue is queue and job.spec.share_identifier is not None:
            share = job.spec.share_identifier
            usage[share] = usage.get(share, 0.0) + job.vcpus
    shares: dict[str, deque[Job]] = {}
    for job in sorted(jobs, key=_within_share):
        shares.setdefault(job.spec.share_identifier or "", deque()).append(job)
    while shares:
        share = min(shares, key=lambda s: (usage.get(s, 0.0) * weights(s), _within_share(shares[s][0])))
        job = shares[share].popleft()
        if not shares[share]:
            del shares[share]
        if try_start(job):
            usage[share] = usage.get(share, 0.0) + job.vcpus


def share_weights(region: Region, queue: JobQueue) -> Callable[[str], float] | None:
    """The weightFactor of each share identifier under ``queue``'s fair-share policy (an entry
    ending in '*' weighs every identifier it prefixes; others weigh 1.0); None for a FIFO queue."""
    if queue.scheduling_policy_arn is None:
        return None
    policy = region.scheduling_policies.get(queue.scheduling_policy_arn.rsplit("/", 1)[-1])
    distribution = ((policy.fairshare_policy or {}) if policy else {}).get("shareDistribution", [])

    def weight(share: str) -> float:
        for entry in distribution:
            ident = entry["shareIdentifier"]
            if share == ident or (ident.endswith("*") and share.startswith(ident[:-1])):
                return float(entry.get("weightFactor", 1.0))
        return 1.0

    return weight


def gang(job: Job) -> list[Job]:
    """The jobs whose capacity is taken together: a multi-node job's nodes on its first start,
    as AWS gets the capacity for the whole job before it launches it (the main node first, see
    ``multinode``); otherwise the job alone."""
    parent = job.parent
    if job.is_multinode and parent is not None and not any(n.attempts for n in parent.children):
        return parent.children
    return [job]


def fitting_environment(job: Job, used: dict[str, float], need: float) -> ComputeEnvironment | None:
    """The first ENABLED environment of the job's queue with ``need`` vCPUs free. A DISABLED
    queue takes no new jobs but, as on AWS, still runs those it holds."""
    for _, env in job.spec.queue.compute_environments:
        limit = env.max_vcpus
        if env.state == "ENABLED" and (limit is None or used.get(env.name, 0.0) + need <= limit):
            return env
    return None
