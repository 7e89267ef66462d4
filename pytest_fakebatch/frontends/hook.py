"""The botocore hook: Batch (and job-log) requests are answered by the active fake.

A ``before-call`` handler is registered for every botocore session (through botocore's
``BUILTIN_HANDLERS``, so sessions created later get it, and on those that already exist
when this module is imported). ``before-call`` comes before signing and before the HTTP
layer, so no credentials are needed, nothing reaches the network, and a ``before-send``
mock such as moto's never sees a Batch request while a fake is active. With no fake active
the handler answers nothing and botocore goes on as if it were not there.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

_BOTOCORE_WAS_LOADED = "botocore.session" in sys.modules

import botocore.client  # noqa: E402
import botocore.handlers  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape  # noqa: E402
from botocore.parsers import create_parser  # noqa: E402
from botocore.validate import ParamValidationDecorator  # noqa: E402

from .. import service_models  # noqa: E402
from ..errors import BatchError, ClientError, InjectedError, ServerError, as_answered_by  # noqa: E402
from . import faults  # noqa: E402
from .payload import check_params, read_json  # noqa: E402
from .routes import resolve  # noqa: E402
from .shapes import fit, own  # noqa: E402

if TYPE_CHECKING:
    from .dispatcher import Dispatcher

EVENTS = ("before-call.batch", "before-call.cloudwatch-logs")
_MEASURE_EVENT = "before-parameter-build.batch"
_UNIQUE = "pytest-fakebatch"
_REFUSED = "fakebatch_refused"  # the request context's note of a request refused before serializing

_active: Dispatcher | None = None
_active_lock = threading.Lock()
_PARSERS = {name: create_parser(name) for name in ("rest-json", "json")}
_HEADERS = {"content-type": "application/json", "x-amzn-requestid": "fakebatch"}
_URL = "https://fakebatch.invalid/"
_OK = AWSResponse(_URL, 200, _HEADERS, None)  # every success's: botocore reads it, never changes it
# operations whose every answer is built afresh of strings, integers and booleans only (nothing
# of the fake's state is shared, no tuple, no float): the caller is handed the answer itself,
# as botocore's Stubber hands its own; fakebatch_check_shapes still parses each and compares
FRESH = frozenset({("batch", "ListJobs"), ("batch", "SubmitJob"), ("logs", "GetLogEvents")})
_LOCATIONS: dict[tuple[str, str, str], dict[str, str]] = {}  # (service, API version, operation)
_VALIDATES: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()  # client Config -> validates


def activate(fake: Dispatcher) -> None:
    global _active
    with _active_lock:
        if _active is not None:
            raise RuntimeError(
                "another FakeBatch is already active; use one fake_batch per test (stop the other one first)"
            )
        _active = fake


def deactivate(fake: Dispatcher) -> None:
    global _active
    with _active_lock:
        if _active is fake:
            _active = None
            faults.forget()


def active() -> Dispatcher | None:
    return _active


def on_before_parameter_build(
    model: OperationModel, params: dict[str, Any], context: dict[str, Any], **_: Any
) -> None:
    """botocore's before-parameter-build: parameters nested too deep or too big are refused
    before botocore validates or serializes (and recurses through) them. No Batch shape nests
    anywhere near ``MAX_DEPTH`` deep, so only a client with its own validation off (or a value
    its validator would refuse) is refused here. The refusal is noted in the request's context
    and answered in before-call; the parameters left for botocore are placeholders for what
    its validator and serializer need (the client's setting is not in the context: botocore
    keeps it in the client's serializer)."""
    if _active is None:
        return
    try:
        check_params(model.name, params, _outside_body(model))
    except ClientError as refused:
        context[_REFUSED] = refused
        params.clear()  # the client's own copy of its keywords: the caller's values are untouched
        if model.input_shape is not None:
            params.update(_smallest(model.input_shape))


def _outside_body(model: OperationModel) -> dict[str, str]:
    """The members of ``model``'s input that travel outside the body, and where (worked out
    once per operation of a service's model version)."""
    key = (model.service_model.service_name, model.service_model.api_version, model.name)
    where = _LOCATIONS.get(key)
    if where is None:
        members = model.input_shape.members if model.input_shape is not None else {}
        where = _LOCATIONS[key] = {
            name: shape.serialization["location"]
            for name, shape in members.items()
            if shape.serialization.get("location")
        }
    return where


def _smallest(shape: Shape, depth: int = 0) -> Any:
    """The smallest value of ``shape`` that botocore's validator passes: required members only,
    strings and lists of their minimum length."""
    minimum = int(shape.metadata.get("min", 0))
    if isinstance(shape, StructureShape):
        names = list(shape.required_members)
        if shape.metadata.get("union") and not names:
            names = list(shape.members)[:1]
        return {name: _smallest(shape.members[name], depth + 1) for name in names} if depth < 20 else {}
    if isinstance(shape, ListShape):
        return [_smallest(shape.member, depth + 1) for _ in range(minimum)]
    if isinstance(shape, MapShape):
        return {}
    scalars = {"integer": minimum, "long": minimum, "float": 0.0, "double": 0.0, "boolean": False}
    return scalars.get(shape.type_name, b"" if shape.type_name == "blob" else "-" * max(minimum, 1))


def on_before_call(
    model: OperationModel, params: dict[str, Any], request_signer: Any = None, **_: Any
) -> tuple[AWSResponse, dict[str, Any]] | None:
    """botocore's before-call: the fake's answer, or None to let botocore carry on."""
    early: BatchError | None = (params.get("context") or {}).get(_REFUSED)
    if early is not None:
        return _error(model, early)  # nothing of it was read, parsed or recorded
    fake = _active
    if fake is None:
        return None
    service = model.service_model.service_name
    service_models.adopt(model.service_model)  # the client's own: not loaded a second time
    region = (params.get("context") or {}).get("client_region") or "us-east-1"
    try:
        body = read_json(_as_bytes(params.get("body")), model.name)
    except ClientError as refused:
        return None if service == "logs" else _error(model, refused)  # Logs: not ours to judge
    try:
        if service == "logs" and not (isinstance(body, dict) and fake.answers_logs(region, model.name, body)):
            return None
        if service == "batch":
            body = _batch_request(model, params, body)
        answer = fake.dispatch(service, model.name, region, body, valid=_validated(params.get("context")))
        # the caller's own copy, never the fake's state (a fresh answer is already its own)
        parsed = answer if (service, model.name) in FRESH else own(answer)
        fit(parsed, model.output_shape, service)
        if fake.check_shapes:  # botocore's parse of the answer's JSON, compared value and type
            _check_shape(model, json.dumps(answer).encode(), parsed)
    except InjectedError as error:  # botocore's retry handler sees it on its HTTP path
        if faults.divert(params, error, service, model.name, region, body, request_signer):
            return None
        return _error(model, error)
    except BatchError as error:
        return _error(model, error)
    parsed["ResponseMetadata"] = _metadata(200, _HEADERS)
    return _OK, parsed


def _validated(context: dict[str, Any] | None) -> bool:
    """Whether botocore's own client validation ran on this request: the calling client's
    serializer validates (``parameter_validation``, from its Config or its profile). The
    client is found once, from the call's frames, and remembered by its Config (one per
    client); where it cannot be found, False (the fake validates all)."""
    config = (context or {}).get("client_config")
    if config is None:
        return False
    known = _VALIDATES.get(config)
    if known is None:
        known = False
        frame = sys._getframe(1)
        while frame is not None:
            client = frame.f_locals.get("self") if frame.f_code.co_name == "_make_api_call" else None
            if isinstance(client, botocore.client.BaseClient) and client.meta.config is config:
                known = isinstance(getattr(client, "_serializer", None), ParamValidationDecorator)
                break
            frame = frame.f_back  # type: ignore[assignment]
        _VALIDATES[config] = known
    return known


def _batch_request(model: OperationModel, params: dict[str, Any], body: Any) -> Any:
    """Batch's request as one dict: the JSON body plus what travels in the path and query."""
    if "{" not in model.http.get("requestUri", ""):  # nothing travels in the path
        return body
    operation, from_path = resolve(params.get("method", "POST"), params.get("url_path", ""))
    if operation != model.name:
        raise ClientError(f"{model.name}: the request path belongs to {operation}")
    if isinstance(body, dict):
        body.update(from_path)
        for key, value in (params.get("query_string") or {}).items():
            body[key] = value if isinstance(value, list) or key != "tagKeys" else [value]
    return body


def _as_bytes(body: Any) -> bytes:
    if isinstance(body, str):
        return body.encode()
    return bytes(body) if isinstance(body, (bytes, bytearray)) else b""


def _error(model: OperationModel, error: BatchError) -> tuple[AWSResponse, dict[str, Any]]:
    """An AWS error response, parsed by botocore so that its modelled exception is raised."""
    error = as_answered_by(model.service_model.service_name, error)
    headers = {**_HEADERS, "x-amzn-ErrorType": error.code}
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    parsed = _parse(model, error.status, headers, body)
    parsed["ResponseMetadata"] = _metadata(error.status, headers)
    return AWSResponse(_URL, error.status, headers, None), parsed


def _parse(model: OperationModel, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    parser = _PARSERS[model.service_model.protocol]
    parsed: dict[str, Any] = parser.parse(
        {"status_code": status, "headers": headers, "body": body}, model.output_shape
    )
    return parsed


def _metadata(status: int, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "RequestId": headers["x-amzn-requestid"],
        "HTTPStatusCode": status,
        "HTTPHeaders": dict(headers),
        "RetryAttempts": 0,
    }


def _check_shape(model: OperationModel, body: bytes, answer: dict[str, Any]) -> None:
    """Fail loudly where an answer holds what botocore's parser would not hand a caller."""
    expected = _parse(model, 200, _HEADERS, body)
    expected.pop("ResponseMetadata", None)
    where = _first_difference(expected, answer, model.name)
    if where is not None:
        raise ServerError(f"{model.name}: the answer does not match botocore's output shape at {where}")


def _first_difference(expected: Any, actual: Any, path: str) -> str | None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if key not in expected or key not in actual:
                return f"{path}.{key}"
            found = _first_difference(expected[key], actual[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = _first_difference(e, a, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    return None if expected == actual and type(expected) is type(actual) else path


_HANDLERS = [(event, on_before_call) for event in EVENTS] + [(_MEASURE_EVENT, on_before_parameter_build)]
# a diverted call's (faults.py): first of their events, before a before-send mock such as moto's
_FIRST = [(event, handler, botocore.handlers.REGISTER_FIRST) for event, handler in faults.HANDLERS]


def _register(emitter: Any) -> None:
    for event, handler in _HANDLERS:
        emitter.register(event, handler, unique_id=f"{_UNIQUE}:{event}")
    for event, first, _ in _FIRST:
        emitter.register_first(event, first, unique_id=f"{_UNIQUE}:{event}")


def install() -> None:
    """Hook every botocore session and client, those to come and those that exist already."""
    for entry in [*_HANDLERS, *_FIRST]:
        if entry not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(entry)
    if _BOTOCORE_WAS_LOADED:  # sessions or clients may predate this module: find them once
        for obj in _existing():
            if isinstance(obj, botocore.session.Session):
                _register(obj.get_component("event_emitter"))
            elif isinstance(obj, botocore.client.BaseClient):
                _register(obj.meta.events)


def _existing() -> list[Any]:
    """The objects that refer to a session or client class: every instance (an instance of a
    Python class refers to its class), found by the collector's own scan, in C, instead of a
    Python loop over every object."""
    classes: list[type] = []
    pending: list[type] = [botocore.session.Session, botocore.client.BaseClient]
    while pending:  # client classes are made per service, as subclasses
        cls = pending.pop()
        classes.append(cls)
        pending.extend(cls.__subclasses__())
    return gc.get_referrers(*classes)


install()
