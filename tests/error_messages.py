"""Expected error messages, written out whole: ``pytest.raises(..., match=message("..."))``
matches the fake's message exactly (after botocore's "An error occurred (...) when calling the
X operation: " prefix), not a word that another message may also hold."""

from __future__ import annotations

import re


def message(text: str) -> str:
    """A ``match=`` pattern for an error whose message is exactly ``text``."""
    return f"operation: {re.escape(text)}$"
