"""Typed, validated access to a request's parameters, and pagination of answers.

Botocore validates shapes on the client side, but a client may turn that off, so every
value is checked again here: whatever a caller sends, the answer is a ``ClientException``
that names the field, never a Python error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ...errors import ClientError
from ...model.numbers import whole_number

T = TypeVar("T")

STATES = ("ENABLED", "DISABLED")  # of compute and service environments, queues and quota shares
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


_EPOCH_MS_DIGITS = 19  # a 64-bit count of milliseconds


class Params:
    """The JSON body of one request, read field by field with the operation named in errors."""

    __slots__ = ("op", "raw")

    def __init__(self, op: str, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise ClientError(f"{op}: the request body must be a JSON object")
        self.op = op
        self.raw: dict[str, Any] = raw

    def fail(self, message: str) -> ClientError:
        return ClientError(f"{self.op}: {message}")

    def _get(self, key: str, kind: type[T], kind_name: str, required: bool) -> T | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self.fail(f"{key} is required")
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{key} must be {kind_name}, got {type(value).__name__}")
        return value

    def text(self, key: str) -> str:
        value = self._get(key, str, "a string", True)
        assert value is not None
        return value

    def opt_str(self, key: str) -> str | None:
        return self._get(key, str, "a string", False)

    def integer(self, key: str) -> int:
        value = self._get(key, int, "an integer", True)
        assert value is not None
        return value

    def opt_int(self, key: str) -> int | None:
        return self._get(key, int, "an integer", False)

    def opt_bool(self, key: str) -> bool | None:
        return self._get(key, bool, "a boolean", False)

    def opt_dict(self, key: str) -> dict[str, Any] | None:
        return self._get(key, dict, "an object", False)

    def opt_list(self, key: str) -> list[Any] | None:
        return self._get(key, list, "a list", False)

    def str_list(self, key: str) -> list[str]:
        values = self.opt_list(key) or []
        if not all(isinstance(v, str) for v in values):
            raise self.fail(f"{key} must be a list of strings")
        return values

    def str_map(self, key: str) -> dict[str, str]:
        return check_str_map(self.op, key, self.opt_dict(key))

    def choice(self, key: str, allowed: Sequence[str], default: str | None = None) -> str:
        value = self.opt_str(key)
        if value is None:
            if default is None:
                raise self.fail(f"{key} is required (one of {', '.join(allowed)})")
            return default
        if value not in allowed:
            raise self.fail(f"{key} must be one of {', '.join(allowed)}, got '{value}'")
        return value


def check_str_map(op: str, key: str, value: Any) -> dict[str, str]:
    """A map of strings to strings (tags, parameters), or a ClientException naming ``key``."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ClientError(f"{op}: {key} must map strings to strings")
    return dict(value)


def check_name(op: str, field: str, name: str) -> str:
    """AWS's rule for job, queue and compute environment names."""
    if not _NAME.fullmatch(name):
        raise ClientError(
            f"{op}: {field} '{name}' is invalid: use 1 to 128 letters, digits, hyphens and "
            "underscores, starting with a letter or digit"
        )
    return name


def name_filter(value: str) -> Callable[[str], bool]:
    """AWS's name filter (JOB_NAME and the like): case-insensitive, a trailing ``*`` matches
    any name that begins with what precedes it."""
    wanted = value.lower()
    if wanted.endswith("*"):
        return lambda name: name.lower().startswith(wanted[:-1])
    return lambda name: name.lower() == wanted


def created_at_filter(p: Params, name: str, value: str) -> Callable[[Any], bool]:
    """A BEFORE_CREATED_AT or AFTER_CREATED_AT filter (ListJobs, ListServiceJobs) as a check on
    a job's ``created_at``: the value is epoch milliseconds, written as ASCII digits."""
    moment = whole_number(value, _EPOCH_MS_DIGITS)
    if moment is None:
        raise p.fail(f"filter {name} takes a time in epoch milliseconds, got '{value[:40]}'")
    if name == "BEFORE_CREATED_AT":
        return lambda job: bool(job.created_at < moment)
    return lambda job: bool(job.created_at > moment)


def one_filter(p: Params, names: Sequence[str]) -> tuple[str, str] | None:
    """The request's ``filters`` (ListJobs and ListServiceJobs take one at a time, with exactly
    one value): its name and value, or None when none is given."""
    raw = p.opt_list("filters") or []
    if len(raw) > 1:
        raise p.fail(f"only one filter can be used at a time, got {len(raw)}")
    if not raw:
        return None
    entry = raw[0] if isinstance(raw[0], dict) else {}
    name, values = entry.get("name"), entry.get("values")
    if name not in names:
        raise p.fail(f"filters[0].name must be one of {', '.join(names)}, got {name!r}")
    if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
        raise p.fail("filters[0].values must hold exactly one string")
    return str(name), values[0]


def new_name(p: Params, field: str, what: str, taken: Container[str], region: str) -> str:
    """The name of a resource about to be created: AWS's rule for names, and not taken yet."""
    name = check_name(p.op, field, p.text(field))
    if name in taken:
        raise p.fail(f"{what} '{name}' already exists in {region}")
    return name


def require_disabled(p: Params, what: str, name: str, state: str, update: str) -> None:
    """AWS deletes a compute environment, queue, service environment or quota share only once
    it is DISABLED (by ``update``)."""
    if state != "DISABLED":
        raise p.fail(
            f"{what} '{name}' is ENABLED: disable it with {update}(state='DISABLED') before deleting it"
        )


def check_tags(op: str, tags: dict[str, str]) -> dict[str, str]:
    """AWS's limits on tags: at most 50, keys 1..128 and values up to 256 characters."""
    if len(tags) > 50:
        raise ClientError(f"{op}: at most 50 tags are allowed, got {len(tags)}")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise ClientError(f"{op}: tag key '{key}' must be 1 to 128 characters")
        if key.lower().startswith("aws:"):
            raise ClientError(f"{op}: tag key '{key}' uses the reserved prefix 'aws:'")
        if len(value) > 256:
            raise ClientError(f"{op}: the value of tag '{key}' is over 256 characters")
    return tags


Position = tuple[int, ...]  # where a listing stopped: the sort key of the last item answered


def paged(
    p: Params,
    key: str,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    limit: int,
    default: int | None = None,
) -> dict[str, Any]:
    """One page of the list ``items``; the position is the offset of the last item answered."""

    def after(position: Position | None) -> Iterator[tuple[Position, T]]:
        start = 0 if position is None else max(0, position[0] + 1)
        return (((i,), items[i]) for i in range(start, len(items)))

    return paged_walk(p, key, after, render, width=1, limit=limit, default=default)


def paged_walk(
    p: Params,
    key: str,
    after: Callable[[Position | None], Iterable[tuple[Position, T]]],
    render: Callable[[T], Any],
    *,
    width: int,
    limit: int,
    default: int | None = None,
) -> dict[str, Any]:
    """One page as ``{key: [...], "nextToken": ...}``, from maxResults and nextToken;
    ``nextToken`` is there only while more follows.

    ``after(position)`` yields ``(position, item)`` in listing order, starting just after
    ``position`` (from the start for None); a position is ``width`` integers. The token
    is opaque to the caller: base64 of the operation, a digest of the request without its
    paging fields, and the position of the last item answered. So a page costs what it
    answers, not what came before it, and the next page continues after that position
    whatever was created, deleted or changed meanwhile. A token is accepted only by the
    request it was issued for (maxResults aside); an empty string means "from the start",
    as AWS accepts it.
    """
    max_results = p.opt_int("maxResults")
    if max_results is None:
        max_results = default if default is not None else limit
    elif not 1 <= max_results <= limit:
        raise p.fail(f"maxResults must be between 1 and {limit}, got {max_results}")
    walk = iter(after(_decode_token(p, width)))
    found = list(itertools.islice(walk, max_results))
    answer: dict[str, Any] = {key: [render(item) for _, item in found]}
    if found and next(walk, None) is not None:
        answer["nextToken"] = _encode_token(p.op, _query_digest(p), found[-1][0])
    return answer


def _query_digest(p: Params) -> str:
    """What identifies a listing: the request without maxResults and nextToken."""
    query = {k: v for k, v in p.raw.items() if k not in ("maxResults", "nextToken")}
    text = json.dumps([p.op, query], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode_token(op: str, query: str, position: Position) -> str:
    return base64.urlsafe_b64encode(json.dumps([op, query, list(position)]).encode()).decode()


def _decode_token(p: Params, width: int) -> Position | None:
    token = p.opt_str("nextToken")
    if not token:
        return None
    refused = p.fail("nextToken is not a token this operation returned")
    try:
        op, issued_for, position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise refused from None
    if (
        op != p.op
        or not isinstance(position, list)
        or len(position) != width
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in position)
    ):
        raise refused
    if issued_for != _query_digest(p):
        raise p.fail(
            "nextToken was returned for another request: send the same parameters "
            "(other than maxResults) as the request that returned it"
        )
    return tuple(position)
