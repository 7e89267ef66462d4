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
