"""The HTML timeline of ``--fakebatch-report`` for one 10,000-child array: render time and page
size (a typical log of 3 lines per child, and the worst case the data contract allows: 50
lines of 60 characters each), and, when chromium and the playwright package are here, the
page's load in headless Chromium and the time to unfold the array's first children.

Everything runs in this process (rendering is pure Python; the browser is its own process).
Load time is the wall time of ``page.goto`` until the timeline script marked the page ready
(``html[data-ready]``), on a fresh page each time, median of several.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import Table, expect, fmt_bytes, fmt_time, log

from pytest_fakebatch.report.timeline import render_timeline

SIZE = 10_000
T0 = 1_767_225_600_000
PARENT = "a17c0ffe-0000-4000-8000-000000000001"


def chromium_flags() -> list[str]:
    """The tests' Chromium flags (tests/browser.py): one list for both."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from browser import CHROMIUM_FLAGS  # type: ignore[import-not-found, unused-ignore]

    return list(CHROMIUM_FLAGS)


def child(index: int, log_lines: int, width: int) -> dict[str, Any]:
    start = T0 + (index % 100) * 500
    run = 4_000 + index * 7919 % 2300
    failed = index in (17, 9_001)
    points = [
        ("SUBMITTED", T0),
        ("PENDING", T0),
        ("RUNNABLE", start),
        ("STARTING", start + 500),
        ("RUNNING", start + 1500),
        ("FAILED" if failed else "SUCCEEDED", start + 1500 + run),
    ]
    line = f"shard {index}: " + "x" * max(width - 12, 0)
    return {
        "id": f"{PARENT}:{index}",
        "name": "score-shards",
        "kind": "job",
        "status": points[-1][0],
        "statusReason": "Essential container in task exited" if failed else None,
        "exitCode": 2 if failed else 0,
        "queue": "nightly",
        "definition": "score:3",
        "createdAt": T0,
        "stoppedAt": points[-1][1],
        "segments": [
            {"status": s, "from": at, "to": points[i + 1][1] if i + 1 < len(points) else None}
            for i, (s, at) in enumerate(points)
        ],
        "attempts": [
            {
                "startedAt": start + 1500,
                "stoppedAt": points[-1][1],
                "exitCode": 2 if failed else 0,
                "reason": None,
                "statusReason": None,
            }
        ],
        "dependsOn": [],
        "log": [f"{line} {n}" for n in range(log_lines)],
        "logLines": log_lines + 40,
        "summary": None,
        "children": [],
    }


def array_data(log_lines: int, width: int) -> dict[str, Any]:
    kids = [child(i, log_lines, width) for i in range(SIZE)]
    end = max(k["stoppedAt"] for k in kids)
    summary: dict[str, int] = {}
    for kid in kids:
        summary[kid["status"]] = summary.get(kid["status"], 0) + 1
    parent = dict(
        kids[0],
        id=PARENT,
        kind="array",
        status="FAILED",
        children=kids,
        summary=summary,
        log=[],
        logLines=0,
        attempts=[],
        stoppedAt=end,
    )
    parent["segments"] = [
        {"status": "SUBMITTED", "from": T0, "to": T0},
        {"status": "PENDING", "from": T0, "to": end},
        {"status": "FAILED", "from": end, "to": None},
    ]
    return {
        "title": "bench::ten_thousand",
        "outcome": "passed",
        "start": T0,
        "end": end + 2000,
        "truncated": 0,
        "jobs": [parent],
    }


def browser_times(page_file: Path, reps: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    loads, scripts, unfolds = [], [], []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=shutil.which("chromium"), args=chromium_flags())
        try:
            for _ in range(reps + 1):  # the first load warms the browser and the file cache
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                started = time.perf_counter()
                page.goto(page_file.as_uri())
                page.wait_for_selector("html[data-ready]", state="attached")
                loads.append(time.perf_counter() - started)
                scripts.append(float(page.get_attribute("html", "data-ready") or "nan") / 1000)
                expect(page.locator(".lane").count() == 1, "the array is folded at load")
                started = time.perf_counter()
                page.click("[data-toggle]")
                page.wait_for_function("document.querySelectorAll('.lane.child').length === 200")
                unfolds.append(time.perf_counter() - started)
                page.close()
        finally:
            browser.close()
    return {
        "load": statistics.median(loads[1:]),
        "script": statistics.median(scripts[1:]),
        "unfold": statistics.median(unfolds[1:]),
    }


def section(table: Table, notes: list[str], quick: bool) -> None:
    reps = 3 if quick else 7
    label = f"timeline page, {SIZE:,}-child array"
    typical, worst = array_data(3, 45), array_data(50, 60)
    renders = []
    for _ in range(reps):
        started = time.perf_counter()
        page = render_timeline(typical)
        renders.append(time.perf_counter() - started)
    expect(page.count(f"{PARENT}:") == 0 and '"kids":[[' in page, "children travel as compact rows")
    table.add(
        f"{label}: render_timeline (median of {reps})",
        statistics.median(renders),
        "—",
        None,
        fmt_time,
        "< 0.5 s",
        lambda ours, _: ours < 0.5,
        ref_text="—",
        ratio=False,
    )
    worst_page = render_timeline(worst)
    for text, html in (("3 log lines a child", page), ("50 log lines of 60 chars a child", worst_page)):
        table.add(
            f"{label}: page size, {text}",
            len(html.encode()),
            "—",
            None,
            fmt_bytes,
            "< 3 MB",
            lambda ours, _: ours < 3_000_000,
            ref_text="—",
            ratio=False,
        )
    missing = None if shutil.which("chromium") else "no chromium"
    if missing is None:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "no playwright package"
    if missing:
        notes.append(f"timeline: browser rows skipped ({missing}).")
        return
    with tempfile.TemporaryDirectory(prefix="fakebatch-timeline-") as tmp:
        page_file = Path(tmp) / "timeline.html"
        page_file.write_text(page, encoding="utf-8")
        log(f"  timeline: loading the page in headless chromium {reps} times")
        found = browser_times(page_file, reps)
    table.add(
        f"{label}: load in headless Chromium, goto to drawn (median of {reps})",
        found["load"],
        "—",
        None,
        fmt_time,
        "< 1 s",
        lambda ours, _: ours < 1.0,
        ref_text="—",
        ratio=False,
    )
    table.add(
        f"{label}: unfold the array (first 200 children drawn)",
        found["unfold"],
        "—",
        None,
        fmt_time,
        "< 0.3 s",
        lambda ours, _: ours < 0.3,
        ref_text="—",
        ratio=False,
    )
    notes.append(
        f"timeline: of the load, the page's own script (parse the data, draw the lanes) took "
        f"{fmt_time(found['script'])} (median); the rest is Chromium reading and laying out the page."
    )
