"""The plugin's reporting switches, through pytester: ``--fakebatch-report`` (and its ini key)
writes a timeline per test that used the fake and an index; ``fakebatch_events`` and the
marker turn events off; the live progress line shows on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_fakebatch.report.progress import SHOW_AFTER_S, Progress

JOBS = """
import boto3
import pytest


@pytest.fixture
def batch(fake_batch):
    client = boto3.client("batch", region_name="eu-west-1")
    client.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
    client.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    client.register_job_definition(
        jobDefinitionName="d", type="container", containerProperties={"image": "x", "vcpus": 1, "memory": 8}
    )
    return client


def test_fan_out(batch):
    parent = batch.submit_job(jobName="fan", jobQueue="q", jobDefinition="d", arrayProperties={"size": 3})
    assert batch.describe_jobs(jobs=[parent["jobId"]])["jobs"][0]["status"] == "SUCCEEDED"


def test_broken(batch, fake_batch):
    fake_batch.default_exit_code = 2
    job = batch.submit_job(jobName="broken", jobQueue="q", jobDefinition="d")
    assert batch.describe_jobs(jobs=[job["jobId"]])["jobs"][0]["status"] == "SUCCEEDED"


def test_without_the_fake():
    pass
"""


def sidecars(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(directory.glob(".*.fakebatch.json"))]


def test_report_writes_a_page_per_test_that_used_the_fake_and_an_index(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_jobs=JOBS)

    result = pytester.runpytest("--fakebatch-report=out")

    result.assert_outcomes(passed=2, failed=1)
    out = pytester.path / "out"
    result.stdout.fnmatch_lines([f"fakebatch: timelines of 2 tests in {out / 'index.html'}"])
    entries = {e["title"].split("::")[-1]: e for e in sidecars(out)}
    assert sorted(entries) == ["test_broken", "test_fan_out"]
    assert entries["test_broken"]["outcome"] == "failed"
    assert entries["test_broken"]["failed"] == 1
    assert entries["test_fan_out"]["outcome"] == "passed"
    assert entries["test_fan_out"]["children"] == 3
    index = (out / "index.html").read_text()
    for entry in entries.values():
        assert (out / entry["href"]).is_file()
        assert f'href="{entry["href"]}"' in index
    page = (out / entries["test_broken"]["href"]).read_text()
    assert "test_broken" in page
    assert "http://" not in page
    assert "https://" not in page


def test_the_ini_key_names_a_directory_under_the_rootdir(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfakebatch_report = reports/batch\n")
    pytester.makepyfile(test_jobs=JOBS)
    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, failed=1)
    assert len(sidecars(pytester.path / "reports" / "batch")) == 2


def test_the_index_lists_this_session_s_pages_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_jobs=JOBS)
    pytester.runpytest("--fakebatch-report=out")
    pytester.makepyfile(test_jobs=JOBS.replace("def test_broken", "def test_renamed"))

    pytester.runpytest("--fakebatch-report=out")

    index = (pytester.path / "out" / "index.html").read_text()
    assert "test_renamed" in index
    assert "test_broken" not in index


def test_report_under_xdist_indexes_every_worker_s_pages(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist", reason="needs pytest-xdist (the test extra)")
    pytester.makepyfile(test_jobs=JOBS)

    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "--fakebatch-report=out")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["fakebatch: timelines of 2 tests in *index.html"])


def test_without_the_option_nothing_is_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_jobs=JOBS)
    before = set(pytester.path.iterdir())

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, failed=1)
    assert "timelines" not in result.stdout.str()
    assert {p for p in pytester.path.iterdir() if p.name != "__pycache__"} == before


EVENTS = """
def test_events(fake_batch, batch):
    job = batch.submit_job(jobName="one", jobQueue="q", jobDefinition="d")["jobId"]
    batch.describe_jobs(jobs=[job])
    assert len(fake_batch.events) == {expected}
"""


@pytest.mark.parametrize(
    ("ini", "marker", "expected"),
    [
        ("", "", 4),
        ("fakebatch_events = false", "", 0),
        ("", "@pytest.mark.fakebatch(events=False)", 0),
        ("fakebatch_events = false", "@pytest.mark.fakebatch(events=True)", 4),
    ],
)
def test_events_are_turned_off_by_the_ini_key_or_the_marker(
    pytester: pytest.Pytester, ini: str, marker: str, expected: int
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    body = JOBS.split("def test_fan_out")[0]
    pytester.makepyfile(test_switches=body + "\n" + marker + EVENTS.format(expected=expected))

    pytester.runpytest().assert_outcomes(passed=1)


# -- the live progress line -------------------------------------------------------------------


def test_progress_appears_after_a_few_seconds_of_containers_and_is_wiped() -> None:
    written: list[str] = []
    now = [0.0]
    line = Progress(written.append, now=lambda: now[0])

    line.observe(0, 4, 2)
    now[0] = SHOW_AFTER_S - 0.1
    line.observe(1, 4, 2)
    assert written == []

    now[0] = SHOW_AFTER_S
    line.observe(2, 4, 1)
    assert written == ["\n", "\rfakebatch: 2/4 jobs done, 1 container running (3 s)"]
    now[0] += 0.1
    line.observe(3, 4, 1)  # twice a second at most
    assert len(written) == 2
    now[0] += 1
    line.observe(4, 4, 0)
    assert written[-1].startswith("\rfakebatch: 4/4 jobs done, 0 containers running")

    line.close()
    widest = max(len(text) for text in written[:-1])
    assert written[-1] == "\r" + " " * (widest - 1) + "\r"  # blanks over the widest line shown
    line.close()
    assert written[-1].startswith("\r ")  # nothing more: the line is gone
    assert len(written) == 4


SLOW_CONTAINER = """
import time

import boto3
import pytest


@pytest.mark.fakebatch(images={{"busybox*": "{image}"}})
def test_waits_on_a_container(fake_batch):
    batch = boto3.client("batch", region_name="eu-west-1")
    batch.create_compute_environment(computeEnvironmentName="ce", type="UNMANAGED")
    batch.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{{"order": 1, "computeEnvironment": "ce"}}]
    )
    batch.register_job_definition(
        jobDefinitionName="d", type="container",
        containerProperties={{
            "image": "busybox:latest", "command": ["sleep", "2"], "vcpus": 1, "memory": 64
        }},
    )
    job_id = batch.submit_job(jobName="slow", jobQueue="q", jobDefinition="d")["jobId"]
    deadline = time.monotonic() + 60
    while True:  # a real container runs in real time: poll as production code does
        (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
        if job["status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "SUCCEEDED"
"""


def run_in_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as its output (as a person's shell would)."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(args, cwd=cwd, stdin=secondary, stdout=secondary, stderr=secondary)
    os.close(secondary)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 1.0)
        if ready:
            try:
                data = os.read(primary, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(primary)
    return process.wait(timeout=30), b"".join(chunks).decode(errors="replace")


# the line appears after 3 s of running containers; shortened here so a 2 s container shows it
SHORT_WAIT = """
from pytest_fakebatch.report import progress

progress.SHOW_AFTER_S = 0.5
"""


@pytest.mark.usefixtures("docker_engine")
@pytest.mark.parametrize(("quiet", "shown"), [((), True), (("-q",), False)])
def test_a_terminal_shows_docker_progress_unless_quiet(
    pytester: pytest.Pytester, busybox_image: str, quiet: tuple[str, ...], shown: bool
) -> None:
    pytester.makepyfile(test_slow=textwrap.dedent(SLOW_CONTAINER.format(image=busybox_image)))
    pytester.makeconftest(SHORT_WAIT)

    code, output = run_in_a_terminal(
        [sys.executable, "-m", "pytest", "--fakebatch-docker", "-p", "no:cacheprovider", *quiet],
        pytester.path,
    )

    assert code == 0, output
    assert ("fakebatch: 0/1 jobs done, 1 container running" in output) is shown, output


@pytest.mark.usefixtures("docker_engine")
def test_output_that_is_no_terminal_shows_no_progress(pytester: pytest.Pytester, busybox_image: str) -> None:
    pytester.makepyfile(test_slow=textwrap.dedent(SLOW_CONTAINER.format(image=busybox_image)))
    pytester.makeconftest(SHORT_WAIT)

    result = pytester.runpytest_subprocess("--fakebatch-docker")

    result.assert_outcomes(passed=1)
    assert "jobs done" not in result.stdout.str()
