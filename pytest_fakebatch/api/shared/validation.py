"""Every request checked against botocore's own input shape before any operation runs.

A client may switch botocore's validation off (``Config(parameter_validation=False)``), and a
request over HTTP was never validated at all, so the fake checks the request (the JSON body
with the path members merged in) with botocore's :class:`~botocore.validate.ParamValidator`:
types, required members, unknown members, lists, maps and ``min`` lengths (of strings and
lists). Where the shape says more than that validator checks, this module checks it in the
same walk: ``max`` lengths (of strings, lists and maps), patterns, enums, integers that fit
AWS's 32/64-bit types (never ``true``), finite numbers, and AWS's request size limits. A map's
``min`` stays unchecked, as on AWS: the Batch model gives tags ``min`` 1, yet AWS accepts the
empty ``tags`` Airflow's BatchOperator sends with every job. The region must be one of
botocore's partitions' regions.

Operations still check AWS's rules beyond the shapes; they can rely on the types here.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator, ValidationErrors

from ...errors import ClientError
from ...service_models import partitions, service_model

_SERVICES = {"batch": "batch", "logs": "logs"}
_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_FLOAT32_MAX = 3.4028234663852886e38
# enums AWS accepts in any case ("evaluateOnExit.action" is "RETRY" or "retry")
_ANY_CASE_ENUMS = frozenset({"RetryAction", "ServiceJobRetryAction"})
# AWS Batch's documented payload quotas (service quotas: job definition 24 KiB, SubmitJob 30 KiB,
# SubmitServiceJob request 30 KiB)
_MAX_REQUEST_BYTES = {
    "RegisterJobDefinition": 24 * 1024,
    "SubmitJob": 30 * 1024,
    "SubmitServiceJob": 30 * 1024,
}
_REPORTED = 10  # errors listed in one message; AWS lists them all, but a message stays readable
_SHOWN = 60  # characters of a value quoted in a message


@functools.cache
def _operation(service: str, operation: str) -> OperationModel:
    return service_model(_SERVICES[service]).operation_model(operation)


@functools.cache
def _region_patterns() -> tuple[re.Pattern[str], ...]:
    """Every partition's ``regionRegex`` from botocore's own endpoint data."""
    return tuple(re.compile(p["regionRegex"], re.ASCII) for p in partitions())


@functools.lru_cache(maxsize=256)
def check_region(operation: str, region: str) -> None:
    """A ClientException unless ``region`` looks like a region of an AWS partition."""
    if not any(p.match(region) for p in _region_patterns()):
        raise ClientError(f"{operation}: '{_show(region)}' is not an AWS region")


def check_request(service: str, operation: str, region: str, body: Any, *, validated: bool = False) -> None:
    """Refuse (ClientException naming the fields) a request botocore's input shape or AWS's
    limits refuse; returns only when the operation may run. ``validated``: botocore's own
    client validation already passed the same request, so only what it leaves unchecked is
    looked at (and, where something is wrong, the whole request, for the same message)."""
    if len(region) > 64 or not region.isascii():
        raise ClientError(f"{operation}: '{_show(region)}' is not an AWS region")
    check_region(operation, region)
    shape = _operation(service, operation).input_shape
    if shape is None:
        return
    extras = _extras(shape) if validated else _ALWAYS
    errors = _VALIDATOR.validate(body, shape) if extras is not None and extras(body) else _NONE
    if errors.has_errors():
        raise ClientError(_message(operation, errors))
    limit = _MAX_REQUEST_BYTES.get(operation)
    if limit is not None and len(json.dumps(body)) > limit:
        raise ClientError(f"{operation}: the request is over AWS's limit of {limit // 1024} KiB")


class _Report(ValidationErrors):  # type: ignore[misc]
    """botocore's collected errors, as (reason, field, details) tuples."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, dict[str, Any]]] = []

    def report(self, name: str, reason: str, **details: Any) -> None:
        super().report(name, reason, **details)
        self.found.append((reason, name.lstrip("."), details))


class _Validator(ParamValidator):  # type: ignore[misc]
    """botocore's validator, plus what the shapes say and it leaves unchecked."""

    def __init__(self) -> None:
        super().__init__()
        # per shape (by id; the shape is kept alive in the value): its check, and whether it is
        # a string without constraints, which any str passes
        self._plans: dict[int, tuple[Shape, Any, bool]] = {}

    def validate(self, params: Any, shape: Shape) -> _Report:
        errors = _Report()
        self._validate(params, shape, errors, name="")
        return errors

    def _validate(self, params: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        """botocore's dispatch on the shape's type, looked up once per shape, not per value."""
        plan = self._plans.get(id(shape))
        if plan is None:
            special = self._check_special_validation_cases(shape)
            check = special or getattr(self, f"_validate_{shape.type_name}")
            plain = shape.type_name == "string" and not (
                shape.enum
                or {"min", "max", "pattern"} & shape.metadata.keys()
                or shape.serialization.get("hostLabel")
            )
            plan = self._plans[id(shape)] = (shape, check, plain)
        if plan[2] and params.__class__ is str:
            return
        plan[1](params, shape, errors, name)

    def _shape_has_constraints(self, shape: Shape) -> bool:
        return True  # list items always get the checks below (enums, ranges), not a bare type check

    def _validate_string(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_string(param, shape, errors, name)
        if not isinstance(param, str):
            return
        _check_max(name, len(param), shape, errors)
        enum = shape.enum
        if enum and param not in enum and not (shape.name in _ANY_CASE_ENUMS and param.upper() in enum):
            errors.report(name, "not in enum", param=param, allowed=enum)
        pattern = _pattern(shape.metadata.get("pattern"))
        if pattern is not None and not pattern.fullmatch(param):
            errors.report(name, "no match", param=param, pattern=pattern.pattern)

    def _validate_map(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        if isinstance(param, dict):
            _check_max(name, len(param), shape, errors)  # botocore checks no map's size
        super()._validate_map(param, shape, errors, name)

    def _validate_list(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_list(param, shape, errors, name)
        if isinstance(param, (list, tuple)):
            _check_max(name, len(param), shape, errors)

    def _validate_integer(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        if isinstance(param, bool):
            errors.report(name, "invalid type", param=param, valid_types=[str(int)])
            return
        super()._validate_integer(param, shape, errors, name)
        if isinstance(param, int):
            low, high = _INT_RANGES[shape.type_name]  # the shape's min botocore checks itself
            high = min(high, shape.metadata.get("max", high))
            if not low <= param <= high:
                errors.report(name, "out of range", param=param, low=low, high=high)

    _validate_long = _validate_integer

    def _validate_double(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        if isinstance(param, bool):
            errors.report(name, "invalid type", param=param, valid_types=[str(float)])
            return
        super()._validate_double(param, shape, errors, name)
        if isinstance(param, int):
            param = float(param) if abs(param) < 2**1023 else math.inf
        if isinstance(param, float):
            bound = _FLOAT32_MAX if shape.type_name == "float" else math.inf
            if not math.isfinite(param) or abs(param) > bound:
                errors.report(name, "not finite", param=param)

    _validate_float = _validate_double


Check = Callable[[Any], bool]  # whether a value (of types botocore passed) may break a rule


def _always(value: Any) -> bool:
    return True


_ALWAYS: Check = _always
_NONE = _Report()  # no errors: a shared, never reported into, empty report
_extra_checks: dict[int, tuple[Shape, Check | None]] = {}  # by the shape's id (kept alive here)


def _extras(shape: Shape) -> Check | None:
    """A check of what the shape says and botocore's validator leaves unchecked (``max``,
    patterns, enums, integer ranges, booleans for numbers, finite numbers), for a value botocore
    already validated; None where nothing in the shape needs it. A shape that contains itself is
    checked whole (by the full validator)."""
    hit = _extra_checks.get(id(shape))
    if hit is not None:
        return hit[1]
    _extra_checks[id(shape)] = (shape, _ALWAYS)  # while it is built: a reference to itself
    check = _build_extras(shape)
    _extra_checks[id(shape)] = (shape, check)
    return check


def _build_extras(shape: Shape) -> Check | None:
    high = shape.metadata.get("max", math.inf)
    if isinstance(shape, StructureShape):
        inner = tuple((name, c) for name, m in shape.members.items() if (c := _extras(m)) is not None)
        return functools.partial(_members_may_break, inner) if inner else None
    if isinstance(shape, ListShape):
        item = _extras(shape.member)
        if item is None and high == math.inf:
            return None
        return functools.partial(_items_may_break, high, item or _never)
    if isinstance(shape, MapShape):
        key, value = _extras(shape.key), _extras(shape.value)
        if key is None and value is None and high == math.inf:
            return None
        return functools.partial(_entries_may_break, high, key or _never, value or _never)
    if shape.type_name == "string":
        enum, pattern = frozenset(shape.enum), _pattern(shape.metadata.get("pattern"))
        if high == math.inf and not enum and pattern is None:
            return None
        return functools.partial(_text_may_break, high, enum, pattern)
    if shape.type_name in ("integer", "long", "float", "double"):
        return functools.partial(_out_of_range, shape)
    return None


# What the checks built above run on each value (module functions, not closures: whichever
# test sends a value runs them, not only the one that first built its shape's check)


def _members_may_break(inner: tuple[tuple[str, Check], ...], value: Any) -> bool:
    return not isinstance(value, dict) or any(check(value[name]) for name, check in inner if name in value)


def _items_may_break(high: float, item: Check, value: Any) -> bool:
    return len(value) > high or any(map(item, value))


def _entries_may_break(high: float, key: Check, item: Check, value: Any) -> bool:
    return (
        not isinstance(value, dict)
        or len(value) > high
        or any(map(key, value))
        or any(map(item, value.values()))
    )


def _text_may_break(high: float, enum: frozenset[str], pattern: re.Pattern[str] | None, value: str) -> bool:
    return (
        len(value) > high
        or (bool(enum) and value not in enum)
        or (pattern is not None and not pattern.fullmatch(value))
    )


def _never(value: Any) -> bool:
    return False


def _out_of_range(shape: Shape, value: Any) -> bool:
    """Whether a number breaks its shape (a boolean, past its type's range, not finite)."""
    return bool(_VALIDATOR.validate(value, shape).found)


@functools.cache
def _pattern(text: str | None) -> re.Pattern[str] | None:
    """A shape's ``pattern``, which AWS matches against the whole value; None where there is
    none, or where it is written in Java's syntax only (``\\p{L}``), which ``re`` cannot read."""
    if text is None:
        return None
    try:
        return re.compile(text, re.ASCII)  # Java's \w, \d and \s are ASCII-only
    except re.error:
        return None


def _check_max(name: str, size: int, shape: Shape, errors: ValidationErrors) -> None:
    high = shape.metadata.get("max")
    if high is not None and size > high:
        errors.report(name, "too long", param=size, high=high)


_VALIDATOR = _Validator()
_TYPE_NAMES = {
    str(str): "a string",
    str(int): "an integer",
    str(float): "a number",
    str(bool): "a boolean",
    str(dict): "an object",
    str(list): "a list",
}


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_SHOWN:
        return f"a {value.bit_length()}-bit integer"
    text = "null" if value is None else json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _describe(reason: str, where: str, extra: dict[str, Any]) -> str:
    param = extra.get("param")
    if reason == "missing required field":
        field = extra["required_name"]
        return f"{where + '.' if where else ''}{field} is required"
    if reason == "unknown field":
        known, unknown = ", ".join(extra["valid_names"]), _show(extra["unknown_param"])
        return f"'{unknown}' is not a member of {where or 'the request'} (known: {known})"
    if reason == "invalid type":
        wanted = _TYPE_NAMES.get(extra["valid_types"][0], " or ".join(extra["valid_types"]))
        return f"{where} must be {wanted}, got {_type_name(param)}"
    if reason == "invalid length":
        return f"{where} must hold at least {extra['min_allowed']} (characters or items)"
    if reason == "too long":
        return f"{where} must hold at most {extra['high']} (characters or items), got {param}"
    if reason == "invalid range":
        return f"{where} must be at least {extra['min_allowed']}, got {param}"
    if reason == "out of range":
        return f"{where} must be between {extra['low']} and {extra['high']}, got {_show(param)}"
    if reason == "not finite":
        return f"{where} must be a finite number AWS can store, got {_show(param)}"
    if reason == "no match":
        return f"{where} must match the pattern {extra['pattern']}, got '{_show(param)}'"
    if reason == "not in enum":
        return f"{where} must be one of {', '.join(extra['allowed'])}, got '{_show(param)}'"
    return f"{where} is invalid ({reason})"


def _message(operation: str, errors: _Report) -> str:
    found = errors.found
    parts = [_describe(reason, name, extra) for reason, name, extra in found[:_REPORTED]]
    if len(found) > _REPORTED:
        parts.append(f"and {len(found) - _REPORTED} more")
    count = f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected"
    return f"{operation}: {count}: {'; '.join(parts)}"
