"""What a test reads of the fake without boto3: the call record and job snapshots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..model.jobs import Job
from ..model.region import Region
from ..model.tasks import attempt_output

RECORDED_BYTES = 4096  # of one request body in FakeBatch.calls
_ENCODER = json.JSONEncoder(default=repr)


@dataclass(frozen=True)
class ApiCall:
    """One request the fake answered: what was asked and whether it failed."""

    service: str  # "batch" or "logs"
    operation: str  # botocore's name, e.g. "SubmitJob"
    region: str
    params: dict[str, Any]
    error: str | None  # the error code answered, None for success


def recorded(body: Any) -> dict[str, Any]:
    """What :attr:`FakeBatch.calls` keeps of a request: the body itself up to
    ``RECORDED_BYTES`` of JSON; of a bigger one, its top-level members that fit in that
    budget and ``"...truncated"`` (the body's size and the members left out)."""
    if not isinstance(body, dict):
        return {}
    text = _ENCODER.encode(body)
    if len(text) <= RECORDED_BYTES:
        return body
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    budget = RECORDED_BYTES - 200
    for key, value in body.items():
        size = len(key) + len(_ENCODER.encode(value)) + 4
        if size <= budget and len(key) <= 128:
            kept[key] = value
            budget -= size
        else:
            dropped.append(key[:128])
    kept["...truncated"] = {"bytes": len(text), "members": dropped[:20]}
    return kept


@dataclass(frozen=True)
class AttemptInfo:
    """One attempt of a job: when it ran and how it ended (None while it runs)."""

    started_at: int
    stopped_at: int | None
    exit_code: int | None
    reason: str | None
    status_reason: str | None


@dataclass(frozen=True)
class JobInfo:
    """A snapshot of one job for assertions, read without going through boto3."""

    id: str
    name: str
    status: str
    status_reason: str | None
    exit_code: int | None
    attempts: int  # finished attempts, as many as DescribeJobs lists in ``attempts``
    array_index: int | None
    array_size: int | None
    queue: str
    definition: str
    region: str
    output: list[str]  # every line the job's attempts logged, in order
    is_cancelled: bool
    is_terminated: bool
    created_at: int = 0  # epoch ms on the fake's clock
    started_at: int | None = None
    stopped_at: int | None = None
    depends_on: tuple[tuple[str, str | None], ...] = ()  # (job id, None | N_TO_N | SEQUENTIAL)
    attempt_history: tuple[AttemptInfo, ...] = ()  # every attempt started, the running one last

    def __repr__(self) -> str:
        """Short enough for an assertion message: no log lines, the reason cut short."""
        where = f"[{self.array_index}]" if self.array_index is not None else ""
        size = f" size={self.array_size}" if self.array_size is not None else ""
        code = f" exit={self.exit_code}" if self.exit_code is not None else ""
        reason = self.status_reason or ""
        if len(reason) > 60:
            reason = reason[:57] + "..."
        said = f" {reason!r}" if reason else ""
        return (
            f"<JobInfo {self.name}{where} {self.id} {self.status}{size}{code} attempts={self.attempts}{said}>"
        )


def progress(regions: list[Region]) -> tuple[int, int, int]:
    """(jobs finished, jobs in all, attempts running) over the leaf jobs of ``regions``:
    array children and nodes count, their parents do not."""
    total = sum(1 for r in regions for j in r.jobs.values() if not j.children)
    unfinished = sum(len(bucket) for r in regions for bucket in r.active.values())
    running = sum(len(r.active.get(status, ())) for r in regions for status in ("STARTING", "RUNNING"))
    return total - unfinished, total, running


def _depends_on(job: Job) -> tuple[tuple[str, str | None], ...]:
    """What ``job`` waits on; an array parent shows what was submitted (its children wait)."""
    if job.children and not job.depends_on:
        return tuple((job_id, kind) for job_id, kind in job.spec.dependencies_sent if job_id is not None)
    return tuple((d.job.id, d.type) for d in job.depends_on)


def job_info(region: Region, job: Job, status: str) -> JobInfo:
    """A job's snapshot; ``status`` is its observed status (counted from an array's
    children), which the caller has already worked out."""
    last = job.attempts[-1] if job.attempts else None
    streams = region.logs.get(job.spec.log_group, {}) if job.attempts else {}
    return JobInfo(
        id=job.id,
        name=job.spec.name,
        status=status,
        status_reason=job.status_reason,
        exit_code=last.exit_code if last else None,
        attempts=sum(a.stopped_at is not None for a in job.attempts),
        array_index=job.index,
        array_size=len(job.children) if job.children else None,
        queue=job.spec.queue.name,
        definition=f"{job.spec.definition.name}:{job.spec.definition.revision}",
        region=region.region,
        output=[
            m
            for a in job.attempts
            for _, m in (
                attempt_output(region.logs, a.containers) if a.containers else streams.get(a.log_stream, ())
            )
        ],
        is_cancelled=job.is_cancelled,
        is_terminated=job.is_terminated,
        created_at=job.created_at,
        started_at=job.started_at,
        stopped_at=job.stopped_at,
        depends_on=_depends_on(job),
        attempt_history=tuple(
            AttemptInfo(a.started_at, a.stopped_at, a.exit_code, a.reason, a.status_reason)
            for a in job.attempts
        ),
    )
