"""Requests too deep or too big are refused before anything reads them, on both front ends: over
the hook, before botocore serializes (and recurses through) a client's parameters; over HTTP,
before the body is parsed. A refused request is never recorded in ``fake.calls``."""

from __future__ import annotations

import json
import sys
from typing import Any

import boto3
import pytest
from botocore.config import Config
from raw_http import send

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"  # the region of the conftest fixtures
FUZZ_DEPTH = 985  # the depth the fuzzer found: RecursionError inside botocore, the call recorded


def loose() -> Any:
    """A client whose own validation is off: whatever it is given reaches botocore's serializer."""
    return boto3.client("batch", region_name=REGION, config=Config(parameter_validation=False))


def nested(depth: int, leaf: Any = "team") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def deep_in_the_stack(call: Any, frames: int) -> Any:
    """``call()`` from ``frames`` frames further down the stack (as when a fuzzer or a framework
    makes it): botocore's serializer then has that much less room to recurse in."""
    if frames:
        return deep_in_the_stack(call, frames - 1)
    return call()


@pytest.fixture
def policy(batch: Any) -> str:
    """A scheduling policy tagged {"team": "etl"}; its ARN."""
    arn: str = batch.create_scheduling_policy(name="p", tags={"team": "etl"})["arn"]
    return arn


@pytest.mark.parametrize("frames", [0, 200], ids=["test-level", "deep-stack"])
def test_untag_keys_nested_985_deep_are_refused_before_botocore_serializes_them(
    fake_batch: FakeBatch, batch: Any, policy: str, frames: int
) -> None:
    calls = len(fake_batch.calls)
    client = loose()

    with pytest.raises(client.exceptions.ClientException) as refused:
        deep_in_the_stack(
            lambda: client.untag_resource(resourceArn=policy, tagKeys=nested(FUZZ_DEPTH)), frames
        )

    assert refused.value.response["Error"]["Message"] == (
        "UntagResource: tagKeys is nested deeper than 64 levels; "
        "it travels in the query string and takes a string or a list of strings"
    )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(fake_batch.calls) == calls  # nothing recorded
    assert batch.list_tags_for_resource(resourceArn=policy)["tags"] == {"team": "etl"}


def test_the_refusal_leaves_the_callers_values_as_they_were(fake_batch: FakeBatch, policy: str) -> None:
    keys = nested(100)
    client = loose()

    with pytest.raises(client.exceptions.ClientException):
        client.untag_resource(resourceArn=policy, tagKeys=keys)

    assert keys == nested(100)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda c: c.submit_job(
                jobName="j", jobQueue="q", jobDefinition="work", containerOverrides={"command": nested(500)}
            ),
            "SubmitJob: the request body is nested deeper than 64 levels",
            id="body-member",
        ),
        pytest.param(
            lambda c: c.list_tags_for_resource(resourceArn=nested(70, "arn")),
            "ListTagsForResource: resourceArn is nested deeper than 64 levels; "
            "it travels in the request's path and takes a string",
            id="path-member",
        ),
        pytest.param(
            lambda c: c.untag_resource(resourceArn="arn", tagKeys=["k" * 1000] * 2000),
            "UntagResource: the request is over the limit of 1048576 bytes",
            id="query-over-1-mib",
        ),
    ],
)
def test_too_deep_or_too_big_anywhere_is_refused_unrecorded(
    fake_batch: FakeBatch, call: Any, message: str
) -> None:
    client = loose()

    with pytest.raises(client.exceptions.ClientException) as refused:
        call(client)

    assert refused.value.response["Error"]["Message"] == message
    assert fake_batch.calls == []


def test_a_list_that_holds_itself_is_refused(fake_batch: FakeBatch) -> None:
    keys: list[Any] = ["team"]
    keys.append(keys)
    client = loose()

    with pytest.raises(client.exceptions.ClientException, match="tagKeys is nested deeper than 64 levels"):
        client.untag_resource(resourceArn="arn", tagKeys=keys)

    assert fake_batch.calls == []


def test_with_validation_on_the_same_depth_is_refused_before_botocore_recurses(
    fake_batch: FakeBatch, batch: Any, policy: str
) -> None:
    # botocore's validator would write the value into its message, and its repr recurses
    calls = len(fake_batch.calls)
    limit = sys.getrecursionlimit()

    with pytest.raises(batch.exceptions.ClientException, match="nested deeper than 64 levels"):
        batch.untag_resource(resourceArn=policy, tagKeys=nested(limit))

    assert len(fake_batch.calls) == calls


def test_shallow_bad_values_still_reach_the_fakes_validation_and_are_recorded(
    fake_batch: FakeBatch, policy: str
) -> None:
    client = loose()

    with pytest.raises(client.exceptions.ClientException, match=r"tagKeys\[0\] must be a string, got a list"):
        client.untag_resource(resourceArn=policy, tagKeys=nested(3))

    assert [(c.operation, c.error) for c in fake_batch.calls][-1] == ("UntagResource", "ClientException")


def test_over_http_a_body_nested_985_deep_is_refused_unparsed_and_unrecorded(
    fake_batch: FakeBatch, policy: str
) -> None:
    url = fake_batch.serve()
    calls = len(fake_batch.calls)
    path = "/v1/tags/" + policy.replace(":", "%3A").replace("/", "%2F")
    body = '{"tagKeys": ' + "[" * FUZZ_DEPTH + '"team"' + "]" * FUZZ_DEPTH + "}"

    answer = send(url, "DELETE", path + "?tagKeys=team", body, credentials=fake_batch.credentials)

    assert (answer.status, answer.headers["x-amzn-errortype"]) == (400, "ClientException")
    assert answer.json() == {"message": "the request body is nested deeper than 64 levels"}
    assert len(fake_batch.calls) == calls


@pytest.mark.parametrize("verify", [True, False], ids=["verified", "not-verified"])
def test_over_http_a_chunked_body_over_the_limit_is_refused_not_cut_and_parsed(
    fake_batch: FakeBatch, verify: bool
) -> None:
    import socket
    from urllib.parse import urlsplit

    from raw_http import prepare

    url = fake_batch.serve(verify_signatures=verify)
    # valid JSON whose first MiB is valid JSON too: a body cut at the limit would be read as {}
    body = b"{}" + b" " * (1024 * 1024)
    _, data, headers = prepare(url, "POST", "/v1/describejobqueues", body, credentials=fake_batch.credentials)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "content-length")
    pieces = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    with socket.create_connection(("127.0.0.1", urlsplit(url).port or 0), timeout=30) as client:
        client.sendall(
            f"POST /v1/describejobqueues HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n{head}"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
            + chunks
            + b"0\r\n\r\n"
        )
        client.shutdown(socket.SHUT_WR)  # all sent: the server reads to the end, answers, closes
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head_block, _, reply = answer.partition(b"\r\n\r\n")

    assert head_block.split(b" ")[1] == b"400"
    assert json.loads(reply) == {"message": "the request body is over the limit of 1048576 bytes"}
    assert fake_batch.calls == []
