"""The files of ``--fakebatch-report=DIR``: one timeline page per test that used the fake, and
``index.html`` over the pages of one session (xdist workers write pages; the controller, or
the only process, writes the index from each page's sidecar)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fault_marks import mark_faults
from .timeline import render_index, render_timeline
from .timeline_data import timeline_data

if TYPE_CHECKING:
    from ..fake import FakeBatch

INDEX = "index.html"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def page_name(nodeid: str) -> str:
    """A file name for a test's page: readable, unique per node id, safe on every platform."""
    readable = _UNSAFE.sub("_", nodeid).strip("_.")[:120] or "test"
    return f"{readable}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}.html"


def write_page(directory: Path, session: str, nodeid: str, outcome: str, fake: FakeBatch) -> Path:
    """Write the timeline of ``fake``'s jobs for test ``nodeid``, and its sidecar for the index."""
    data = timeline_data(nodeid, outcome, fake.jobs(), fake.events, fake.clock.now_ms())
    mark_faults(data, fake.faults.injected)  # a distinct mark where an injected fault hit a job
    name = page_name(nodeid)
    page = directory / name
    page.write_text(render_timeline(data), encoding="utf-8")
    lanes = data["jobs"]
    entry = {
        "session": session,
        "title": nodeid,
        "outcome": outcome,
        "href": name,
        "jobs": len(lanes) + data["truncated"],
        "children": sum(len(lane["children"]) for lane in lanes),
        "failed": sum(1 for lane in lanes if lane["status"] == "FAILED"),
        "duration_ms": data["end"] - data["start"],
    }
    _sidecar(directory, name).write_text(json.dumps(entry), encoding="utf-8")
    return page


def write_index(directory: Path, session: str) -> tuple[Path, int]:
    """Write ``index.html`` over the pages this session wrote; the index and how many pages."""
    entries: list[dict[str, Any]] = []
    for sidecar in sorted(directory.glob(".*.fakebatch.json")):
        try:
            entry = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(entry, dict) and entry.get("session") == session:
            entries.append(entry)
    entries.sort(key=lambda e: str(e.get("title", "")))
    index = directory / INDEX
    index.write_text(render_index(entries), encoding="utf-8")
    return index, len(entries)


def _sidecar(directory: Path, page: str) -> Path:
    return directory / f".{page}.fakebatch.json"
