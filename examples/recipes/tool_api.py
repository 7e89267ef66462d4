"""Imports of a tool's API that say which tool and version broke, not just `ImportError`.

A recipe imports what it uses from its tool inside ``tool_api(...)``::

    with tool_api("luigi", "luigi.contrib.batch.BatchTask", written_for="3"):
        from luigi.contrib.batch import BatchTask

When a new release moves or renames it, the failure reads
``luigi 4.0.0: luigi.contrib.batch.BatchTask moved or was renamed (this recipe was written for
luigi 3.x): No module named 'luigi.contrib.batch'``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version


def installed(distribution: str) -> str:
    """The installed version of a distribution, or "not installed"."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


@contextmanager
def tool_api(distribution: str, what: str, *, written_for: str) -> Iterator[None]:
    """Turn an ImportError or AttributeError inside into one naming the tool and its version."""
    try:
        yield
    except (ImportError, AttributeError) as error:
        raise ImportError(
            f"{distribution} {installed(distribution)}: {what} moved or was renamed "
            f"(this recipe was written for {distribution} {written_for}.x): {error}"
        ) from error
