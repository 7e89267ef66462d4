"""The fake against botocore's Batch model: unimplemented operations, its own bugs, model-shaped answers."""

from __future__ import annotations

import sys
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.config import Config

from pytest_fakebatch import FakeBatch


def test_every_unimplemented_operation_answers_a_clear_client_exception(fake_batch: FakeBatch) -> None:
    missing = sorted(name for name, implemented in FakeBatch.operations().items() if not implemented)
    client = boto3.client("batch", region_name="eu-west-1", config=Config(parameter_validation=False))
    wrong: dict[str, str] = {}

    for operation in missing:
        try:
            getattr(client, xform_name(operation))()
        except client.exceptions.ClientException as error:
            message = error.response["Error"]["Message"]
            if operation not in message or "not implemented" not in message:
                wrong[operation] = message
        else:
            wrong[operation] = "no error"

    assert wrong == {}
    assert [c.error for c in fake_batch.calls] == ["ClientException"] * len(missing)


def test_operations_lists_every_batch_operation_of_botocore() -> None:
    operations = FakeBatch.operations()
    model = botocore.session.get_session().get_service_model("batch")

    assert set(operations) == set(model.operation_names)
    assert operations["SubmitJob"] is True
    assert operations["CreateComputeEnvironment"] is True


# -- bugs inside the fake, and answers shaped by the installed model ------------------------


def test_a_bug_inside_the_fake_is_a_server_exception(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_fakebatch.api.shared import router as _router

    def broken(call: object) -> dict[str, Any]:
        raise ZeroDivisionError("the fake divided by zero")

    monkeypatch.setitem(_router.BATCH, "DescribeJobQueues", broken)

    with pytest.raises(
        batch.exceptions.ServerException, match="ZeroDivisionError: the fake divided by zero"
    ) as info:
        batch.describe_job_queues()

    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert [(c.operation, c.error) for c in fake_batch.calls] == [("DescribeJobQueues", "ServerException")]


def test_answers_hold_only_what_botocore_would_parse(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_fakebatch.api.shared import router as _router
    from pytest_fakebatch.frontends import shapes

    def sloppy(call: object) -> dict[str, Any]:
        return {"jobQueues": [{"jobQueueName": "q", "notInTheModel": 1}]}

    monkeypatch.setitem(_router.BATCH, "DescribeJobQueues", sloppy)
    monkeypatch.setattr(shapes, "OLDER_MODEL", False)  # an older botocore's answers are pruned
    fake_batch.check_shapes = True

    with pytest.raises(batch.exceptions.ServerException, match=r"jobQueues\[0\]\.notInTheModel"):
        batch.describe_job_queues()


def test_on_an_older_botocore_answers_hold_only_what_its_model_knows(
    fake_batch: FakeBatch, batch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_fakebatch.api.shared import router as _router
    from pytest_fakebatch.frontends import shapes

    def newer(call: object) -> dict[str, Any]:  # as if AWS had added members since this botocore
        return {
            "jobQueues": [{"jobQueueName": "q", "addedLater": 1, "tags": {"k": "v"}}],
            "addedLater": True,
        }

    monkeypatch.setitem(_router.BATCH, "DescribeJobQueues", newer)
    monkeypatch.setattr(shapes, "OLDER_MODEL", True)
    fake_batch.check_shapes = True

    answer = batch.describe_job_queues()

    assert answer["jobQueues"] == [{"jobQueueName": "q", "tags": {"k": "v"}}]
    assert "addedLater" not in answer


def test_a_botocore_too_old_is_named_as_such() -> None:
    script = (
        "import botocore; botocore.__version__ = '1.33.13'\n"
        "try:\n"
        "    from pytest_fakebatch import FakeBatch\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert "needs botocore 1.34 or newer, and 1.33.13 is installed" in done.stdout
