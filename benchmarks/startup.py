"""Start-up cost: what loading the plugin adds to a pytest run that never uses the fixture.

A generated project whose conftest already imports boto3 (as most users' do) is collected by
``pytest --collect-only`` in fresh processes, alternately with the plugin and with
``-p no:fakebatch``; the median difference is the plugin's cost. A child process also counts
the modules that importing the plugin module adds after boto3.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Table, emit, expect, fmt_count, fmt_time, try_child

CONFTEST = "import boto3  # what a project that tests Batch code imports anyway\n"
TEST = "def test_nothing():\n    pass\n"


def child_modules(args: list[str]) -> None:
    """Modules that importing the plugin module adds once pytest and boto3 are imported."""
    import boto3  # noqa: F401
    import pytest  # noqa: F401

    before = set(sys.modules)
    started = time.perf_counter()
    import pytest_fakebatch.plugin  # noqa: F401

    elapsed = time.perf_counter() - started
    added = sorted(set(sys.modules) - before)
    heavy = [m for m in added if m.split(".")[0] in ("werkzeug", "docker", "botocore", "boto3")]
    expect(not heavy, f"the plugin imported {heavy}")
    emit({"modules": len(added), "import_s": elapsed})


def collect(directory: Path, disabled: bool) -> float:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    if disabled:
        command += ["-p", "no:fakebatch"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    expect(done.returncode == 0 and "1 test collected" in done.stdout, done.stdout + done.stderr)
    return elapsed


def section(table: Table, notes: list[str], quick: bool) -> None:
    reps = 8 if quick else 25
    with tempfile.TemporaryDirectory(prefix="fakebatch-startup-") as tmp:
        directory = Path(tmp)
        (directory / "conftest.py").write_text(CONFTEST)
        (directory / "test_nothing.py").write_text(TEST)
        (directory / "pytest.ini").write_text("[pytest]\n")
        collect(directory, False)  # warm the file system caches for both
        with_plugin, without = [], []
        for _ in range(reps):  # alternate, so that load from elsewhere hits both alike
            with_plugin.append(collect(directory, False))
            without.append(collect(directory, True))
    loaded, bare = statistics.median(with_plugin), statistics.median(without)
    notes.append(
        f"start-up: median {fmt_time(loaded)} with the plugin, {fmt_time(bare)} without; a difference "
        "below zero is noise, shown as 0."
    )
    table.add(
        f"start-up: plugin loaded, fixture unused (collect-only, boto3 in conftest; median of {reps})",
        max(loaded - bare, 0.0),
        "-p no:fakebatch",
        statistics.median(without),
        fmt_time,
        "< 30 ms added",
        lambda ours, _: ours < 0.030,
        ratio=False,
    )
    found, error, _ = try_child("startup", [], timeout=60)
    table.add(
        "start-up: modules the plugin module imports after pytest and boto3",
        None if found is None else found["modules"],
        "—",
        None,
        fmt_count,
        ratio=False,
        ours_text=error,
        ref_text="—",
    )
    notes.append(
        "start-up: the plugin module imports only what pytest glue needs; the fake, botocore's hook "
        "and the model load when a test first uses fake_batch."
    )
