"""HTTP mode: each refused request gets AWS's error code and the exact message saying why, and
every well-formed signature is accepted (a query string, a body hashed in a header, a host in
another time zone). Written to kill the mutants mutmut left alive in ``frontends/auth.py``."""

from __future__ import annotations

import datetime
import hashlib
import http.client
import re
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from raw_http import prepare, read

from pytest_fakebatch import FakeBatch

SIGNATURES = "HTTP mode and signatures"


def _send(url: str, path: str, data: bytes, headers: dict[str, str], method: str = "POST") -> Any:
    """Exactly these bytes and headers (http.client adds only Host and Content-Length)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, path, body=data, headers=headers)
        return read(connection)
    finally:
        connection.close()


def _error(answer: Any) -> tuple[int, str, str]:
    return answer.status, answer.headers["x-amzn-errortype"], answer.json()["message"]


def test_an_unsigned_request_is_missing_its_authentication_token(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()

    answer = _send(url, "/v1/describejobqueues", b"{}", {"Content-Type": "application/json"})

    assert _error(answer) == (403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def test_a_signed_request_without_any_date_is_incomplete(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials
    )
    del headers["X-Amz-Date"]

    answer = _send(url, path, data, headers)

    assert _error(answer) == (
        403,
        "IncompleteSignatureException",
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={headers['Authorization']}",
    )


def test_a_session_token_is_not_a_token_the_fake_issued(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    path, data, headers = prepare(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        headers={"X-Amz-Security-Token": "FwoGZXIvYXdzEXAMPLE"},
    )

    answer = _send(url, path, data, headers)

    assert _error(answer) == (
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_a_credential_scope_with_an_empty_region_is_incomplete(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    credential = f"{fake_batch.credentials.access_key}/20260101//batch/aws4_request"
    authorization = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=00"

    answer = _send(
        url,
        "/v1/describejobqueues",
        b"{}",
        {
            "Content-Type": "application/json",
            "Authorization": authorization,
            "X-Amz-Date": "20260101T000000Z",
        },
    )

    assert _error(answer) == (
        403,
        "IncompleteSignatureException",
        "Credential should be scoped to a valid region, a service and end with 'aws4_request'. "
        f"Credential={credential}",
    )


def test_another_signing_algorithm_is_incomplete(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    authorization = "AWS4-HMAC-SHA512 Credential=AKID/20260101/eu-west-1/batch/aws4_request"

    answer = _send(
        url,
        "/v1/describejobqueues",
        b"{}",
        {
            "Content-Type": "application/json",
            "Authorization": authorization,
            "X-Amz-Date": "20260101T000000Z",
        },
    )

    assert _error(answer) == (
        403,
        "IncompleteSignatureException",
        f"Authorization header requires the AWS4-HMAC-SHA256 algorithm. Authorization={authorization}",
    )


def test_a_body_hash_header_is_checked_against_the_body(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    right = hashlib.sha256(b"{}").hexdigest()
    wrong = hashlib.sha256(b"[]").hexdigest()

    answers = [
        _send(
            url,
            *prepare(
                url,
                "POST",
                "/v1/describejobqueues",
                {},
                credentials=fake_batch.credentials,
                headers={"X-Amz-Content-SHA256": claimed},
            )[:3],
        )
        for claimed in (right, wrong)
    ]

    assert (answers[0].status, answers[0].json()) == (200, {"jobQueues": []})
    assert _error(answers[1]) == (
        403,
        "InvalidSignatureException",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )


def test_every_unsigned_header_that_must_be_signed_is_named(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    path, data, headers = prepare(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        headers={"X-Amz-Meta-Run": "nightly"},
        signed_headers=["x-amz-date", "content-type"],
    )

    answer = _send(url, path, data, headers)

    assert _error(answer) == (
        403,
        "InvalidSignatureException",
        "The request's SignedHeaders must include host, x-amz-meta-run.",
    )
    assert fake_batch.calls == []


def test_a_header_listed_as_signed_must_be_sent(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    path, data, headers = prepare(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        headers={"X-Trace": "1"},
        signed_headers=["host", "x-amz-date", "x-trace"],
    )
    del headers["X-Trace"]

    answer = _send(url, path, data, headers)

    assert _error(answer) == (
        403,
        "InvalidSignatureException",
        "The request does not carry the signed header 'x-trace'.",
    )


@pytest.mark.parametrize(
    ("minutes", "word", "sign"),
    [(-16, "expired: {} is now earlier", "-"), (16, "not yet current: {} is still later", "+")],
)
def test_a_stale_signature_names_the_window_it_missed(
    fake_batch: FakeBatch, minutes: int, word: str, sign: str
) -> None:
    url = fake_batch.serve()
    then = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(
        minutes=minutes
    )
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, signed_at=then
    )

    status, code, message = _error(_send(url, path, data, headers))

    stamp = f"{then:%Y%m%dT%H%M%SZ}"
    found = re.fullmatch(
        rf"Signature {word.format(stamp)} than (\d{{8}}T\d{{6}}Z) \((\d{{8}}T\d{{6}}Z) \{sign} 15 min\.\)",
        message,
    )
    assert (status, code, found is not None) == (400, "InvalidSignatureException", True), message
    assert found is not None
    edge, now = (datetime.datetime.strptime(s, "%Y%m%dT%H%M%SZ") for s in found.groups())
    assert edge - now == datetime.timedelta(minutes=15 if sign == "+" else -15)


NO_SUCH_QUEUE = (
    "ListTagsForResource: resource 'arn:aws:batch:eu-west-1:123456789012:job-queue/none' does not exist "
    "or cannot be tagged in eu-west-1 for account 123456789012"
)


def _signed_with_query(url: str, fake_batch: FakeBatch, query: str, sent_query: str | None = None) -> Any:
    """A GET of the queue's tags, signed by botocore over ``query``, sent with ``sent_query``."""
    arn = "arn:aws:batch:eu-west-1:123456789012:job-queue/none"
    path = "/v1/tags/" + arn.replace(":", "%3A").replace("/", "%2F")
    request = AWSRequest(method="GET", url=f"{url}{path}?{query}", headers={})
    SigV4Auth(fake_batch.credentials, "batch", "eu-west-1").add_auth(request)
    return _send(url, f"{path}?{sent_query or query}", b"", dict(request.headers.items()), method="GET")


def test_a_signed_query_string_and_an_encoded_path_are_verified_as_sent(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()

    answer = _signed_with_query(url, fake_batch, "b=2&a=x%2Fy&a=x%20w&c=-_.~")

    assert _error(answer) == (400, "ClientException", NO_SUCH_QUEUE)  # answered: the signature held


def test_a_query_other_than_the_one_signed_is_refused(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()

    answer = _signed_with_query(url, fake_batch, "a=1&b=2", sent_query="a=1&b=3")

    assert _error(answer)[:2] == (403, "InvalidSignatureException")


def test_an_equals_sign_inside_a_query_value_belongs_to_the_value(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()

    answer = _signed_with_query(url, fake_batch, "k=v%3Dw", sent_query="k=v=w")

    assert _error(answer) == (400, "ClientException", NO_SUCH_QUEUE)  # answered: the signature held


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """The test process's local time zone set to UTC+05:30 (India), then restored."""
    import os

    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_a_date_header_as_botocore_writes_it_is_read_in_utc_whatever_the_local_zone(
    fake_batch: FakeBatch, far_from_utc: None
) -> None:
    url = fake_batch.serve()
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, headers={"Date": "-"}
    )
    assert headers["Date"].endswith(" -0000")

    answer = _send(url, path, data, headers)

    assert (answer.status, answer.json()) == (200, {"jobQueues": []})


def _raw(url: str, request: bytes) -> tuple[int, str]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def test_a_request_without_a_host_names_the_hosts_answered(fake_batch: FakeBatch) -> None:
    import json

    url = fake_batch.serve(verify_signatures=False)
    port = urlsplit(url).port

    status, body = _raw(
        url,
        b"POST /v1/describejobqueues HTTP/1.0\r\n"  # HTTP/1.0: no Host header is required
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    )

    assert (status, json.loads(body)["message"]) == (
        403,
        f"pytest-fakebatch answers for 127.0.0.1:{port} or localhost:{port} only, not Host: ''",
    )


def test_a_body_without_a_content_type_is_refused(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve(verify_signatures=False)

    answer = _send(url, "/v1/describejobqueues", b"{}", {})

    assert _error(answer) == (
        403,
        "AccessDeniedException",
        "pytest-fakebatch takes JSON bodies only (application/json, application/x-amz-json-1.0, "
        "application/x-amz-json-1.1), not Content-Type: None",
    )


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json; charset=utf-8", 200),
        ("application/json;charset=utf-8; boundary=x", 200),
        ("text/plain; charset=application/json", 403),
    ],
)
def test_content_type_parameters_do_not_change_the_media_type(
    fake_batch: FakeBatch, content_type: str, status: int
) -> None:
    url = fake_batch.serve(verify_signatures=False)

    answer = _send(url, "/v1/describejobqueues", b"{}", {"Content-Type": content_type})

    assert answer.status == status


def test_an_equals_sign_inside_the_signature_is_part_of_a_wrong_signature(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials
    )
    headers["Authorization"] += "=="  # base64-like padding: still a Signature, a wrong one

    answer = _send(url, path, data, headers)

    assert _error(answer) == (
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details.",
    )
