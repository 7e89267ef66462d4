"""Numbers written as text in requests (revisions, epoch times, tokens, resource amounts).

Python's ``int()`` and ``float()`` accept far more than AWS does: other scripts' digits
("²", "٣"), underscores, white space, ``nan``, and digit strings so long that the conversion
itself fails. Every such conversion of request text goes through here: ASCII digits only,
length-capped, so that it cannot raise.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?", re.ASCII)


def whole_number(text: str, max_digits: int) -> int | None:
    """``text`` as a whole number >= 0 if it is 1 to ``max_digits`` ASCII digits, else None."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def decimal_amount(text: object) -> float | None:
    """A decimal such as ``"0.25"`` or ``"2048"`` (up to 9 digits, 6 decimals) above 0, else None."""
    if not isinstance(text, str) or _DECIMAL.fullmatch(text) is None:
        return None
    amount = float(text)
    return amount if amount > 0 else None
