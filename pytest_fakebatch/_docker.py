"""The Docker executor (``--fakebatch-docker``). Not built yet: fails clearly."""

from __future__ import annotations

from typing import Any

import pytest


def check_engine() -> None:
    raise pytest.UsageError(
        "--fakebatch-docker: the Docker executor is not implemented in this version of "
        "pytest-fakebatch yet; run without --fakebatch-docker to use the in-process executor"
    )


def sweep_leftovers() -> None:
    check_engine()


class DockerExecutor:
    def __init__(self, **_: Any) -> None:
        check_engine()
