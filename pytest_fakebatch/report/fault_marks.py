"""Injected faults on a test's timeline: each fault that hit a job (a reclaim, a failed start, a
visibility lag) becomes a mark on that job's bar, at the time it was injected, so an injected
failure is never mistaken for the code's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model.faults import Injected


def mark_faults(data: dict[str, Any], injected: Sequence[Injected]) -> dict[str, Any]:
    """``data`` (:func:`timeline_data`'s) with a ``faults`` list on each lane a fault hit."""
    by_job: dict[str, list[dict[str, Any]]] = {}
    for fault in injected:
        if fault.kind in ("reclaim", "cannot-start", "lag"):
            by_job.setdefault(fault.target, []).append(
                {"kind": fault.kind, "detail": fault.detail, "at": fault.at}
            )
    for lane in data["jobs"]:
        for job in [lane, *lane["children"]]:
            job["faults"] = by_job.get(job["id"], [])
    data["injected"] = len(injected)
    return data
