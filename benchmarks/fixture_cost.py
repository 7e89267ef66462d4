"""Fixture cost: what the ``fake_batch`` fixture adds to a test, against moto's ``mock_aws``.

Generated test files run by ``pytest`` in subprocesses; a conftest times the run-test loop:
(loop time with the fixture - loop time of empty tests) / tests.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import ChildFailed, Table, fmt_time, log

CONFTEST = """
import json, os, time
import pytest

_loop = {}
_phases = {"setup": 0.0, "call": 0.0, "teardown": 0.0}
_outcomes = {"passed": 0, "failed": 0, "skipped": 0}
_per_test = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    start, cpu_start = time.perf_counter(), time.process_time()
    yield
    _loop["s"] = time.perf_counter() - start
    _loop["cpu"] = time.process_time() - cpu_start


def pytest_runtest_logreport(report):
    _phases[report.when] += report.duration
    _per_test[report.nodeid] = _per_test.get(report.nodeid, 0.0) + report.duration
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.outcome] += 1


def pytest_unconfigure(config):
    with open(os.environ["BENCH_FIXTURE_OUT"], "w") as out:
        json.dump(
            {
                "loop_s": _loop.get("s"),
                "loop_cpu_s": _loop.get("cpu"),
                "phases": _phases,
                "outcomes": _outcomes,
                "per_test": list(_per_test.values()),
            },
            out,
        )
"""

FIXTURE_FILES = {
    "empty": (
        "",
        "def test_{i}():\n    pass\n",
    ),
    "fake": (
        "import boto3\n\nclient = boto3.client('batch', region_name='us-east-1')\n",
        "def test_{i}(fake_batch):\n"
        "    assert client.describe_job_queues()['jobQueues'] == []\n"
        "    assert fake_batch.calls[-1].operation == 'DescribeJobQueues'\n",
    ),
    "moto": (
        "import boto3\nimport pytest\nfrom moto import mock_aws\n\n"
        "client = boto3.client('batch', region_name='us-east-1')\n\n\n"
        "@pytest.fixture\ndef moto_batch():\n    with mock_aws():\n        yield\n",
        "def test_{i}(moto_batch):\n    assert client.describe_job_queues()['jobQueues'] == []\n",
    ),
}


def _plugin_args() -> list[str]:
    """How pytest gets the plugin: its entry point as installed, else ``-p pytest_fakebatch``."""
    from importlib.metadata import entry_points

    if any(e.value.split(".")[0].startswith("pytest_fakebatch") for e in entry_points(group="pytest11")):
        return []  # loaded as users get it, in every variant alike (fixture used or not)
    return ["-p", "pytest_fakebatch"]


def run_pytest(directory: Path, variant: str, tests: int) -> dict[str, Any]:
    out = directory / f"result_{variant}.json"
    env = dict(os.environ, BENCH_FIXTURE_OUT=str(out))
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args()]
    command.append(f"test_{variant}.py")
    proc = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=300)
    result: dict[str, Any] | None = json.loads(out.read_text()) if out.exists() else None
    if proc.returncode != 0 or result is None or result["outcomes"]["passed"] != tests:
        log("\n".join(proc.stdout.splitlines()[-25:] + proc.stderr.splitlines()[-10:]))
        last = (proc.stdout.strip().splitlines() or ["no output"])[-1]
        raise ChildFailed(f"pytest ({variant} tests) exit {proc.returncode}: {last}")
    return result


def bench_fixture(tests: int, reps: int) -> dict[str, Any]:
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in FIXTURE_FILES}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="fakebatch-bench-") as tmp:
        directory = Path(tmp)
        (directory / "pytest.ini").write_text("[pytest]\naddopts =\n")
        (directory / "conftest.py").write_text(CONFTEST)
        for variant, (head, body) in FIXTURE_FILES.items():
            tests_text = "\n\n".join(body.format(i=i) for i in range(tests))
            (directory / f"test_{variant}.py").write_text(f"{head}\n\n{tests_text}")
        for rep in range(reps):
            for variant in FIXTURE_FILES:  # interleaved, so drift hits every variant alike
                if variant in errors:
                    continue
                log(f"  fixture: {variant} run {rep + 1}/{reps} ({tests} tests)")
                try:
                    results[variant].append(run_pytest(directory, variant, tests))
                except (ChildFailed, subprocess.TimeoutExpired) as failure:
                    errors[variant] = str(failure)
    if "empty" in errors:
        raise ChildFailed(errors["empty"])
    empty = statistics.median(r["loop_s"] for r in results["empty"])
    empty_cpu = statistics.median(r["loop_cpu_s"] for r in results["empty"])
    summary: dict[str, Any] = {"empty_loop_s": empty, "tests": tests, "reps": reps}
    for variant in ("fake", "moto"):
        if variant in errors:
            summary[variant] = {"error": errors[variant]}
            continue
        loop = statistics.median(r["loop_s"] for r in results[variant])
        phases = {
            k: statistics.median(r["phases"][k] for r in results[variant]) / tests
            for k in ("setup", "call", "teardown")
        }
        summary[variant] = {
            "per_test_s": (loop - empty) / tests,
            "per_test_cpu_s": (statistics.median(r["loop_cpu_s"] for r in results[variant]) - empty_cpu)
            / tests,
            "loop_s": loop,
            "phases_per_test_s": phases,
            "median_test_s": statistics.median(t for r in results[variant] for t in r["per_test"]),
            "first_test_s": statistics.median(r["per_test"][0] for r in results[variant]),
        }
    return summary


def section(table: Table, notes: list[str], quick: bool) -> None:
    tests, reps = (50, 1) if quick else (200, 3)
    try:
        summary = bench_fixture(tests, reps)
    except ChildFailed as failure:
        table.add(
            "fixture: setup + 1 call + teardown, per test",
            None,
            "moto",
            None,
            fmt_time,
            "< 5 ms",
            lambda a, b: False,
            ours_text=f"failed: {failure}",
        )
        return
    fake, moto = summary["fake"], summary["moto"]
    moto_s = moto.get("per_test_s")
    table.add(
        f"fixture: setup + 1 call + teardown, per test ({tests} tests via pytest)",
        fake.get("per_test_s"),
        "moto mock_aws",
        moto_s,
        fmt_time,
        "< 5 ms",
        lambda a, b: a < 5e-3,
        ours_text=None if "per_test_s" in fake else fake["error"],
        ref_text=None if moto_s is not None else f"moto {moto['error']}",
        key="fixture.moto",
    )
    for name, data in (("fake", fake), ("moto", moto)):
        if "phases_per_test_s" in data:
            p = data["phases_per_test_s"]
            notes.append(
                f"fixture ({name}): pytest's own phase durations per test: setup {fmt_time(p['setup'])}, "
                f"call {fmt_time(p['call'])}, teardown {fmt_time(p['teardown'])}; median test "
                f"{fmt_time(data['median_test_s'])}, first test {fmt_time(data['first_test_s'])} "
                f"(the module-level client's first call); by CPU time {fmt_time(data['per_test_cpu_s'])} "
                "per test; run-test loop "
                f"{data['loop_s']:.3f} s vs {summary['empty_loop_s']:.3f} s for {tests} empty tests "
                f"(median of {reps})."
            )
