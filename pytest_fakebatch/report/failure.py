"""The "fakebatch" section of a failed test's report: the test's jobs at a glance.

A compact table of the jobs a test submitted (an array or a multi-node job folded to one row
with its children's status counts), then the last lines of each FAILED job's log. Capped, so
that 10,000 children never flood the terminal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..inspection.records import JobInfo

MAX_ROWS = 40  # jobs in the table
MAX_LOGS = 5  # FAILED jobs whose log is shown
LOG_LINES = 20  # of each
WIDTH = 60  # of a status reason
_CHILD = re.compile(r"^(?P<parent>.+)[:#]\d+$")


def failure_section(jobs: Sequence[JobInfo]) -> str:
    """The section's text for ``jobs`` (``FakeBatch.jobs()``, oldest first)."""
    if not jobs:
        return "no job was submitted"
    children: dict[str, list[JobInfo]] = {}
    top: list[JobInfo] = []
    for job in jobs:
        match = _CHILD.match(job.id) if job.array_index is not None else None
        if match:
            children.setdefault(match["parent"], []).append(job)
        else:
            top.append(job)
    rows: list[tuple[str, ...]] = [("job id", "name", "status", "exit", "tries", "reason")]
    for job in top[:MAX_ROWS]:
        rows.append(_row(job, children.get(job.id, [])))
    lines = _table(rows)
    if len(top) > MAX_ROWS:
        lines.append(f"... and {len(top) - MAX_ROWS} more jobs")
    failed = [j for j in jobs if j.status == "FAILED" and not children.get(j.id)]
    for job in failed[:MAX_LOGS]:
        lines.append("")
        title = f"{job.name} {job.id} FAILED"
        shown = job.output[-LOG_LINES:]
        skipped = len(job.output) - len(shown)
        lines.append(
            f"--- log of {title}" + (f" (last {len(shown)} of {len(job.output)} lines)" if skipped else "")
        )
        lines.extend(shown or ["(no output)"])
    if len(failed) > MAX_LOGS:
        lines.append(f"... and {len(failed) - MAX_LOGS} more FAILED jobs")
    return "\n".join(lines)


def _row(job: JobInfo, kids: list[JobInfo]) -> tuple[str, str, str, str, str, str]:
    status = job.status
    if kids:
        counts = Counter(k.status for k in kids)
        status += " (" + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ")"
    reason = _short(job.status_reason or "")
    if kids and not reason:
        reasons = Counter(k.status_reason for k in kids if k.status == "FAILED" and k.status_reason)
        if reasons:
            text, n = reasons.most_common(1)[0]
            reason = _short(f"{n}x {text}")
    exit_code = "" if job.exit_code is None else str(job.exit_code)
    return (job.id, job.name, status, exit_code, str(job.attempts) if not kids else "", reason)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
