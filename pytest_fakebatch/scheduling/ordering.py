"""Which RUNNABLE job gets capacity first: queue priority, fair share, scheduling priority.

Queues that share compute environments are served highest priority first. Within a queue
without a scheduling policy (FIFO), jobs go in submission order. Within a fair-share queue,
the next job comes from the share using least capacity relative to its weight
(``weightFactor``: lower means a larger share), then by schedulingPriority and submission
order inside the share.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence

from ..model.jobs import Job
from ..model.region import Region
from ..model.resources import ComputeEnvironment, JobQueue
from ..model.waiting import Line

_within_share = operator.attrgetter("rank")


def offer_capacity(region: Region, running: Iterable[Job], try_start: Callable[[Job], bool]) -> None:
    """Offer capacity to the region's RUNNABLE jobs in AWS's order (leaving out those that
    became RUNNABLE in this round, and multi-node nodes that already hold theirs); ``try_start``
    says if one got it.

    Once a job of a queue does not fit, no job of that queue needing as many vCPUs or more
    is offered capacity in this round (smaller ones still may be): the offer stops there once
    no smaller job waits, so a round costs what it starts, not what waits.
    """
    waiting = region.waiting
    for lines in sorted(waiting.by_queue().values(), key=_queue_order):
        offer = _Offer(try_start, min(line.smallest() for line in lines))
        for job in _in_order(region, lines, waiting.round, running, offer.done):
            offer(job)
            if offer.done():
                break


def queue_order(region: Region, queue: JobQueue, running: Iterable[Job], limit: int) -> list[Job]:
    """The first ``limit`` RUNNABLE jobs of ``queue`` in the order it would offer them capacity
    (GetJobQueueSnapshot's frontOfQueue), were none to start."""
    lines = region.waiting.by_queue().get(queue.arn, [])
    order: list[Job] = []
    for job in _in_order(region, lines, region.waiting.round + 1, running, None):
        order.append(job)
        if len(order) == limit:
            break
    return order


def _in_order(
    region: Region,
    lines: list[Line],
    before_round: int,
    running: Iterable[Job],
    done: Callable[[], bool] | None,
) -> Iterator[Job]:
    """The jobs of one queue's ``lines`` in the order capacity goes to them, while the caller
    offers it each (a fair share's usage grows with each job it starts), until ``done()``.
    Without ``done`` (a snapshot: nothing starts), multi-node nodes holding capacity are shown
    too; offering capacity, they are left out."""
    if not lines:
        return
    queue = lines[0].queue
    weights = share_weights(region, queue)
    if weights is None:
        for job in lines[0].jobs(before_round):
            if done is None or job.running is None:
                yield job
        return
    usage: dict[str, float] = {}
    for job in running:
        if job.spec.queue is queue and job.spec.share_identifier is not None:
            share = job.spec.share_identifier
            usage[share] = usage.get(share, 0.0) + job.vcpus
    shares: dict[str, tuple[Job, Iterator[Job]]] = {}
    for line in lines:
        jobs = (job for job in line.jobs(before_round) if done is None or job.running is None)
        first = next(jobs, None)
        if first is not None:
            shares[line.share] = (first, jobs)
    while shares and not (done is not None and done()):
        # the share using least capacity for its weight goes next (rank breaks ties)
        share = min(shares, key=lambda s: (usage.get(s, 0.0) * weights(s), _within_share(shares[s][0])))
        job, rest = shares[share]
        following = next(rest, None)
        if following is None:
            del shares[share]
        else:
            shares[share] = (following, rest)
        yield job
        if done is not None and job.running is not None:  # it got capacity: its share uses more
            usage[share] = usage.get(share, 0.0) + job.vcpus


def _queue_order(lines: list[Line]) -> tuple[int, tuple[int, int]]:
    """Queues sharing capacity: highest priority first; at equal priority, the queue whose
    first waiting job was submitted first."""
    heads = [job for line in lines if (job := line.head()) is not None]
    first = min(((job.seq, job.index or 0) for job in heads), default=(0, 0))
    return (-lines[0].queue.priority, first)


class _Offer:
    """try_start for one queue, remembering the smallest job that did not fit."""

    def __init__(self, try_start: Callable[[Job], bool], smallest: float) -> None:
        self.try_start = try_start
        self.blocked = float("inf")
        self.smallest = smallest  # the fewest vCPUs a job of the queue needs

    def done(self) -> bool:
        """Whether no job of the queue can get capacity any more in this round."""
        return self.blocked <= self.smallest

    def __call__(self, job: Job) -> bool:
        if job.vcpus >= self.blocked:
            return False
        if self.try_start(job):
            return True
        self.blocked = min(self.blocked, job.vcpus)
        return False


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


def gang(job: Job) -> Sequence[Job]:
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
