"""Injected faults on the timeline: a distinct mark on the bar of each job a fault hit (its
kind, time and words in the title), for top-level jobs and array children alike."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, Tabs, unavailable

from pytest_fakebatch import FakeBatch, JobRun
from pytest_fakebatch.report.pages import write_page


@pytest.fixture
def tabs(request: pytest.FixtureRequest) -> Iterator[Tabs]:
    reason = unavailable()
    if reason:
        pytest.skip(f"browser tests need chromium and playwright: {reason}")
    with Browser() as running:
        opened = running.tabs()
        yield opened
        opened.finish(request.node.nodeid)
        assert opened.errors == [], "the page reported JavaScript errors"


def reclaimed_page(
    fake: FakeBatch, batch: Any, queue: str, definition: str, tmp_path: Path
) -> tuple[Path, str, str]:
    @fake.handler(definition="work")
    def work(job: JobRun) -> None:
        job.sleep(60)

    plain = batch.submit_job(jobName="plain", jobQueue=queue, jobDefinition=definition)["jobId"]
    array = batch.submit_job(
        jobName="fan", jobQueue=queue, jobDefinition=definition, arrayProperties={"size": 2}
    )["jobId"]
    fake.faults.reclaim(plain)
    fake.faults.reclaim(f"{array}:1")
    fake.advance(60)
    return write_page(tmp_path, "s", "test_x.py::test_y", "failed", fake), plain, array


def embedded(page: Path) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="fakebatch-data">(.*?)</script>', page.read_text())
    assert found
    return json.loads(found.group(1))


def test_the_page_carries_each_jobs_injected_faults(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, tmp_path: Path
) -> None:
    page, plain, array = reclaimed_page(fake_batch, batch, queue, definition, tmp_path)
    data = embedded(page)
    lanes = {lane["id"]: lane for lane in data["jobs"]}

    (fault,) = lanes[plain]["faults"]
    assert fault["kind"] == "reclaim"
    assert re.fullmatch(r"Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.", fault["detail"])
    kid_faults = [row[16] for row in lanes[array]["kids"]]
    assert kid_faults[0] == []
    assert [data["strings"][kind] for kind, _, _ in kid_faults[1]] == ["reclaim"]


def test_a_reclaimed_job_s_bar_has_a_fault_mark(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str, tmp_path: Path, tabs: Tabs
) -> None:
    page_file, plain, _ = reclaimed_page(fake_batch, batch, queue, definition, tmp_path)
    page = tabs.open(page_file)

    marks = page.locator(f'.bar[data-job-id="{plain}"] .fault[data-fault="reclaim"]')
    assert marks.count() == 1
    title = marks.first.get_attribute("title") or ""
    assert title.startswith("injected reclaim")
    assert "Host EC2 (instance i-" in title
    assert page.locator(".fault").count() == 1  # the array's child is folded away
