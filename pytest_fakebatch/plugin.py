"""The pytest glue: options, the ``fake_batch`` fixture, the marker and the report header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._fake import FakeBatch


@pytest.fixture
def fake_batch() -> Iterator[FakeBatch]:
    fake = FakeBatch()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
