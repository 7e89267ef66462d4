"""What a test's timeline shows, as the plain data :func:`render_timeline` draws: a lane per
top-level job (array children and multi-node nodes under their parent), each status as a
segment on the fake's clock (from its events), each attempt, dependencies and the log's tail.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..events.records import Events
from ..inspection.records import JobInfo

MAX_LANES = 2000  # top-level jobs on one page; the rest are counted, not drawn
LOG_TAIL = 50  # lines of each job's log
_CHILD = re.compile(r"^(?P<parent>.+)(?P<sep>[:#])\d+$")


def timeline_data(
    title: str, outcome: str, jobs: Sequence[JobInfo], events: Events, now_ms: int
) -> dict[str, Any]:
    """The page's data for ``jobs`` (``FakeBatch.jobs()``, oldest first) and their ``events``
    (empty when events are off: segments then come from the jobs' own timestamps)."""
    changes: dict[str, list[tuple[str, int]]] = {}
    for event in events:
        if event.detail_type.endswith("State Change"):
            changes.setdefault(event.job_id, []).append((event.status, event.time_ms))
    children: dict[str, list[JobInfo]] = {}
    top: list[JobInfo] = []
    kinds: dict[str, str] = {}
    for job in jobs:
        match = _CHILD.match(job.id)
        if match and (job.array_index is not None or match["sep"] == "#"):
            children.setdefault(match["parent"], []).append(job)
            kinds[match["parent"]] = "array" if match["sep"] == ":" else "multinode"
        else:
            top.append(job)
    lanes = []
    for job in top[:MAX_LANES]:
        lane = _lane(job, changes, now_ms, kinds.get(job.id, "job"))
        kids = children.get(job.id, [])
        lane["children"] = [_lane(kid, changes, now_ms, "job") for kid in kids]
        if kids:
            lane["summary"] = dict(Counter(kid.status for kid in kids))
        lanes.append(lane)
    start = min((job.created_at for job in jobs), default=now_ms)
    return {
        "title": title,
        "outcome": outcome,
        "start": start,
        "end": max(now_ms, start),
        "truncated": max(0, len(top) - MAX_LANES),
        "jobs": lanes,
    }


def _lane(job: JobInfo, changes: dict[str, list[tuple[str, int]]], now_ms: int, kind: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "name": job.name,
        "kind": kind,
        "status": job.status,
        "statusReason": job.status_reason,
        "exitCode": job.exit_code,
        "queue": job.queue,
        "definition": job.definition,
        "createdAt": job.created_at,
        "stoppedAt": job.stopped_at,
        "segments": _segments(job, changes.get(job.id), now_ms),
        "attempts": [
            {
                "startedAt": a.started_at,
                "stoppedAt": a.stopped_at,
                "exitCode": a.exit_code,
                "reason": a.reason,
                "statusReason": a.status_reason,
            }
            for a in job.attempt_history
        ],
        "dependsOn": [{"jobId": dep, "type": kind_} for dep, kind_ in job.depends_on],
        "log": job.output[-LOG_TAIL:],
        "logLines": len(job.output),
        "summary": None,
        "children": [],
    }


def _segments(job: JobInfo, moves: list[tuple[str, int]] | None, now_ms: int) -> list[dict[str, Any]]:
    """Consecutive statuses from SUBMITTED at createdAt; ``to`` is None for the one it is in."""
    if moves is None:  # no events: what the job's timestamps tell
        moves = [(status, at) for status, at in _from_timestamps(job) if at >= job.created_at]
    points = [("SUBMITTED", job.created_at), *moves]
    segments = []
    for (status, since), following in zip(points, [*points[1:], None], strict=True):
        until = following[1] if following is not None else None
        segments.append({"status": status, "from": since, "to": until})
    if segments and segments[-1]["status"] not in ("SUCCEEDED", "FAILED"):
        segments[-1]["to"] = None  # still in it at the end of the test
    return segments


def _from_timestamps(job: JobInfo) -> list[tuple[str, int]]:
    moves: list[tuple[str, int]] = []
    for attempt in job.attempt_history:
        moves.append(("RUNNING", attempt.started_at))
        if attempt.stopped_at is not None and attempt is not job.attempt_history[-1]:
            moves.append(("RUNNABLE", attempt.stopped_at))
    if job.status in ("SUCCEEDED", "FAILED") and job.stopped_at is not None:
        moves.append((job.status, job.stopped_at))
    elif job.status != "SUBMITTED" and not moves:
        moves.append((job.status, job.created_at))
    return moves
