"""A request body read as JSON, within bounds: both front ends read bodies only through here.

``json.loads`` recurses once per nesting level, so a body nested a thousand deep raises
RecursionError, and a body of any size is read whole. AWS's request documents are small and
shallow, so a body over ``MAX_BYTES`` or nested deeper than ``MAX_DEPTH`` is refused with a
ClientException before it is parsed; so is one that is not JSON.

A client whose own validation is off hands botocore any Python value, and botocore recurses
through it while it serializes (a list nested a thousand deep raises RecursionError there,
before the hook sees the request): :func:`check_params` measures the parameters first, in a
loop, against the same bounds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ClientError

MAX_BYTES = 1024 * 1024  # above any AWS Batch request (SubmitJob's quota is 30 KiB)
MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_OUTSIDE_BODY = {  # where a member that is not in the body travels, and what it can hold there
    "uri": ("request's path", "a string"),
    "querystring": ("query string", "a string or a list of strings"),
    "header": ("request's headers", "a string"),
}


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


def check_params(operation: str, params: Mapping[str, Any], outside_body: Mapping[str, str]) -> None:
    """ClientException when ``params`` (a client's parameters, before serialization) nest deeper
    than ``MAX_DEPTH`` or add up to more than ``MAX_BYTES``; ``outside_body`` names the members
    that travel elsewhere ("uri", "querystring", "header"). A loop that stops at the first bound
    passed, never a recursion, so a self-containing list is refused too."""
    size = 0
    for name, value in params.items():
        depth, size = _measure(value, size)
        if depth > MAX_DEPTH:
            if name in outside_body:
                where, takes = _OUTSIDE_BODY.get(outside_body[name], ("request", "a string"))
                raise ClientError(
                    f"{operation}: {name} is nested deeper than {MAX_DEPTH} levels; "
                    f"it travels in the {where} and takes {takes}"
                )
            raise ClientError(f"{operation}: the request body is nested deeper than {MAX_DEPTH} levels")
        if size > MAX_BYTES:
            raise ClientError(f"{operation}: the request is over the limit of {MAX_BYTES} bytes")


def _measure(value: Any, size: int) -> tuple[int, int]:
    """How deep ``value`` nests (up to just past ``MAX_DEPTH``) and ``size`` plus about how many
    bytes of JSON it makes (up to just past ``MAX_BYTES``)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending and deepest <= MAX_DEPTH and size <= MAX_BYTES:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(item, (str, bytes, bytearray)):
            size += len(item) + 2
        elif isinstance(item, Mapping):
            size += 2 + 4 * len(item)
            for key, member in item.items():
                if size > MAX_BYTES:
                    break
                size += len(key) if isinstance(key, str) else 8
                pending.append((member, depth + 1))
        elif isinstance(item, (list, tuple)):
            size += 2 + len(item)
            if size <= MAX_BYTES:
                pending.extend((member, depth + 1) for member in item)
        else:
            size += 8  # a number, a boolean, null, or whatever botocore would write for it
    return deepest, size
