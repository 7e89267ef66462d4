"""Which requests the fake answers: every Batch client while active, nothing else, nothing after."""

from __future__ import annotations

import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from moto.batch import batch_backends
from moto.core import DEFAULT_ACCOUNT_ID

from pytest_fakebatch import FakeBatch

# Created when pytest imports this module, long before any fake_batch fixture starts.
EARLY_CLIENT = boto3.client("batch", region_name="eu-west-1")

# An endpoint nothing listens on: a request that really goes out fails to connect, fast.
UNROUTABLE = {
    "endpoint_url": "http://127.0.0.1:9",
    "config": Config(retries={"max_attempts": 0}, connect_timeout=1, read_timeout=1),
}

CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def make_ce(client: Any, name: str = "ce") -> str:
    answer = client.create_compute_environment(
        computeEnvironmentName=name,
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    return str(answer["computeEnvironmentArn"])


def queue_names(client: Any) -> list[str]:
    pages = client.get_paginator("describe_job_queues").paginate()
    return [q["jobQueueName"] for page in pages for q in page["jobQueues"]]


# -- which clients are answered ------------------------------------------------------------


def test_client_created_before_the_fixture_is_answered(fake_batch: FakeBatch) -> None:
    ce_arn = make_ce(EARLY_CLIENT)

    assert [c.operation for c in fake_batch.calls] == ["CreateComputeEnvironment"]
    assert ce_arn.startswith("arn:aws:batch:eu-west-1:")


def test_client_created_before_the_plugin_is_imported_is_answered(pytester: pytest.Pytester) -> None:
    script = pytester.makepyfile(
        early=textwrap.dedent(
            """
            import boto3

            client = boto3.client("batch", region_name="us-west-2")

            from pytest_fakebatch import FakeBatch  # noqa: E402

            with FakeBatch() as fake:
                client.create_compute_environment(
                    computeEnvironmentName="ce",
                    type="MANAGED",
                    computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["s"], "instanceRole": "r"},
                )
                described = client.describe_compute_environments()["computeEnvironments"]
                names = [e["computeEnvironmentName"] for e in described]
            print("answered:", [c.operation for c in fake.calls], names)
            """
        )
    )

    result = pytester.run(sys.executable, str(script))

    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(
        ["answered: ['CreateComputeEnvironment', 'DescribeComputeEnvironments'] ['ce']"]
    )


def test_clients_of_separate_sessions_share_one_fake(fake_batch: FakeBatch) -> None:
    boto3_client = boto3.session.Session().client("batch", region_name="eu-west-1")
    botocore_client = botocore.session.get_session().create_client("batch", region_name="eu-west-1")
    default_client = boto3.client("batch", region_name="eu-west-1")

    make_ce(boto3_client, "from-boto3-session")
    make_ce(botocore_client, "from-botocore-session")

    found = default_client.describe_compute_environments()["computeEnvironments"]
    assert sorted(e["computeEnvironmentName"] for e in found) == [
        "from-boto3-session",
        "from-botocore-session",
    ]


def test_worker_threads_are_answered_and_state_stays_consistent(fake_batch: FakeBatch) -> None:
    threads, per_thread = 8, 25
    make_ce(boto3.client("batch", region_name="eu-west-1"))

    def work(worker: int) -> int:
        client = boto3.session.Session().client("batch", region_name="eu-west-1")
        seen = 0
        for i in range(per_thread):
            name = f"w{worker}-q{i}"
            client.create_job_queue(
                jobQueueName=name,
                priority=1,
                computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
            )
            seen += len(client.describe_job_queues(jobQueues=[name])["jobQueues"])
        return seen

    with ThreadPoolExecutor(max_workers=threads) as pool:
        seen = list(pool.map(work, range(threads)))

    names = queue_names(boto3.client("batch", region_name="eu-west-1"))
    assert seen == [per_thread] * threads
    assert len(names) == len(set(names)) == threads * per_thread
    created = [c for c in fake_batch.calls if c.operation == "CreateJobQueue"]
    assert len(created) == threads * per_thread
    assert all(c.error is None for c in created)


def test_one_client_shared_by_threads_is_answered(fake_batch: FakeBatch, batch: Any) -> None:
    make_ce(batch)

    def create(i: int) -> str:
        answer = batch.create_job_queue(
            jobQueueName=f"q{i}",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
        )
        return str(answer["jobQueueName"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(create, range(64)))

    assert sorted(created) == sorted(queue_names(batch)) == sorted(f"q{i}" for i in range(64))


# -- nothing intercepted once stopped ------------------------------------------------------


@pytest.fixture
def signing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials to sign with, so that a request that escapes the fake gets as far as the network."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.mark.usefixtures("signing_credentials")
def test_after_stop_requests_go_to_the_network() -> None:
    client = boto3.client("batch", region_name="eu-west-1", **UNROUTABLE)
    with FakeBatch():
        make_ce(client)  # answered, although the endpoint is unreachable

    with pytest.raises(EndpointConnectionError):
        client.describe_compute_environments()


@pytest.mark.usefixtures("signing_credentials")
def test_before_start_requests_go_to_the_network() -> None:
    fake = FakeBatch()
    client = boto3.client("batch", region_name="eu-west-1", **UNROUTABLE)

    with pytest.raises(EndpointConnectionError):
        client.describe_compute_environments()
    assert fake.calls == []


def test_a_new_fake_starts_empty() -> None:
    with FakeBatch():
        make_ce(boto3.client("batch", region_name="eu-west-1"))

    with FakeBatch() as fresh:
        found = boto3.client("batch", region_name="eu-west-1").describe_compute_environments()

    assert found["computeEnvironments"] == []
    assert [c.operation for c in fresh.calls] == ["DescribeComputeEnvironments"]


@pytest.mark.usefixtures("signing_credentials")
def test_the_fixture_stops_intercepting_when_its_test_ends(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import boto3
            import pytest
            from botocore.config import Config
            from botocore.exceptions import EndpointConnectionError

            CLIENT = boto3.client(
                "batch",
                region_name="eu-west-1",
                endpoint_url="http://127.0.0.1:9",
                config=Config(retries={"max_attempts": 0}, connect_timeout=1, read_timeout=1),
            )

            def test_first_uses_the_fake(fake_batch):
                assert CLIENT.describe_job_queues()["jobQueues"] == []

            def test_second_goes_to_the_network():
                with pytest.raises(EndpointConnectionError):
                    CLIENT.describe_job_queues()
            """
        )
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


# -- no credentials needed -----------------------------------------------------------------


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere botocore looks: environment, files, instance metadata."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("credentials", "config"):
        (tmp_path / name).write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_aws_credentials")
def test_batch_calls_work_without_any_aws_credentials(
    fake_batch: FakeBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as env:
        for name in CREDENTIAL_VARIABLES:  # whatever the fake may have set for itself, too
            env.delenv(name, raising=False)
        assert boto3.session.Session().get_credentials() is None
        client = boto3.client("batch", region_name="eu-west-1")

        make_ce(client)
        found = client.describe_compute_environments()["computeEnvironments"]

    assert [e["computeEnvironmentName"] for e in found] == ["ce"]


# -- composing with moto -------------------------------------------------------------------


def test_moto_answers_s3_while_the_fake_answers_batch(fake_batch: FakeBatch, batch: Any) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="pipeline-input")
        buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        make_ce(batch, "before-moto-client")
        make_ce(boto3.client("batch", region_name="eu-west-1"), "inside-moto-client")
        described = batch.describe_compute_environments()["computeEnvironments"]
        moto_batch = batch_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]
        moto_envs = list(moto_batch._compute_environments.values())

    assert buckets == ["pipeline-input"]
    assert sorted(e["computeEnvironmentName"] for e in described) == [
        "before-moto-client",
        "inside-moto-client",
    ]
    assert moto_envs == []
    assert [(c.service, c.operation) for c in fake_batch.calls] == [
        ("batch", "CreateComputeEnvironment"),
        ("batch", "CreateComputeEnvironment"),
        ("batch", "DescribeComputeEnvironments"),
    ]


# -- the call record ----------------------------------------------------------------------


def test_calls_record_operation_region_params_and_error(fake_batch: FakeBatch) -> None:
    ireland = boto3.client("batch", region_name="eu-west-1")
    virginia = boto3.client("batch", region_name="us-east-1")

    make_ce(ireland)
    with pytest.raises(virginia.exceptions.ClientException):
        virginia.delete_job_queue(jobQueue="ghost")

    first, second = fake_batch.calls
    assert (first.service, first.operation, first.region, first.error) == (
        "batch",
        "CreateComputeEnvironment",
        "eu-west-1",
        None,
    )
    assert first.params["computeEnvironmentName"] == "ce"
    assert first.params["computeResources"]["maxvCpus"] == 4
    assert (second.operation, second.region, second.error) == (
        "DeleteJobQueue",
        "us-east-1",
        "ClientException",
    )
    assert second.params == {"jobQueue": "ghost"}
