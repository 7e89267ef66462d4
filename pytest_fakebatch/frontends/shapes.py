"""Answers fit the installed botocore's model: what an older model does not know is left out.

The fake answers with the members of the newest Batch model it is checked against
(:data:`CHECKED_AGAINST`). An older botocore's model lacks some of them (members AWS added
since), and its parser would drop them anyway; but a caller handed a dict directly (the
before-call hook hands botocore its parsed answer) would see members its botocore cannot
describe, and ``fakebatch_check_shapes`` would fail on them. So on an older botocore every
answer is pruned to the installed output shape; on the newest it is left exactly as built,
so the shape check still catches any member the fake invents.
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Callable
from typing import Any

import botocore
from botocore.model import ListShape, MapShape, Shape, StructureShape
from packaging.version import Version

from .routes import service_model

FLOOR = Version("1.34")  # the oldest botocore the fake is tested with (tox -e min)
CHECKED_AGAINST = Version("1.44.8")  # the newest botocore whose Batch model the answers are built for
INSTALLED = Version(botocore.__version__)
if INSTALLED < FLOOR:
    raise ImportError(
        f"pytest-fakebatch needs botocore {FLOOR} or newer, and {INSTALLED} is installed: "
        "pip install -U 'botocore>=1.34'"
    )

OLDER_MODEL = INSTALLED < CHECKED_AGAINST

Pruner = Callable[[Any], None]
_pruners: dict[tuple[str, str], Pruner | None] = {}


def fit(answer: dict[str, Any], shape: Shape | None, service: str) -> None:
    """Remove, in place, the members of ``answer`` the installed model's ``shape`` lacks
    (only on an older botocore). ``answer`` must be the caller's own copy."""
    if OLDER_MODEL and shape is not None:
        prune = _pruner(shape, service)
        if prune is not None:
            prune(answer)


def own(answer: Any) -> Any:
    """The reader's own copy of ``answer`` (a call's answer, an event's detail), equal to
    ``json.loads(json.dumps(answer))`` for the values the fake's views build (dicts, lists,
    strings, finite numbers, booleans, None), made by ``marshal`` in C. A value marshal refuses
    (an object, a subclass) goes through JSON; one marshal would keep and JSON change (a tuple,
    a key that is not a string, NaN) is caught by ``fakebatch_check_shapes``, which compares
    every answer, value and type, with botocore's parse of its JSON."""
    try:
        return marshal.loads(marshal.dumps(answer))
    except ValueError:
        return json.loads(json.dumps(answer))


def fitted(answer: dict[str, Any], service: str, operation: str) -> dict[str, Any]:
    """``answer`` as the installed model describes it: itself on the newest botocore, else a
    pruned copy (the fake's own state is never touched)."""
    if not OLDER_MODEL:
        return answer
    copy: dict[str, Any] = own(answer)
    fit(copy, service_model(service).operation_model(operation).output_shape, service)
    return copy


def _pruner(shape: Shape, service: str) -> Pruner | None:
    """A function that prunes a value of ``shape``; None where nothing inside can need it."""
    key = (service, shape.name)
    if key not in _pruners:
        _pruners[key] = None  # a recursive shape refers to itself: stop there
        _pruners[key] = _build(shape, service)
    return _pruners[key]


def _build(shape: Shape, service: str) -> Pruner | None:
    if isinstance(shape, StructureShape):
        known = frozenset(shape.members)
        inner = {
            name: prune
            for name, member in shape.members.items()
            if (prune := _pruner(member, service)) is not None
        }

        def structure(value: Any) -> None:
            if isinstance(value, dict):
                for extra in value.keys() - known:
                    del value[extra]
                for name, prune in inner.items():
                    if name in value:
                        prune(value[name])

        return structure
    if isinstance(shape, ListShape):
        item = _pruner(shape.member, service)
        if item is None:
            return None

        def each(value: Any) -> None:
            if isinstance(value, list):
                for entry in value:
                    item(entry)

        return each
    if isinstance(shape, MapShape):
        entry = _pruner(shape.value, service)
        if entry is None:
            return None

        def values(value: Any) -> None:
            if isinstance(value, dict):
                for v in value.values():
                    entry(v)

        return values
    return None
