"""No trace after the fake ends: a later test behaves as if the plugin were not installed."""

from __future__ import annotations

import os

import pytest

from pytest_fakebatch import FakeBatch

NO_CREDENTIALS_ANYWHERE = """
import os
import socket

import pytest


@pytest.fixture
def no_aws(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
"""

TESTS = """
import os
import socket

import boto3
import pytest
from botocore.exceptions import NoCredentialsError


def test_a_uses_the_fake(no_aws, monkeypatch, fake_batch):
    # the instance metadata service, as botocore would ask it: a listener that records callers
    imds = socket.create_server(("127.0.0.1", 0))
    imds.setblocking(False)
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{imds.getsockname()[1]}")

    batch = boto3.client("batch", region_name="eu-west-1")  # the default session

    assert batch.describe_job_queues()["jobQueues"] == []
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    with pytest.raises(BlockingIOError):
        imds.accept()  # nobody asked the network for credentials
    imds.close()


def test_b_runs_after_it_without_the_fake(no_aws, monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BATCH", "http://127.0.0.1:9")  # refused at once, were it tried
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert "AWS_ACCESS_KEY_ID" not in os.environ

    batch = boto3.client("batch", region_name="eu-west-1")  # the same default session as test A

    with pytest.raises(NoCredentialsError):
        batch.describe_job_queues()
"""


def test_nothing_the_fake_set_reaches_a_later_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(NO_CREDENTIALS_ANYWHERE)
    pytester.makepyfile(test_order=TESTS)

    result = pytester.runpytest_subprocess("-p", "pytest_fakebatch", "-p", "no:randomly")

    result.assert_outcomes(passed=2)


def test_with_fakebatch_leaves_the_environment_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    before = dict(os.environ)

    with FakeBatch() as fake:
        fake.environ()  # the server's variables are handed out, not set here
        during = dict(os.environ)

    assert during == before
    assert dict(os.environ) == before
