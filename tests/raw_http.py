"""Raw HTTP requests to the fake's server (``fake.serve()``), signed or not, for tests of the
HTTP mode: in this process every botocore client is answered by the hook, so requests that
must travel over HTTP are built and signed here with botocore's own SigV4 signer."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import types
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import ReadOnlyCredentials

SIGNING_NAMES = {"batch": "batch", "logs": "logs"}
LOGS_TARGET = "Logs_20140328."


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@contextlib.contextmanager
def _signing_clock(at: datetime.datetime | None) -> Iterator[None]:
    """botocore's signer reads the time at ``at`` (newer releases ask get_current_datetime,
    older ones datetime.datetime.utcnow)."""
    if at is None:
        yield
    elif hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=at):
            yield
    else:
        moment = at

        class Pinned(datetime.datetime):
            @classmethod
            def utcnow(cls) -> Pinned:
                return cls.combine(moment.date(), moment.time())

        shim = types.SimpleNamespace(**vars(datetime))
        shim.datetime = Pinned
        with mock.patch.object(botocore.auth, "datetime", shim):
            yield


class ChosenHeaders(SigV4Auth):  # type: ignore[misc]  # botocore ships no types
    """botocore's SigV4 signer, signing exactly the headers named in ``signed`` (botocore's own
    choice leaves user-agent out; the AWS SDK for Java 1.x signs it, the JavaScript SDK v2
    leaves content-type out). With ``iso_date``, the time travels in a ``Date`` header in ISO
    8601 basic format instead of ``X-Amz-Date``."""

    def __init__(self, *args: Any, signed: Collection[str], iso_date: bool = False) -> None:
        super().__init__(*args)
        self._signed = {name.lower() for name in signed}
        self._iso_date = iso_date

    def _set_necessary_date_headers(self, request: AWSRequest) -> None:
        if not self._iso_date:
            super()._set_necessary_date_headers(request)
            return
        for name in ("Date", "X-Amz-Date"):
            if name in request.headers:
                del request.headers[name]
        request.headers["Date"] = request.context["timestamp"]

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                chosen[name.lower()] = value
        if "host" in self._signed and "host" not in chosen:
            chosen["host"] = urlsplit(request.url).netloc
        return chosen


def prepare(
    url: str,
    method: str,
    path: str,
    body: bytes | str | dict[str, Any] | None = None,
    *,
    credentials: ReadOnlyCredentials | None = None,
    region: str = "eu-west-1",
    service: str = "batch",
    signing_name: str | None = None,
    headers: dict[str, str] | None = None,
    signed_at: datetime.datetime | None = None,
    signed_headers: Collection[str] | None = None,
    iso_date: bool = False,
) -> tuple[str, bytes, dict[str, str]]:
    """The path, body and headers of one request (see :func:`send`), signed when
    ``credentials`` are given (with ``signing_name``, the service's own by default), at
    ``signed_at`` (naive UTC; now by default), over botocore's choice of headers or exactly
    ``signed_headers`` (then ``iso_date`` dates it with ``Date`` instead of ``X-Amz-Date``)."""
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else (body or b"")
    sent_headers = {"Content-Type": "application/json"}
    if service == "logs":
        sent_headers.update(
            {"X-Amz-Target": LOGS_TARGET + path, "Content-Type": "application/x-amz-json-1.1"}
        )
        path = "/"
    sent_headers.update(headers or {})
    if credentials is not None:
        request = AWSRequest(method=method, url=url + path, data=data, headers=sent_headers)
        how_to_sign = (credentials, signing_name or SIGNING_NAMES[service], region)
        signer = (
            SigV4Auth(*how_to_sign)
            if signed_headers is None
            else ChosenHeaders(*how_to_sign, signed=signed_headers, iso_date=iso_date)
        )
        with _signing_clock(signed_at):
            signer.add_auth(request)
        sent_headers = dict(request.headers.items())
    return path, data, sent_headers


def send(
    url: str,
    method: str,
    path: str,
    body: bytes | str | dict[str, Any] | None = None,
    *,
    timeout: float = 30,
    **how: Any,
) -> Answer:
    """One request to the server at ``url``; signed with SigV4 when ``credentials`` are given.

    A dict body is sent as JSON; ``service="logs"`` posts ``X-Amz-Target: Logs_20140328.<path>``
    to ``/`` (give the operation name as ``path``). ``how`` is :func:`prepare`'s keywords."""
    path, data, sent_headers = prepare(url, method, path, body, **how)
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=sent_headers)
        return read(connection)
    finally:
        connection.close()


def read(connection: http.client.HTTPConnection) -> Answer:
    response = connection.getresponse()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
