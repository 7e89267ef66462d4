"""The RUNNABLE jobs of a region, kept in the order capacity is offered to them.

One :class:`Line` per job queue and share identifier (a FIFO queue has one line), sorted by the
jobs' ``rank``. The scheduler offers capacity from the front of each line and stops at the first
job that cannot fit, so a round costs what it starts, however many jobs wait behind.

A job leaving RUNNABLE is not searched for: its entry goes stale (its token leaves the line's
live ones) and is dropped when the front of the line passes it, or when stale
entries outnumber the live ones.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from .jobs import Job
from .resources import JobQueue

# (rank, token, round it became RUNNABLE in): ranks tie only within one job, tokens never. Plain
# values only, so the garbage collector need not walk an entry for each of 100,000 waiting jobs
Entry = tuple[tuple[int, int, int], int, int]


@dataclass(eq=False)
class Line:
    """The RUNNABLE jobs of one queue and share, by rank; stale entries among them."""

    queue: JobQueue
    share: str
    entries: list[Entry] = field(default_factory=list)
    start: int = 0  # entries before it are all stale
    live: dict[int, Job] = field(default_factory=dict)  # token -> the job, while it waits here
    sizes: dict[float, int] = field(default_factory=dict)  # vCPUs -> live jobs needing as many

    def add(self, entry: Entry, job: Job) -> None:
        bisect.insort(self.entries, entry, lo=self.start)
        self.live[entry[1]] = job
        vcpus = job.vcpus
        self.sizes[vcpus] = self.sizes.get(vcpus, 0) + 1

    def drop(self, job: Job, token: int) -> None:
        del self.live[token]
        vcpus = job.vcpus
        left = self.sizes[vcpus] - 1
        if left:
            self.sizes[vcpus] = left
        else:
            del self.sizes[vcpus]

    def smallest(self) -> float:
        """The fewest vCPUs a job of this line needs (inf for an empty line)."""
        return min(self.sizes, default=float("inf"))

    def jobs(self, before_round: int) -> Iterator[Job]:
        """The live jobs in order, leaving out those that became RUNNABLE in round
        ``before_round`` or later. Stale entries are dropped first where they outnumber the
        live ones (so the line stays within about twice its jobs), and the stale front is
        passed (:meth:`head`)."""
        self._compact()
        self.head()
        entries, live = self.entries, self.live
        i = self.start
        while i < len(entries):
            _, token, since = entries[i]
            i += 1
            job = live.get(token)
            if job is not None and since < before_round:
                yield job

    def _compact(self) -> None:
        stale = len(self.entries) - self.start - len(self.live)
        if stale > len(self.live) + 64:
            self.entries = [e for e in self.entries[self.start :] if e[1] in self.live]
            self.start = 0
        elif self.start > 64 and self.start * 2 > len(self.entries):
            del self.entries[: self.start]
            self.start = 0

    def head(self) -> Job | None:
        """The first live job, if any; the stale front is passed for good (never walked twice)."""
        entries, live = self.entries, self.live
        for i in range(self.start, len(entries)):
            job = live.get(entries[i][1])
            if job is not None:
                self.start = i
                return job
        self.start = len(entries)
        return None


@dataclass(eq=False)
class Waiting:
    """Every RUNNABLE leaf job of a region, by queue and share; and the multi-node nodes among
    them (they may hold capacity while RUNNABLE)."""

    lines: dict[tuple[str, str], Line] = field(default_factory=dict)
    multinode: dict[str, Job] = field(default_factory=dict)
    round: int = 0  # the scheduler's round: jobs that became RUNNABLE in it wait for the next
    _tokens: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, job: Job) -> None:
        key = _line_of(job)
        line = self.lines.get(key)
        if line is None or line.queue is not job.spec.queue:  # a queue made again, same name
            line = self.lines[key] = Line(job.spec.queue, key[1])
        job.waiting_token = next(self._tokens)
        line.add((job.rank, job.waiting_token, self.round), job)
        if job.is_multinode:
            self.multinode[job.id] = job

    def remove(self, job: Job) -> None:
        token = job.waiting_token
        if not token:
            return
        job.waiting_token = 0
        key = _line_of(job)
        line = self.lines.get(key)
        if line is not None and token in line.live:  # else its line went with its queue
            line.drop(job, token)
            if not line.live:
                del self.lines[key]
        self.multinode.pop(job.id, None)

    def by_queue(self) -> dict[str, list[Line]]:
        """The lines of each queue that has RUNNABLE jobs, by queue ARN."""
        queues: dict[str, list[Line]] = {}
        for (arn, _), line in self.lines.items():
            queues.setdefault(arn, []).append(line)
        return queues


def _line_of(job: Job) -> tuple[str, str]:
    """The line a job waits in: its queue's, and in a fair-share queue its share's."""
    queue = job.spec.queue
    share = (job.spec.share_identifier or "") if queue.scheduling_policy_arn is not None else ""
    return (queue.arn, share)
