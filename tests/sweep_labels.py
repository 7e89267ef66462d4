"""What the leftover-sweep tests make: the labels a test run puts on its containers, and pids of
processes that are gone."""

from __future__ import annotations

import subprocess
import sys


def a_dead_pid() -> int:
    """The pid of a process of ours that has ended (reaped: the pid names no process now)."""
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def labels(pid: int | str, host: str, **more: str) -> dict[str, str]:
    """Labels a test run on ``host`` put on its containers; ``more`` overrides by short name."""
    found = {
        "pytest-fakebatch": "1",
        "pytest-fakebatch.session": "an-earlier-run",
        "pytest-fakebatch.pid": str(pid),
        "pytest-fakebatch.host": host,
    }
    found.update({f"pytest-fakebatch.{k.replace('_', '-')}": v for k, v in more.items()})
    return found
