"""The HTML timeline of a test's jobs: the renderer's output, and what headless Chromium shows of it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, Tabs, timings, unavailable

from pytest_fakebatch.report.timeline import LOG_BUDGET, render_index, render_timeline

T0 = 1_767_225_600_000  # 2026-01-01 00:00:00 UTC on the fake's clock
ARRAY_ID = "a17c0ffe-0000-4000-8000-000000000001"
NASTY = "</script><b>x</b> \"quoted\" 'single' & <!-- ünï©ødé \u2028 line"

# --------------------------------------------------------------------------------------------
# data of the report's contract
# --------------------------------------------------------------------------------------------


def lane(
    job_id: str,
    name: str,
    steps: Sequence[tuple[str, float]],
    *,
    kind: str = "job",
    attempts: Sequence[tuple[float, float | None, int | None]] = (),
    deps: Sequence[tuple[str, str | None]] = (),
    log: Sequence[str] = (),
    reason: str | None = None,
    children: list[dict[str, Any]] | None = None,
    start: int = T0,
) -> dict[str, Any]:
    """A lane from its status changes (status, seconds after ``start``); the last one is open."""
    at = [start + round(s * 1000) for _, s in steps]
    segments = [
        {"status": status, "from": at[i], "to": at[i + 1] if i + 1 < len(at) else None}
        for i, (status, _) in enumerate(steps)
    ]
    status = steps[-1][0]
    terminal = status in ("SUCCEEDED", "FAILED")
    tries = [
        {
            "startedAt": start + round(a * 1000),
            "stoppedAt": None if b is None else start + round(b * 1000),
            "exitCode": code,
            "reason": None,
            "statusReason": None if code in (0, None) else "Essential container in task exited",
        }
        for a, b, code in attempts
    ]
    summary: dict[str, int] | None = None
    if children:
        summary = {}
        for child in children:
            summary[child["status"]] = summary.get(child["status"], 0) + 1
    return {
        "id": job_id,
        "name": name,
        "kind": kind,
        "status": status,
        "statusReason": reason,
        "exitCode": tries[-1]["exitCode"] if tries and terminal else None,
        "queue": "nightly",
        "definition": f"{name}:3",
        "createdAt": at[0],
        "stoppedAt": at[-1] if terminal else None,
        "segments": segments,
        "attempts": tries,
        "dependsOn": [{"jobId": j, "type": t} for j, t in deps],
        "log": list(log),
        "logLines": len(log),
        "summary": summary,
        "children": children or [],
    }


def child(parent: str, index: int, offset: float, failed: bool = False, log_lines: int = 3) -> dict[str, Any]:
    run = 4.0 + (index * 7919 % 23) / 10  # a spread of run times
    end = offset + 1.5 + run
    code = 2 if failed else 0
    job = lane(
        f"{parent}:{index}",
        "score-shards",
        [
            ("SUBMITTED", 0),
            ("PENDING", 0),
            ("RUNNABLE", offset),
            ("STARTING", offset + 0.5),
            ("RUNNING", offset + 1.5),
            ("FAILED" if failed else "SUCCEEDED", end),
        ],
        attempts=[(offset + 1.5, end, code)],
        log=[f"shard {index}: scored {index * 31 % 997} rows (line {n})" for n in range(log_lines)]
        + ([f"ValueError: shard {index} has a NaN in column 'score'"] if failed else []),
        reason="Essential container in task exited" if failed else None,
    )
    job["logLines"] = len(job["log"]) + 40  # it printed more than the report keeps
    return job


def pipeline_data() -> dict[str, Any]:
    """A nightly ETL run: a dependency chain, a retried job, an array of 50 with one FAILED
    child, a job that failed its dependency, one that failed on its own and one still running."""
    extract = lane(
        "0e1d7c52-5b0a-4f55-9c55-6f0a2f1c0001",
        "extract-orders",
        [("SUBMITTED", 0), ("RUNNABLE", 0.3), ("STARTING", 1.1), ("RUNNING", 3.0), ("SUCCEEDED", 13.6)],
        attempts=[(3.0, 13.6, 0)],
        log=["connecting to s3://orders/2026-01-01", "read 1,204,332 rows", "wrote extract.parquet"],
    )
    transform = lane(
        "0e1d7c52-5b0a-4f55-9c55-6f0a2f1c0002",
        "transform-orders",
        [
            ("SUBMITTED", 0.4),
            ("PENDING", 0.4),
            ("RUNNABLE", 13.6),
            ("STARTING", 14.2),
            ("RUNNING", 15.5),
            ("RUNNABLE", 22.8),
            ("STARTING", 23.4),
            ("RUNNING", 24.6),
            ("SUCCEEDED", 33.9),
        ],
        attempts=[(15.5, 22.8, 137), (24.6, 33.9, 0)],
        deps=[(extract["id"], None)],
        log=["attempt 2: resuming from checkpoint 3", "joined 1,204,332 rows with customers", "done"],
    )
    transform["attempts"][0]["reason"] = "OutOfMemoryError: Container killed due to memory usage"
    kids = [child(ARRAY_ID, i, 34.2 + (i % 10) * 0.6, failed=(i == 17)) for i in range(50)]
    shards = lane(
        ARRAY_ID,
        "score-shards",
        [("SUBMITTED", 0.8), ("PENDING", 0.8), ("RUNNABLE", 34.2), ("RUNNING", 35.7), ("FAILED", 47.3)],
        kind="array",
        deps=[(transform["id"], None)],
        reason="Array Child Job failed",
        children=kids,
    )
    publish = lane(
        "0e1d7c52-5b0a-4f55-9c55-6f0a2f1c0004",
        "publish-scores",
        [("SUBMITTED", 1.0), ("PENDING", 1.0), ("FAILED", 47.3)],
        deps=[(ARRAY_ID, None)],
        reason="Dependent Job failed",
    )
    report = lane(
        "0e1d7c52-5b0a-4f55-9c55-6f0a2f1c0005",
        "daily-report",
        [("SUBMITTED", 2.0), ("RUNNABLE", 2.2), ("STARTING", 2.9), ("RUNNING", 4.1), ("FAILED", 9.5)],
        attempts=[(4.1, 9.5, 3)],
        log=[
            "rendering report for 2026-01-01",
            "Traceback (most recent call last):",
            '  File "/app/report.py", line 88, in render',
            "KeyError: 'region'",
        ],
        reason="Essential container in task exited",
    )
    vacuum = lane(
        "0e1d7c52-5b0a-4f55-9c55-6f0a2f1c0006",
        "vacuum-warehouse",
        [("SUBMITTED", 40.0), ("RUNNABLE", 40.1), ("STARTING", 41.0), ("RUNNING", 42.5)],
        attempts=[(42.5, None, None)],
        log=["vacuuming 12 tables"],
    )
    return {
        "title": "tests/test_nightly.py::test_orders_pipeline[2026-01-01]",
        "outcome": "failed",
        "start": T0,
        "end": T0 + 55_000,
        "truncated": 0,
        "jobs": [extract, transform, shards, publish, report, vacuum],
    }


def big_array_data(size: int = 10_000, log_lines: int = 3, line: str = "") -> dict[str, Any]:
    """One array of ``size`` children (two FAILED) and a job that waits for it."""
    kids = [
        child(ARRAY_ID, i, (i % 100) * 0.5, failed=i in (17, 9_001), log_lines=log_lines) for i in range(size)
    ]
    if line:
        for kid in kids:
            kid["log"] = [f"{line} {n}" for n in range(log_lines)]
    end = max(k["stoppedAt"] for k in kids)
    shards = lane(
        ARRAY_ID,
        "score-shards",
        [("SUBMITTED", 0), ("PENDING", 0), ("RUNNING", 1.5), ("FAILED", (end - T0) / 1000)],
        kind="array",
        reason="Array Child Job failed",
        children=kids,
    )
    after = lane(
        "b0000000-0000-4000-8000-000000000002",
        "summarise",
        [("SUBMITTED", 0), ("PENDING", 0), ("FAILED", (end - T0) / 1000)],
        deps=[(ARRAY_ID, None)],
    )
    return {
        "title": "tests/test_scale.py::test_ten_thousand",
        "outcome": "passed",
        "start": T0,
        "end": end + 2_000,
        "truncated": 0,
        "jobs": [shards, after],
    }


def entry(title: str, outcome: str, href: str, **counts: int) -> dict[str, Any]:
    """An index entry; counts not given are 0."""
    zero = {"jobs": 0, "children": 0, "failed": 0, "duration_ms": 0}
    return {"title": title, "outcome": outcome, "href": href, **zero, **counts}


def embedded(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="fakebatch-data">(.*?)</script>', page, re.S)
    assert match, "the page embeds its data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


# --------------------------------------------------------------------------------------------
# the renderer, without a browser
# --------------------------------------------------------------------------------------------


def test_text_from_the_data_is_escaped_in_the_markup_and_intact_in_the_json() -> None:
    data = pipeline_data()
    data["title"] = NASTY
    data["jobs"][0]["name"] = NASTY
    data["jobs"][0]["log"] = [NASTY]
    data["jobs"][2]["children"][3]["statusReason"] = NASTY

    page = render_timeline(data)

    assert "<b>x</b>" not in page
    assert page.count("</script>") == 2  # the two script elements' own ends, nothing from the data
    script = page.split('id="fakebatch-data">', 1)[1].split("</script>", 1)[0]
    assert not set(script) & {"<", ">", "&", "\u2028", "\u2029"}  # nothing JavaScript or HTML could misread
    assert "<title>&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27; &amp;" in page
    wire = embedded(page)
    assert wire["title"] == NASTY
    assert wire["jobs"][0]["name"] == NASTY
    assert wire["jobs"][0]["log"] == [NASTY]
    assert NASTY in wire["strings"]  # the child's reason, interned


def test_the_page_is_self_contained() -> None:
    page = render_timeline(pipeline_data()) + render_index([entry("t", "passed", "t.html")])

    for reference in ("http://", "https://", "//cdn", "<link", "@import", " src=", "@font-face"):
        assert reference not in page
    assert re.findall(r"url\((?!#)", page) == []  # only references inside the page (SVG markers)
    assert "<style>" in page
    assert "function decodeChild" in page


def test_children_travel_compactly_and_a_ten_thousand_child_page_stays_small() -> None:
    # the worst case: every child kept the 50 lines the contract allows, 60 characters each
    data = big_array_data(10_000, log_lines=50, line="x" * 56)

    page = render_timeline(data)

    size = len(page.encode())
    assert size < 3_000_000, f"{size:,} bytes"
    wire = embedded(page)
    rows = wire["jobs"][0]["kids"]
    assert len(rows) == 10_000
    assert wire["strings"][rows[17][2]] == "FAILED"
    assert rows[17][12] == [f"{'x' * 56} {n}" for n in range(50)]  # FAILED children keep their logs first
    kept = sum(len(line) + 1 for row in rows for line in row[12])
    assert kept <= LOG_BUDGET
    assert sum(row[14] for row in rows) == 9_998  # the others were cut to fit, and say so


def test_a_small_page_keeps_every_log_line() -> None:
    wire = embedded(render_timeline(pipeline_data()))

    assert wire["jobs"][4]["log"][-1] == "KeyError: 'region'"
    assert wire["jobs"][4]["logCut"] is False
    assert all(row[14] == 0 and len(row[12]) in (3, 4) for row in wire["jobs"][2]["kids"])


def test_the_header_names_the_test_its_counts_and_span() -> None:
    page = render_timeline(pipeline_data())

    assert '<span class="outcome" data-outcome="failed">failed</span>' in page
    assert "<b>6</b> jobs" in page
    assert "<b>50</b> child jobs" in page
    assert "span <b>55 s</b>" in page
    jobs = re.search(r'data-group="jobs">(.*?)</div>', page)
    assert jobs is not None
    assert re.findall(r'data-status="(\w+)"></span>\w+ <b>(\d+)</b>', jobs.group(1)) == [
        ("RUNNING", "1"),
        ("SUCCEEDED", "2"),
        ("FAILED", "3"),
    ]


def test_the_index_lists_failed_tests_first_and_links_file_names_safely() -> None:
    entries = [
        entry("t::ok", "passed", "t-ok.html", jobs=2, duration_ms=1500),
        entry(
            "t::bad[a#b]", "failed", "t-bad[a#b].html", jobs=1, children=10_000, failed=2, duration_ms=61_000
        ),
        entry(NASTY, "error", "javascript:alert(1)"),
    ]

    page = render_index(entries)

    outcomes = re.findall(r'<tr data-outcome="(\w+)"', page)
    assert outcomes == ["failed", "error", "passed"]
    assert 'href="t-bad%5Ba%23b%5D.html"' in page  # '#' is part of the file name, not a fragment
    assert 'href="javascript%3Aalert%281%29"' in page  # a file name, never a script
    assert "<b>x</b>" not in page
    assert ">10,000<" in page
    assert ">1 min 1 s<" in page
    assert ">1.5 s<" in page
    assert "3 tests, 2 failed" in page


# --------------------------------------------------------------------------------------------
# in headless Chromium
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = unavailable()
    if reason:
        pytest.skip(f"browser tests need chromium and playwright: {reason}")
    with Browser() as running:
        yield running


@pytest.fixture
def tabs(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Tabs]:
    opened = browser.tabs()
    yield opened
    opened.finish(request.node.nodeid)
    assert opened.errors == [], "the page reported JavaScript errors"


def write(tmp_path: Path, data: dict[str, Any], name: str = "page.html") -> Path:
    target = tmp_path / name
    target.write_text(render_timeline(data), encoding="utf-8")
    return target


def test_every_job_has_a_lane_whose_segments_follow_its_status_history(tmp_path: Path, tabs: Tabs) -> None:
    data = pipeline_data()
    page = tabs.open(write(tmp_path, data))

    lanes = page.eval_on_selector_all(".lane", "els => els.map(e => e.dataset.jobId)")
    assert lanes == [job["id"] for job in data["jobs"]]  # one lane each, children folded away
    for job in data["jobs"]:
        shown = page.eval_on_selector_all(
            f'.bar[data-job-id="{job["id"]}"] .seg', "els => els.map(e => e.dataset.status)"
        )
        assert shown == [s["status"] for s in job["segments"]]
    colour_of = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#legend .swatch[data-status]')]
            .map(s => [s.dataset.status, getComputedStyle(s).backgroundColor]))"""
    )
    assert len(set(colour_of.values())) == len(colour_of)  # every status its own colour
    painted = page.eval_on_selector_all(
        ".seg", "els => els.map(e => [e.dataset.status, getComputedStyle(e).backgroundColor])"
    )
    assert painted
    assert all(colour == colour_of[status] for status, colour in painted)
    # a bar spans its job's time: the running vacuum job reaches the end of the axis
    bar = page.locator(f'.bar[data-job-id="{data["jobs"][5]["id"]}"]').bounding_box()
    track = page.locator(f'.lane[data-job-id="{data["jobs"][5]["id"]}"] .track').bounding_box()
    assert bar
    assert track
    assert abs(bar["x"] + bar["width"] - (track["x"] + track["width"])) < 2
    assert bar["x"] > track["x"] + track["width"] * 0.7  # it started at 40 of 55 s


def test_a_retried_job_shows_each_attempt(tmp_path: Path, tabs: Tabs) -> None:
    data = pipeline_data()
    page = tabs.open(write(tmp_path, data))
    retried = data["jobs"][1]["id"]

    attempts = page.locator(f'.bar[data-job-id="{retried}"] .attempt')
    assert attempts.count() == 2
    first = page.locator(f'.bar[data-job-id="{retried}"] [data-attempt="1"]').bounding_box()
    second = page.locator(f'.bar[data-job-id="{retried}"] [data-attempt="2"]').bounding_box()
    assert first
    assert second
    assert first["x"] + first["width"] <= second["x"] + 1
    assert "attempt 2" in (
        page.get_attribute(f'.bar[data-job-id="{retried}"] [data-attempt="2"]', "title") or ""
    )
    assert page.locator(f'.lane[data-job-id="{retried}"] .badge').inner_text() == "2 attempts"
    assert page.locator(f'.bar[data-job-id="{data["jobs"][0]["id"]}"] .attempt').count() == 1


def test_dependencies_are_arrows_between_lanes(tmp_path: Path, tabs: Tabs) -> None:
    data = pipeline_data()
    page = tabs.open(write(tmp_path, data))

    arrows = page.eval_on_selector_all(".dep-arrow", "els => els.map(e => [e.dataset.from, e.dataset.to])")
    wanted = [[d["jobId"], job["id"]] for job in data["jobs"] for d in job["dependsOn"]]
    assert sorted(arrows) == sorted(wanted)
    assert len(wanted) == 3
    for source, target in wanted:  # each arrow runs from the dependency's lane to the dependent's
        box = page.locator(f'.dep-arrow[data-from="{source}"][data-to="{target}"]').bounding_box()
        top = page.locator(f'.lane[data-job-id="{source}"]').bounding_box()
        low = page.locator(f'.lane[data-job-id="{target}"]').bounding_box()
        assert box
        assert top
        assert low
        assert top["y"] <= box["y"] <= top["y"] + top["height"]
        assert low["y"] <= box["y"] + box["height"] <= low["y"] + low["height"]


def test_clicking_a_bar_shows_its_job_and_log(tmp_path: Path, tabs: Tabs) -> None:
    data = pipeline_data()
    page = tabs.open(write(tmp_path, data))
    report = data["jobs"][4]
    # a page opens on the first job that failed by itself
    assert page.inner_text("#detail .job-id") == report["id"]

    page.click(f'.bar[data-job-id="{data["jobs"][1]["id"]}"] .seg[data-status="RUNNING"] >> nth=1')

    assert page.inner_text("#detail .job-id") == data["jobs"][1]["id"]
    assert page.inner_text("#detail .log") == "\n".join(data["jobs"][1]["log"])
    assert page.locator("#detail table.attempts tr").count() == 3  # a header and two attempts
    assert "OutOfMemoryError" in page.inner_text("#detail table.attempts")
    assert page.locator(".lane.selected").get_attribute("data-job-id") == data["jobs"][1]["id"]
    assert page.locator(".dep-arrow.hot").count() == 2  # its dependency and its dependent

    page.click(f'.lane[data-job-id="{report["id"]}"] .label')

    detail = page.inner_text("#detail")
    assert page.inner_text("#detail .job-id") == report["id"]
    assert "KeyError: 'region'" in page.inner_text("#detail .log")
    assert "Essential container in task exited" in detail
    assert "nightly" in detail
    assert "daily-report:3" in detail


def test_an_array_is_folded_and_unfolds_its_children(tmp_path: Path, tabs: Tabs) -> None:
    data = pipeline_data()
    page = tabs.open(write(tmp_path, data))
    array = f'.lane[data-job-id="{ARRAY_ID}"]'
    assert page.locator(".lane.child").count() == 0
    assert page.locator(f"{array} .kid-counts").inner_text().split() == ["49", "1"]

    page.click(f"{array} [data-toggle]")

    kids = page.eval_on_selector_all(".lane.child", "els => els.map(e => e.dataset.jobId)")
    assert kids == [k["id"] for k in data["jobs"][2]["children"]]
    page.click(f'.lane[data-job-id="{ARRAY_ID}:17"] .track')
    assert page.inner_text("#detail .job-id") == f"{ARRAY_ID}:17"
    assert "ValueError: shard 17 has a NaN" in page.inner_text("#detail .log")
    assert "the last 4 of 44 lines" in page.inner_text("#detail")
    statuses = page.eval_on_selector_all(
        f'.bar[data-job-id="{ARRAY_ID}:17"] .seg', "els => els.map(e => e.dataset.status)"
    )
    assert statuses == [s["status"] for s in data["jobs"][2]["children"][17]["segments"]]

    page.click(f"{array} [data-toggle]")
    assert page.locator(".lane.child").count() == 0


def test_ten_thousand_children_load_folded_and_unfold_in_chunks(tmp_path: Path, tabs: Tabs) -> None:
    page = tabs.open(write(tmp_path, big_array_data(10_000)))
    took = timings(page)
    assert page.locator(".lane").count() == 2
    assert page.locator(".seg").count() < 20
    assert took["script_ms"] < 1000, took
    toggle = page.locator("[data-toggle]")
    assert toggle.get_attribute("aria-expanded") == "false"

    toggle.click()

    assert page.locator(".lane.child").count() == 200
    more = page.locator(f'[data-more="{ARRAY_ID}"]')
    assert more.inner_text() == "show 200 more (9,800 not shown)"
    more.click()
    assert page.locator(".lane.child").count() == 400
    assert page.locator(".lane.child").last.get_attribute("data-job-id") == f"{ARRAY_ID}:399"

    page.click('[data-filter="FAILED"]')

    failed = page.eval_on_selector_all(".lane.child", "els => els.map(e => e.dataset.jobId)")
    assert failed == [f"{ARRAY_ID}:17", f"{ARRAY_ID}:9001"]
    assert more.is_hidden()
    page.click(f'.lane[data-job-id="{ARRAY_ID}:9001"] .label')
    assert page.inner_text("#detail .job-id") == f"{ARRAY_ID}:9001"
    page.click('[data-filter="all"]')
    assert page.locator(".lane.child").count() == 200

    page.click(f'.lane[data-job-id="{ARRAY_ID}"] .label')  # the array's panel links its FAILED children
    page.click('#detail .failed-children button >> text="[9001]"')

    assert page.locator(".lane.selected").get_attribute("data-job-id") == f"{ARRAY_ID}:9001"
    assert page.get_attribute('[data-filter="FAILED"]', "aria-pressed") == "true"
    assert page.inner_text("#detail .job-id") == f"{ARRAY_ID}:9001"


def test_text_in_the_data_is_shown_as_text(tmp_path: Path, tabs: Tabs) -> None:
    data = pipeline_data()
    data["title"] = NASTY
    job = data["jobs"][4]
    job["name"] = NASTY
    job["statusReason"] = NASTY
    job["log"] = [NASTY, "<img src=x onerror=alert(1)>"]
    page = tabs.open(write(tmp_path, data))

    assert page.locator("img").count() == 0
    assert page.locator("b", has_text=re.compile(r"^x$")).count() == 0
    assert page.inner_text("#title") == NASTY
    assert page.inner_text(f'.lane[data-job-id="{job["id"]}"] .name') == NASTY
    page.click(f'.lane[data-job-id="{job["id"]}"] .label')
    assert page.inner_text("#detail .log") == NASTY + "\n<img src=x onerror=alert(1)>"
    assert page.inner_text("#detail .reason") == NASTY


def test_the_index_links_to_each_page(tmp_path: Path, tabs: Tabs) -> None:
    passed = pipeline_data() | {"title": "tests/test_a.py::test_ok", "outcome": "passed"}
    write(tmp_path, pipeline_data(), "test_nightly[2026#01].html")
    write(tmp_path, passed, "test_a.html")
    index = tmp_path / "index.html"
    index.write_text(
        render_index(
            [
                entry(passed["title"], "passed", "test_a.html", jobs=6, children=50, failed=3),
                entry(pipeline_data()["title"], "failed", "test_nightly[2026#01].html", jobs=6, failed=3),
            ]
        ),
        encoding="utf-8",
    )
    page = tabs.open(index, ready=False)
    assert page.locator("tr.bad .test-link").inner_text() == pipeline_data()["title"]

    page.click("tr.bad .test-link")

    page.wait_for_selector("html[data-ready]", state="attached")
    assert page.inner_text("#title") == pipeline_data()["title"]
    page.go_back()
    page.click('.test-link >> text="tests/test_a.py::test_ok"')
    page.wait_for_selector("html[data-ready]", state="attached")
    assert page.inner_text("#title") == "tests/test_a.py::test_ok"
    assert page.url.endswith("/test_a.html")


def test_screenshots_go_to_the_artifacts_folder(tmp_path: Path, browser: Browser) -> None:
    opened = browser.tabs()
    opened.open(write(tmp_path, pipeline_data()))

    saved = opened.finish("tests/test_timeline.py::test_x[a/b]", artifacts=str(tmp_path / "shots"))

    assert [p.name for p in saved] == ["tests_test_timeline.py_test_x_a_b.png"]
    assert saved[0].read_bytes().startswith(b"\x89PNG")
    assert saved[0].stat().st_size > 10_000
    assert opened.pages == []
    assert opened.errors == []


def test_a_dependency_link_reveals_a_child_deep_in_another_array(tmp_path: Path, tabs: Tabs) -> None:
    first, second = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
    data = big_array_data(500)
    data["jobs"][0]["children"] = [child(first, i, 1.0) for i in range(500)]
    data["jobs"][0]["id"] = first
    kids = [child(second, i, 8.0) for i in range(500)]
    for i, kid in enumerate(kids):
        kid["dependsOn"] = [{"jobId": f"{first}:{i}", "type": "N_TO_N"}]
    data["jobs"][1] = lane(
        second, "second", [("SUBMITTED", 0), ("SUCCEEDED", 20)], kind="array", children=kids
    )
    page = tabs.open(write(tmp_path, data))
    page.click(f'[data-toggle="{second}"]')
    page.click(f'[data-more="{second}"]')
    page.click(f'[data-more="{second}"]')
    page.click(f'.lane[data-job-id="{second}:450"] .label')
    assert page.inner_text("#detail .deps") == "score-shards [450] · N_TO_N"

    page.click("#detail .deps button")

    assert page.locator(f'.children[data-parent-id="{first}"] .lane').count() == 1  # that child alone
    assert page.locator(".lane.selected").get_attribute("data-job-id") == f"{first}:450"
    assert page.inner_text("#detail .job-id") == f"{first}:450"
    assert page.locator(f'.dep-arrow[data-from="{first}:450"][data-to="{second}:450"]').count() == 0
    page.click(f'.lane[data-job-id="{second}:450"] .label')  # a child's arrows show while it is picked
    assert page.locator(f'.dep-arrow[data-from="{first}:450"][data-to="{second}:450"]').count() == 1


# --------------------------------------------------------------------------------------------
# end to end: pages that --fakebatch-report wrote for a real run, in headless Chromium
# --------------------------------------------------------------------------------------------

REAL_RUN = """
import boto3


def test_pipeline(fake_batch):
    batch = boto3.client("batch", region_name="eu-west-1")
    batch.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    batch.register_job_definition(
        jobDefinitionName="d", type="container", containerProperties={"image": "x", "vcpus": 1, "memory": 8}
    )

    @fake_batch.handler(job_name="flaky")
    def flaky(job):
        print(f"attempt {job.attempt}")
        return 0 if job.attempt == 2 else 1

    first = batch.submit_job(jobName="flaky", jobQueue="q", jobDefinition="d", retryStrategy={"attempts": 2})
    fan = batch.submit_job(
        jobName="fan", jobQueue="q", jobDefinition="d", arrayProperties={"size": 10000},
        dependsOn=[{"jobId": first["jobId"]}],
    )
    (job,) = batch.describe_jobs(jobs=[fan["jobId"]])["jobs"]
    assert job["status"] == "SUCCEEDED"
"""


def test_a_real_run_s_page_shows_its_jobs(pytester: pytest.Pytester, tabs: Tabs) -> None:
    pytester.makepyfile(test_real=REAL_RUN)
    pytester.runpytest("--fakebatch-report=out", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    out = pytester.path / "out"

    index = tabs.open(out / "index.html", ready=False)
    index.click("a.test-link")
    page = index
    page.wait_for_selector("html[data-ready]")

    lanes = page.eval_on_selector_all(".lane", "els => els.map(e => [e.dataset.kind, e.dataset.status])")
    assert lanes == [["job", "SUCCEEDED"], ["array", "SUCCEEDED"]]  # the array folded: no child lanes
    flaky = page.get_attribute(".lane[data-kind=job]", "data-job-id")
    assert page.locator(f'.bar[data-job-id="{flaky}"] .attempt').count() == 2
    statuses = page.eval_on_selector_all(
        f'.bar[data-job-id="{flaky}"] .seg', "els => els.map(e => e.dataset.status)"
    )
    assert statuses == [
        "SUBMITTED",
        "RUNNABLE",
        "STARTING",
        "RUNNING",
        "RUNNABLE",
        "STARTING",
        "RUNNING",
        "SUCCEEDED",
    ]
    assert page.locator(f'.dep-arrow[data-from="{flaky}"]').count() == 1

    page.click(f'.bar[data-job-id="{flaky}"]')
    assert page.get_attribute("#detail", "data-job-id") == flaky
    assert "attempt 2" in page.inner_text("#detail .log")

    array = page.get_attribute(".lane[data-kind=array]", "data-job-id")
    page.click(f'[data-toggle="{array}"]')
    children = page.locator(f'.lane.child[data-parent="{array}"]')
    children.first.wait_for()
    assert 0 < children.count() <= 200
