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
from typing import TYPE_CHECKING, Any

_BOTOCORE_WAS_LOADED = "botocore.session" in sys.modules

import botocore.client  # noqa: E402
import botocore.handlers  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.model import OperationModel  # noqa: E402
from botocore.parsers import create_parser  # noqa: E402

from ._errors import BatchError, ClientError  # noqa: E402
from ._routes import resolve  # noqa: E402

if TYPE_CHECKING:
    from ._fake import FakeBatch

EVENTS = ("before-call.batch", "before-call.cloudwatch-logs")
_UNIQUE = "pytest-fakebatch"

_active: FakeBatch | None = None
_active_lock = threading.Lock()
_PARSERS = {name: create_parser(name) for name in ("rest-json", "json")}


def activate(fake: FakeBatch) -> None:
    global _active
    with _active_lock:
        if _active is not None:
            raise RuntimeError(
                "another FakeBatch is already active; use one fake_batch per test (stop the other one first)"
            )
        _active = fake


def deactivate(fake: FakeBatch) -> None:
    global _active
    with _active_lock:
        if _active is fake:
            _active = None


def active() -> FakeBatch | None:
    return _active


def on_before_call(
    model: OperationModel, params: dict[str, Any], **_: Any
) -> tuple[AWSResponse, dict[str, Any]] | None:
    """botocore's before-call: the fake's answer, or None to let botocore carry on."""
    fake = _active
    if fake is None:
        return None
    service = model.service_model.service_name
    region = (params.get("context") or {}).get("client_region") or "us-east-1"
    try:
        body = json.loads(params.get("body") or b"{}")
    except ValueError:
        body = None
    if service == "logs" and not (isinstance(body, dict) and fake.answers_logs(region, model.name, body)):
        return None
    try:
        if service == "batch":
            body = _batch_request(model, params, body)
        answer = fake.dispatch(service, model.name, region, body)
    except BatchError as error:
        return _error(model, error)
    return _respond(model, 200, json.dumps(answer).encode())


def _batch_request(model: OperationModel, params: dict[str, Any], body: Any) -> Any:
    """Batch's request as one dict: the JSON body plus what travels in the path and query."""
    if body is None:
        raise ClientError(f"{model.name}: the request body is not valid JSON")
    operation, from_path = resolve(params.get("method", "POST"), params.get("url_path", ""))
    if operation != model.name:
        raise ClientError(f"{model.name}: the request path belongs to {operation}")
    if isinstance(body, dict):
        body.update(from_path)
        for key, value in (params.get("query_string") or {}).items():
            body[key] = value if isinstance(value, list) or key != "tagKeys" else [value]
    return body


def _error(model: OperationModel, error: BatchError) -> tuple[AWSResponse, dict[str, Any]]:
    payload = {"__type": error.code, "message": error.message}
    return _respond(model, error.status, json.dumps(payload).encode(), error.code)


def _respond(
    model: OperationModel, status: int, body: bytes, error_code: str | None = None
) -> tuple[AWSResponse, dict[str, Any]]:
    headers = {"content-type": "application/json", "x-amzn-requestid": "fakebatch"}
    if error_code is not None:
        headers["x-amzn-ErrorType"] = error_code
    parser = _PARSERS[model.service_model.protocol]
    parsed = parser.parse({"status_code": status, "headers": headers, "body": body}, model.output_shape)
    parsed.setdefault("ResponseMetadata", {}).update(
        HTTPStatusCode=status, HTTPHeaders=headers, RetryAttempts=0
    )
    return AWSResponse("https://fakebatch.invalid/", status, headers, None), parsed


def _register(emitter: Any) -> None:
    for event in EVENTS:
        emitter.register(event, on_before_call, unique_id=f"{_UNIQUE}:{event}")


def install() -> None:
    """Hook every botocore session and client, those to come and those that exist already."""
    for event in EVENTS:
        if (event, on_before_call) not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append((event, on_before_call))
    if _BOTOCORE_WAS_LOADED:  # sessions or clients may predate this module: find them once
        for obj in gc.get_objects():
            if isinstance(obj, botocore.session.Session):
                _register(obj.get_component("event_emitter"))
            elif isinstance(obj, botocore.client.BaseClient):
                _register(obj.meta.events)


install()
