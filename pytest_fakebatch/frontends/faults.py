"""Request faults, where requests are answered: throttles and service errors before the
operation runs, and the visibility lag of jobs just submitted after it ran.

A refused call is answered as AWS answers it (a throttle: HTTP 429 ``TooManyRequestsException``,
"Too Many Requests"), so botocore's retry modes (legacy, standard, adaptive) retry it. In HTTP
mode that needs nothing more; through the botocore hook, a refused call leaves ``before-call``
unanswered and travels botocore's HTTP path unsigned, where ``before-send`` answers it and each
retry botocore makes is dispatched afresh (:func:`divert`, :func:`on_before_send`), so the
client's own retry handler, backoff and (adaptive) rate limiter do what they do on AWS.
"""

from __future__ import annotations

import importlib
import json
import threading
import uuid
from typing import TYPE_CHECKING, Any

import botocore
from botocore.awsrequest import AWSResponse

from ..errors import BatchError, InjectedError, ServerError
from ..model.faults import ERROR_STATUS, FaultPlan

if TYPE_CHECKING:
    from .dispatcher import Dispatcher

_TOKEN = "x-fakebatch-fault"  # the request header naming a diverted call
_UNSIGNED = "fakebatch_unsigned"  # the request context's note: the fake answers it, unsigned
_URL = "https://fakebatch.invalid/"
_HEADERS = {"content-type": "application/json", "x-amzn-requestid": "fakebatch"}
_STOPPED = "The fake that answered this request is no longer active"


def refuse(plan: FaultPlan, operation: str, now: int, lock: threading.RLock) -> None:
    """Raise the injected error this call is answered with, if a fault refuses it."""
    with lock:
        rule = plan.refuse(operation, now)
    if rule is not None:
        raise InjectedError(rule.code, ERROR_STATUS[rule.code], rule.message)


def hide(plan: FaultPlan, operation: str, answer: dict[str, Any], now: int) -> dict[str, Any]:
    """The answer with jobs submitted less than the lag ago left out of DescribeJobs and
    ListJobs (as if AWS had not caught up yet); SubmitJob's job starts its lag."""
    if operation == "SubmitJob" and "jobId" in answer:
        plan.submitted(answer["jobId"], now)
        plan.rearm()
    elif operation == "DescribeJobs" and plan.hidden:
        answer["jobs"] = [job for job in answer.get("jobs", []) if not plan.invisible(job["jobId"], now)]
    elif operation == "ListJobs" and plan.hidden:
        answer["jobSummaryList"] = [
            job for job in answer.get("jobSummaryList", []) if not plan.invisible(job["jobId"], now)
        ]
    if plan.hidden:
        plan.forget_visible(now)
    return answer


# -- the botocore hook's path for refused calls ------------------------------------------


class _Diverted:
    """A call refused in ``before-call``: the error its first send is answered with, and what
    its retries are dispatched with."""

    def __init__(self, error: InjectedError, service: str, operation: str, region: str, body: Any, aio: bool):
        self.error: InjectedError | None = error
        self.service, self.operation, self.region = service, operation, region
        self.body = json.dumps(body)
        self.aio = aio


_diverted: dict[str, _Diverted] = {}
_lock = threading.Lock()


def divert(
    params: dict[str, Any],
    error: InjectedError,
    service: str,
    operation: str,
    region: str,
    body: Any,
    signer: Any,
) -> bool:
    """Leave a refused call to botocore's HTTP path (its retries see the error); whether it
    could be (a request without headers or context stays answered in ``before-call``)."""
    headers, context = params.get("headers"), params.get("context")
    if not isinstance(headers, dict) or not isinstance(context, dict):
        return False
    aio = type(signer).__module__.startswith("aiobotocore")
    token = f"{'aio' if aio else 'sync'}-{uuid.uuid4().hex}"
    with _lock:
        _diverted[token] = _Diverted(error, service, operation, region, body, aio)
    headers[_TOKEN] = token
    context[_UNSIGNED] = True
    return True


def forget() -> None:
    """The fake stopped: no diverted call is answered any more."""
    with _lock:
        _diverted.clear()


def on_choose_signer(context: dict[str, Any] | None = None, **_: Any) -> Any:
    """botocore's choose-signer: a diverted call is not signed (no credentials needed)."""
    if context and context.get(_UNSIGNED):
        return botocore.UNSIGNED
    return None


def on_before_send(request: Any, **_: Any) -> Any:
    """botocore's before-send: a diverted call's answer, its refusal first, then the fake's
    answer to each retry; None for any other request."""
    token = request.headers.get(_TOKEN)
    if token is None:
        return None
    from .hook import active

    token = token.decode() if isinstance(token, bytes) else token
    with _lock:
        call = _diverted.get(token)
    fake: Dispatcher | None = active()
    if call is None or fake is None:  # never to the network: the fake that refused it stopped
        gone = ServerError(f"{_STOPPED} (pytest-fakebatch stopped before botocore retried the call)")
        return _error_response(gone, token.startswith("aio-"))
    error: BatchError | None = call.error
    call.error = None
    if error is None:
        try:
            answer = fake.dispatch(call.service, call.operation, call.region, json.loads(call.body))
        except BatchError as failure:
            error = failure
        else:
            return _response(200, _HEADERS, json.dumps(answer).encode(), call.aio)
    return _error_response(error, call.aio)


def _error_response(error: BatchError, aio: bool) -> Any:
    headers = {**_HEADERS, "x-amzn-ErrorType": error.code}
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    return _response(error.status, headers, body, aio)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body

    async def read(self) -> bytes:
        return self.body


def _response(status: int, headers: dict[str, str], body: bytes, aio: bool) -> Any:
    if aio:
        aio_response = importlib.import_module("aiobotocore.awsrequest").AioAWSResponse  # the async extra
        return aio_response(_URL, status, headers, _Raw(body))
    return AWSResponse(_URL, status, headers, _Raw(body))


HANDLERS = [
    ("choose-signer.batch", on_choose_signer),
    ("before-send.batch", on_before_send),
]
