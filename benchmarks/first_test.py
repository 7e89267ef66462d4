"""The first test of a pytest session: with ``fake_batch``, against the same test answered by
botocore's Stubber (the floor).

Each test file holds one test that creates a Batch client and calls DescribeJobQueues; the
module imports boto3 (as a project that tests Batch code does), so the import is not in the
test. Each variant runs alone in a fresh ``pytest`` process, the two alternating, REPS times;
a conftest writes pytest's own durations of the test (setup + call + teardown) and the test
checks its answer. What the fake's first test pays and the Stubber's does not: loading the
fake's models, the botocore hook and endpoint data on first use. The plugin is loaded in both
runs (as installed), so its start-up is not part of the difference, and its bytecode is
compiled beforehand, as an installed wheel's is (``harness.compile_package``).

The heap is collected once collection is over, before the test: importing boto3 leaves a full
pass of the garbage collector due (about 30 ms on a 2-core machine), which falls in whichever
variant's test happens to allocate enough first (the fake's import did, the Stubber's test did
not), and would fall in a later test of the session otherwise.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from fixture_cost import _plugin_args
from harness import ChildFailed, Table, fmt_time, log

CONFTEST = """
import gc, json, os

_durations = {}


def pytest_collection_finish(session):
    gc.collect()  # the full pass importing boto3 left due: in neither variant's test


def pytest_runtest_logreport(report):
    assert report.passed, report.longreprtext
    _durations[report.when] = report.duration


def pytest_unconfigure(config):
    with open(os.environ["BENCH_FIRST_OUT"], "w") as out:
        json.dump(_durations, out)
"""
TESTS = {
    "fake": (
        "import boto3\n\n\n"
        "def test_first(fake_batch):\n"
        "    batch = boto3.client('batch', region_name='us-east-1')\n"
        "    assert batch.describe_job_queues()['jobQueues'] == []\n"
        "    assert [c.operation for c in fake_batch.calls] == ['DescribeJobQueues']\n"
    ),
    "stubber": (
        "import boto3\nfrom botocore.stub import Stubber\n\n\n"
        "def test_first():\n"
        "    batch = boto3.client('batch', region_name='us-east-1')\n"
        "    with Stubber(batch) as stubber:\n"
        "        stubber.add_response('describe_job_queues', {'jobQueues': []})\n"
        "        assert batch.describe_job_queues()['jobQueues'] == []\n"
        "        stubber.assert_no_pending_responses()\n"
    ),
}
TARGET_S = 0.050  # the fake's first test at most this much longer than the Stubber's


def run_first(directory: Path, variant: str) -> float:
    out = directory / f"first_{variant}.json"
    out.unlink(missing_ok=True)
    env = dict(os.environ, BENCH_FIRST_OUT=str(out))
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args()]
    proc = subprocess.run(
        [*command, f"test_{variant}.py"], cwd=directory, env=env, capture_output=True, text=True, timeout=120
    )
    durations = json.loads(out.read_text()) if out.exists() else {}
    if proc.returncode != 0 or set(durations) != {"setup", "call", "teardown"}:
        last = (proc.stdout.strip().splitlines() or ["no output"])[-1]
        raise ChildFailed(f"pytest ({variant}) exit {proc.returncode}: {last}")
    return float(sum(durations.values()))


def section(table: Table, notes: list[str], quick: bool) -> None:
    reps = 4 if quick else 15
    times: dict[str, list[float]] = {v: [] for v in TESTS}
    error = None
    with tempfile.TemporaryDirectory(prefix="fakebatch-first-") as tmp:
        directory = Path(tmp)
        (directory / "pytest.ini").write_text("[pytest]\naddopts =\n")
        (directory / "conftest.py").write_text(CONFTEST)
        for variant, text in TESTS.items():
            (directory / f"test_{variant}.py").write_text(text)
        log(f"  first test: fake and Stubber, alternating, {reps} fresh pytest processes each")
        try:
            for variant in TESTS:  # warm the file system caches for both
                run_first(directory, variant)
            for _ in range(reps):
                for variant in TESTS:
                    times[variant].append(run_first(directory, variant))
        except (ChildFailed, subprocess.TimeoutExpired) as failure:
            error = str(failure)
    fake = statistics.median(times["fake"]) if error is None else None
    stub = statistics.median(times["stubber"]) if error is None else None
    table.add(
        "First test of a pytest session (client + 1 DescribeJobQueues; setup + call + teardown)",
        fake,
        "Stubber's first test",
        stub,
        fmt_time,
        f"≤ {TARGET_S * 1000:.0f} ms over Stubber's",
        lambda a, b: b is not None and a - b <= TARGET_S,
        ours_text=error,
        key="first_test.stubber",
    )
    if fake is not None and stub is not None:
        notes.append(
            f"first test: median of {reps} fresh pytest processes each, alternating: fake "
            f"{', '.join(fmt_time(t) for t in times['fake'])}; Stubber "
            f"{', '.join(fmt_time(t) for t in times['stubber'])}; the fake's first test costs "
            f"{fmt_time(fake - stub)} more."
        )
