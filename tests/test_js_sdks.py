"""AWS's JavaScript SDKs, v2 (``aws-sdk``) and v3 (``@aws-sdk/client-batch``), drive a served fake
unchanged: each signs as it does for AWS (v2 leaves ``Content-Type`` unsigned, v3 signs its own
``amz-sdk-*`` headers), and each reads the fake's answers and errors as AWS's.

The scripts are in ``tests/js`` (``npm ci --prefix tests/js`` installs the SDKs; CI does). Where
node or the packages are missing, these tests skip and say so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pytest_fakebatch import FakeBatch

HERE = Path(__file__).parent / "js"
REGION = "eu-west-1"  # the region of the conftest fixtures
NODE = shutil.which("node")
PACKAGES = {"v2": "aws-sdk", "v3": "@aws-sdk/client-batch"}
SCRIPTS = {"v2": "v2.js", "v3": "v3.mjs"}
SIGNATURES = "HTTP mode and signatures"


def _missing(sdk: str) -> str | None:
    """Why the ``sdk`` script cannot run here, or None."""
    if NODE is None:
        return "node is not installed (CI installs it; see .ci/run)"
    if not (HERE / "node_modules" / PACKAGES[sdk] / "package.json").is_file():
        return f"{PACKAGES[sdk]} is not installed: npm ci --prefix tests/js"
    return None


def run_node(fake: FakeBatch, sdk: str) -> Any:
    """Run the ``sdk`` script against the fake's server with the variables of
    ``fake.environ()`` (and nothing of this machine's AWS configuration); its printed JSON."""
    reason = _missing(sdk)
    if reason is not None:
        pytest.skip(reason)
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env = {
        **keep,
        **fake.environ(REGION),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1",  # v2's notice, on stderr
    }
    done = subprocess.run(
        [str(NODE), SCRIPTS[sdk]],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.aws_doc(
    "SDK: aws-sdk-js v2 lib/signers/v4.js",
    "unsignableHeaders: ['authorization', 'content-type', 'content-length', 'user-agent', ...]",
    family=SIGNATURES,
    ops=("SubmitJob", "DescribeJobs", "ListJobs", "UntagResource", "ListTagsForResource"),
)
def test_the_javascript_sdk_v2_drives_a_served_fake(
    fake_batch: FakeBatch, queue: str, definition: str
) -> None:
    seen = run_node(fake_batch, "v2")

    assert seen == {
        "submitted": "from-js-v2",
        "status": "SUCCEEDED",
        "listed": ["from-js-v2"],
        "tags": {},
        "error": {
            "code": "ClientException",
            "statusCode": 400,
            "message": seen["error"]["message"],
        },
    }
    assert "job queue 'nope' does not exist in eu-west-1" in seen["error"]["message"]
    assert [(c.operation, c.error) for c in fake_batch.calls[-6:]] == [
        ("SubmitJob", None),
        ("DescribeJobs", None),
        ("ListJobs", None),
        ("UntagResource", None),
        ("ListTagsForResource", None),
        ("SubmitJob", "ClientException"),
    ]
    assert fake_batch.calls[-3].params["tagKeys"] == ["team", "a key with spaces"]


@pytest.mark.aws_doc(
    "SDK: aws-sdk-js-v3 @smithy/signature-v4",
    'ALWAYS_UNSIGNABLE_HEADERS = { authorization: true, ... "user-agent": true, "x-amzn-trace-id": true }',
    family=SIGNATURES,
    ops=("SubmitJob", "DescribeJobs", "ListJobs", "UntagResource", "ListTagsForResource"),
)
def test_the_javascript_sdk_v3_drives_a_served_fake(
    fake_batch: FakeBatch, queue: str, definition: str
) -> None:
    seen = run_node(fake_batch, "v3")

    assert seen == {
        "submitted": "from-js-v3",
        "status": "SUCCEEDED",
        "listed": ["from-js-v3"],
        "tags": {},
        "error": {
            "name": "ClientException",
            "modelled": True,
            "statusCode": 400,
            "message": seen["error"]["message"],
        },
    }
    assert "job queue 'nope' does not exist in eu-west-1" in seen["error"]["message"]
    assert [(c.operation, c.error) for c in fake_batch.calls[-6:]] == [
        ("SubmitJob", None),
        ("DescribeJobs", None),
        ("ListJobs", None),
        ("UntagResource", None),
        ("ListTagsForResource", None),
        ("SubmitJob", "ClientException"),
    ]
    assert fake_batch.calls[-3].params["tagKeys"] == ["team", "a key with spaces"]
