"""Who the HTTP mode answers: SigV4 signed with the fake's credentials, never a browser."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import pytest
from botocore.credentials import ReadOnlyCredentials
from raw_http import send
from test_server import run_client

from pytest_fakebatch import FakeBatch

PRIVILEGED = {
    "jobDefinitionName": "root",
    "type": "container",
    "containerProperties": {
        "image": "busybox",
        "vcpus": 1,
        "memory": 128,
        "privileged": True,
        "volumes": [{"name": "host", "host": {"sourcePath": "/"}}],
        "mountPoints": [{"sourceVolume": "host", "containerPath": "/host"}],
    },
}


def test_a_cross_site_browser_request_creates_nothing(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve(verify_signatures=False)  # even with signatures off

    answer = send(
        url,
        "POST",
        "/v1/registerjobdefinition",
        json.dumps(PRIVILEGED),
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )

    assert answer.status == 403
    assert answer.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert "Origin: http://evil.example" in answer.json()["message"]
    assert fake_batch.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Host": "evil.example:80"},  # a DNS-rebinding page names its own host
    ],
    ids=["origin", "text-plain", "form", "rebinding-host"],
)
def test_browser_style_requests_are_refused_even_when_signed(
    fake_batch: FakeBatch, headers: dict[str, str]
) -> None:
    url = fake_batch.serve()

    answer = send(
        url,
        "POST",
        "/v1/registerjobdefinition",
        PRIVILEGED,
        credentials=fake_batch.credentials,
        headers=headers,
    )

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "AccessDeniedException")
    assert fake_batch.calls == []


def test_real_clients_get_aws_errors_for_missing_or_wrong_credentials(fake_batch: FakeBatch) -> None:
    codes = run_client(
        fake_batch,
        """
        import os
        from botocore import UNSIGNED
        from botocore.config import Config
        from botocore.exceptions import ClientError

        def code(service, **how):
            client = boto3.client(service, **how)
            try:
                if service == "batch":
                    client.describe_job_queues()
                else:
                    client.get_log_events(logGroupName="/aws/batch/job", logStreamName="s")
            except ClientError as error:
                return [error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]]

        wrong_secret = {"aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": "no"}
        wrong_key = {"aws_access_key_id": "AKIAUNKNOWN", "aws_secret_access_key": "x"}
        unsigned = {"config": Config(signature_version=UNSIGNED)}
        print(json.dumps({
            f"{service} {name}": code(service, **how)
            for service in ("batch", "logs")
            for name, how in [("wrong secret", wrong_secret), ("wrong key", wrong_key), ("none", unsigned)]
        }))
        """,
    )

    assert codes == {
        "batch wrong secret": ["InvalidSignatureException", 403],
        "batch wrong key": ["UnrecognizedClientException", 403],
        "batch none": ["MissingAuthenticationTokenException", 403],
        "logs wrong secret": ["InvalidSignatureException", 403],
        "logs wrong key": ["UnrecognizedClientException", 403],
        "logs none": ["MissingAuthenticationTokenException", 403],
    }
    assert fake_batch.calls == []


def test_errors_travel_in_each_service_protocol(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    wrong = ReadOnlyCredentials(fake_batch.credentials.access_key, "wrong", None)

    batch = send(url, "POST", "/v1/describejobqueues", {}, credentials=wrong)
    logs = send(url, "POST", "GetLogEvents", {"logGroupName": "g"}, credentials=wrong, service="logs")

    assert batch.headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert batch.json() == {
        "message": "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    }
    assert logs.json()["__type"] == "InvalidSignatureException"
    assert logs.json()["message"] == batch.json()["message"]


@pytest.mark.aws_doc(
    "API: Common Parameters",
    "The credential scope value, which is a string that includes your access key, the date, "
    "the region you are targeting, the service you are requesting, and a termination string",
    family="HTTP mode and signatures",
    ops=("DescribeJobQueues",),
)
def test_a_request_scoped_to_another_service_is_refused(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()

    answer = send(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, signing_name="logs"
    )

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert "Credential should be scoped to correct service: 'batch'" in answer.json()["message"]


def test_an_incomplete_authorization_header_is_refused(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    scope = f"{fake_batch.credentials.access_key}/20260101/eu-west-1/batch/aws4_request"

    answer = send(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        headers={
            "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}",
            "X-Amz-Date": "20260101T000000Z",
        },
    )

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "IncompleteSignatureException")
    assert answer.json()["message"].startswith(
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires 'Signature' parameter."
    )


def test_a_body_other_than_the_one_hashed_is_refused(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    claimed = hashlib.sha256(b"{}").hexdigest()  # signed over this hash, sent with another body

    answer = send(
        url,
        "POST",
        "/v1/registerjobdefinition",
        PRIVILEGED,
        credentials=fake_batch.credentials,
        headers={"X-Amz-Content-SHA256": claimed},
    )

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert fake_batch.calls == []


@pytest.mark.parametrize(("minutes", "word"), [(-16, "expired"), (16, "not yet current")])
def test_signatures_more_than_15_minutes_off_the_wall_clock_are_refused(
    fake_batch: FakeBatch, minutes: int, word: str
) -> None:
    url = fake_batch.serve()
    then = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(
        minutes=minutes
    )
    answer = send(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, signed_at=then
    )

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (400, "InvalidSignatureException")
    assert f"Signature {word}: {then:%Y%m%dT%H%M%SZ}" in answer.json()["message"]


def test_fourteen_minutes_off_is_still_accepted(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()
    then = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=14)
    answer = send(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, signed_at=then
    )

    assert answer.status == 200


def test_the_opt_out_accepts_any_signature_but_still_refuses_browsers(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve(verify_signatures=False)
    stranger = ReadOnlyCredentials("AKIASTRANGER", "whatever", None)

    unsigned = send(url, "POST", "/v1/describejobqueues", {})
    foreign: Any = send(url, "POST", "/v1/describejobqueues", {}, credentials=stranger, region="ap-south-1")
    browser = send(url, "POST", "/v1/describejobqueues", {}, headers={"Origin": "http://localhost:3000"})

    assert (unsigned.status, foreign.status, browser.status) == (200, 200, 403)
    assert [c.region for c in fake_batch.calls] == ["us-east-1", "ap-south-1"]


def test_serve_keeps_one_signature_setting(fake_batch: FakeBatch) -> None:
    fake_batch.serve(verify_signatures=False)

    fake_batch.environ()  # reuses the running server as it is
    with pytest.raises(RuntimeError, match="verify_signatures=False"):
        fake_batch.serve()


def _post(url: str, path: str, data: bytes, headers: dict[str, str]) -> Any:
    """Send exactly these bytes and headers (what a hand-made attack would)."""
    import http.client
    from urllib.parse import urlsplit

    from raw_http import read

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request("POST", path, body=data, headers=headers)
        return read(connection)
    finally:
        connection.close()


@pytest.mark.aws_doc(
    "IAM: Create a signed AWS API request",
    "only the host and any x-amz-* headers are required",
    family="HTTP mode and signatures",
    ops=("DescribeLogStreams",),
)
def test_a_logs_operation_must_be_signed_not_added_after_signing(fake_batch: FakeBatch) -> None:
    from raw_http import LOGS_TARGET, prepare

    url = fake_batch.serve()
    body = {"logGroupName": "/aws/batch/job"}
    # signed without any X-Amz-Target (as if captured from another request), the target added after
    path, data, headers = prepare(
        url,
        "POST",
        "/",
        body,
        credentials=fake_batch.credentials,
        signing_name="logs",
        headers={"Content-Type": "application/x-amz-json-1.1"},
    )
    headers["X-Amz-Target"] = LOGS_TARGET + "DescribeLogStreams"

    answer = _post(url, path, data, headers)

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert "x-amz-target" in answer.json()["message"]
    assert fake_batch.calls == []


@pytest.mark.parametrize("where", ["access key", "signature"])
def test_non_ascii_credentials_are_refused_like_any_wrong_ones(fake_batch: FakeBatch, where: str) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials
    )
    authorization = headers["Authorization"]
    if where == "access key":
        authorization = authorization.replace("Credential=", "Credential=\u00e9", 1)
    else:
        authorization = authorization.replace("Signature=", "Signature=\u00e9", 1)
    headers["Authorization"] = authorization

    answer = _post(url, path, data, headers)  # http.client sends header values as latin-1

    assert answer.status == 403
    assert answer.headers["x-amzn-errortype"] in ("UnrecognizedClientException", "InvalidSignatureException")


# -- what AWS accepts: any header in SignedHeaders, Date for X-Amz-Date --------------------------

SIGNATURES = "HTTP mode and signatures"
JAVA_1X_HEADERS = {  # what the AWS SDK for Java 1.x sends (and signs, every one) for Batch
    "Content-Type": "application/json",
    "User-Agent": "aws-sdk-java/1.12.780 Linux/6.1 OpenJDK_64-Bit_Server_VM/17.0.12+7 java/17.0.12 "
    "vendor/Eclipse_Adoptium cfg/retry-mode/legacy",
    "amz-sdk-invocation-id": "8d5b6c1e-3f44-4a2c-9a3e-0c6c2b1d9f10",
    "amz-sdk-retry": "0/0/500",
}


def _send_exactly(url: str, path: str, data: bytes, headers: dict[str, str], method: str = "POST") -> Any:
    """Send exactly these bytes and headers (http.client adds only what is missing)."""
    import http.client
    from urllib.parse import urlsplit

    from raw_http import read

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, path, body=data, headers=headers)
        return read(connection)
    finally:
        connection.close()


@pytest.mark.aws_doc(
    "IAM: Create a signed AWS API request",
    "only the host and any x-amz-* headers are required; however, in order to prevent data tampering, "
    "you should consider including additional headers in the signature calculation.",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_a_request_signed_as_java_1x_signs_it_user_agent_included_is_answered(
    fake_batch: FakeBatch, queue: str
) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    signed = ["host", "x-amz-date", "content-length", *(name.lower() for name in JAVA_1X_HEADERS)]
    path, data, headers = prepare(
        url,
        "POST",
        "/v1/describejobqueues",
        b"{}",
        credentials=fake_batch.credentials,
        headers={**JAVA_1X_HEADERS, "Content-Length": "2"},
        signed_headers=signed,
    )
    assert "user-agent" in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]

    answer = _send_exactly(url, path, data, headers)
    tampered = _send_exactly(url, path, data, {**headers, "User-Agent": "aws-sdk-java/1.12.781"})

    assert answer.status == 200, answer.body
    assert [q["jobQueueName"] for q in answer.json()["jobQueues"]] == [queue]
    assert (tampered.status, tampered.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")


@pytest.mark.aws_doc(
    "SDK: aws-sdk-js v2 lib/signers/v4.js",
    "unsignableHeaders: ['authorization', 'content-type', 'content-length', 'user-agent', ...]",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_a_request_whose_content_type_is_unsigned_is_answered(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()

    answer = send(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        signed_headers=["host", "x-amz-date"],  # as the JavaScript SDK v2 signs: no content-type
    )

    assert (answer.status, answer.json()) == (200, {"jobQueues": []})


@pytest.mark.aws_doc(
    "IAM: Create a signed AWS API request",
    "only the host and any x-amz-* headers are required",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
@pytest.mark.parametrize(
    ("signed", "missing"),
    [(["x-amz-date", "content-type"], "host"), (["host", "content-type"], "x-amz-date")],
    ids=["host", "x-amz-date"],
)
def test_host_and_every_x_amz_header_must_be_signed(
    fake_batch: FakeBatch, signed: list[str], missing: str
) -> None:
    url = fake_batch.serve()

    answer = send(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, signed_headers=signed
    )

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert answer.json()["message"] == f"The request's SignedHeaders must include {missing}."
    assert fake_batch.calls == []


@pytest.mark.aws_doc(
    "IAM: Elements of an AWS API request signature",
    "The date that you specify in the credential scope must match the date of your request.",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_the_credential_scope_date_must_match_the_request_date(fake_batch: FakeBatch) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials
    )
    stamp = headers["X-Amz-Date"]
    scope = headers["Authorization"].split("Credential=")[1].split("/")[1]
    assert scope == stamp[:8]
    other_day = "20200101" if scope != "20200101" else "20200102"
    headers["Authorization"] = headers["Authorization"].replace(f"/{scope}/", f"/{other_day}/", 1)

    answer = _send_exactly(url, path, data, headers)

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert answer.json()["message"] == (
        f"Credential should be scoped to a valid date: '{scope}', not '{other_day}'."
    )
    assert fake_batch.calls == []


@pytest.mark.aws_doc(
    "API: Common Parameters",
    "If the Date header is specified in the ISO 8601 basic format, X-Amz-Date is not required.",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_a_date_header_in_iso_8601_basic_format_serves_as_x_amz_date(fake_batch: FakeBatch) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    path, data, headers = prepare(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        signed_headers=["host", "date", "content-type"],
        iso_date=True,
    )
    assert "X-Amz-Date" not in headers
    assert len(headers["Date"]) == len("20260101T000000Z")
    assert headers["Date"].endswith("Z")

    answer = _send_exactly(url, path, data, headers)

    assert (answer.status, answer.json()) == (200, {"jobQueues": []})


@pytest.mark.aws_doc(
    "SDK: botocore auth.py SigV4Auth._set_necessary_date_headers",
    "If there's a Date header, we use the date header.  Otherwise we use the X-Amz-Date header.",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_a_date_header_as_botocore_writes_it_serves_as_x_amz_date(fake_batch: FakeBatch) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    # given a Date, botocore's signer dates the request with it, in HTTP's own format
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials, headers={"Date": "-"}
    )
    assert "X-Amz-Date" not in headers
    assert headers["Date"].endswith(" -0000")

    answer = _send_exactly(url, path, data, headers)

    assert (answer.status, answer.json()) == (200, {"jobQueues": []})


@pytest.mark.aws_doc(
    "API: Common Parameters",
    "When X-Amz-Date is used, it always overrides the value of the Date header.",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_x_amz_date_overrides_the_date_header(fake_batch: FakeBatch) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    path, data, headers = prepare(
        url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials
    )

    answer = _send_exactly(url, path, data, {**headers, "Date": "Thu, 01 Jan 1970 00:00:00 GMT"})

    assert answer.status == 200


@pytest.mark.aws_doc(
    "API: Common Parameters",
    "The format must be ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z').",
    family=SIGNATURES,
    ops=("DescribeJobQueues",),
)
def test_a_date_in_neither_format_is_refused(fake_batch: FakeBatch) -> None:
    from raw_http import prepare

    url = fake_batch.serve()
    path, data, headers = prepare(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        signed_headers=["host", "date", "content-type"],
        iso_date=True,
    )
    headers["Date"] = "2026-01-01T00:00:00Z"  # ISO 8601, but not its basic format

    answer = _send_exactly(url, path, data, headers)

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "IncompleteSignatureException")
    assert answer.json()["message"] == "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'."


# -- browsers, with signatures off --------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "no-cors")],
    ids=["sec-fetch-site", "sec-fetch-mode"],
)
def test_with_signatures_off_a_browsers_fetch_metadata_is_refused(
    fake_batch: FakeBatch, header: tuple[str, str]
) -> None:
    import boto3

    batch = boto3.client("batch", region_name="us-east-1")  # unsigned requests are answered there
    arn = batch.create_scheduling_policy(name="p", tags={"team": "etl"})["arn"]
    url = fake_batch.serve(verify_signatures=False)
    calls = len(fake_batch.calls)
    path = "/v1/tags/" + arn.replace(":", "%3A").replace("/", "%2F")

    answer = _send_exactly(url, path, b"", dict([header]), method="GET")  # a simple GET: no preflight

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (403, "AccessDeniedException")
    assert answer.json()["message"] == (
        f"pytest-fakebatch does not answer browser requests ({header[0]}: {header[1]}): "
        "with verify_signatures=False only clients outside a browser are answered; "
        "sign the request with the fake's credentials and serve() with signatures verified"
    )
    assert len(fake_batch.calls) == calls
    assert _send_exactly(url, path, b"", {}, method="GET").json() == {"tags": {"team": "etl"}}


def test_a_signed_request_with_fetch_metadata_is_answered(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve()  # the signature proves the fake's key: where it was sent from is moot

    answer = send(
        url,
        "POST",
        "/v1/describejobqueues",
        {},
        credentials=fake_batch.credentials,
        headers={"Sec-Fetch-Mode": "cors"},
        signed_headers=["host", "x-amz-date", "content-type"],  # sec-* are never signed by SDK v3
    )

    assert answer.status == 200


# -- what the HTTP layer cannot read ----------------------------------------------------------


@pytest.mark.parametrize("verify", [True, False], ids=["verified", "not-verified"])
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("[", "the request target must be a path (/v1/...), not '['"),
        ("*", "the request target must be a path (/v1/...), not '*'"),
        (
            "http://[/v1/describejobqueues",
            "the request target 'http://[/v1/describejobqueues' is not a valid URL path",
        ),
        ("/v1/describe jobqueues", "Bad request syntax ('POST /v1/describe jobqueues HTTP/1.1')"),
    ],
    ids=["bracket", "asterisk", "absolute-bad-host", "space"],
)
def test_a_malformed_request_is_answered_400_in_aws_json(
    fake_batch: FakeBatch, verify: bool, target: str, message: str
) -> None:
    import socket
    from urllib.parse import urlsplit

    from raw_http import prepare

    url = fake_batch.serve(verify_signatures=verify)
    _, data, headers = prepare(url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", urlsplit(url).port or 0), timeout=30) as client:
        client.sendall(
            f"POST {target} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n{head}"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        answer = b""
        while chunk := client.recv(4096):  # the server closes the connection after its answer
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    head_block, _, body = rest.partition(b"\r\n\r\n")

    assert status_line.split(b" ")[:2] == [b"HTTP/1.1", b"400"]
    assert b"x-amzn-ErrorType: ClientException" in head_block.split(b"\r\n")
    assert json.loads(body) == {"message": f"pytest-fakebatch cannot read this request: {message}"}
    assert fake_batch.calls == []
