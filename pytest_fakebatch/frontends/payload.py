"""A request body read as JSON, within bounds: both front ends read bodies only through here.

``json.loads`` recurses once per nesting level, so a body nested a thousand deep raises
RecursionError, and a body of any size is read whole. AWS's request documents are small and
shallow, so a body over ``MAX_BYTES`` or nested deeper than ``MAX_DEPTH`` is refused with a
ClientException before it is parsed; so is one that is not JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import ClientError

MAX_BYTES = 1024 * 1024  # above any AWS Batch request (SubmitJob's quota is 30 KiB)
MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def read_json(data: bytes, operation: str = "") -> Any:
    """The JSON value of ``data`` (``{}`` when empty); ClientException (naming ``operation``
    when given) when it is too big, too deep or not JSON."""
    where = f"{operation}: " if operation else ""
    if len(data) > MAX_BYTES:
        raise ClientError(f"{where}the request body is {len(data)} bytes, over the limit of {MAX_BYTES}")
    if not data:
        return {}
    if _depth(data) > MAX_DEPTH:
        raise ClientError(f"{where}the request body is nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(data)
    except ValueError as error:  # also integers of more digits than Python converts
        raise ClientError(f"{where}the request body is not valid JSON: {str(error)[:120]}") from None


def _depth(data: bytes) -> int:
    """How deep ``data``'s arrays and objects nest (outside strings), counted up to just past
    ``MAX_DEPTH``; a loop over the brackets only, never a recursion."""
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return 0  # too few brackets to nest too deep
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', data)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            break
    return depth
