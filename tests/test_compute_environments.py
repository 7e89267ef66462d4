"""Compute environments through boto3: create, describe, update, delete and their rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from batch_resources import (
    COMPUTE_RESOURCES,
    arn,
    describe_ce,
    make_ce,
    make_queue,
)
from error_messages import message


@pytest.mark.parametrize("kind", sorted(COMPUTE_RESOURCES))
def test_managed_compute_environment_is_valid_and_echoes_its_resources(batch: Any, kind: str) -> None:
    answer = batch.create_compute_environment(
        computeEnvironmentName=f"ce-{kind.lower()}",
        type="MANAGED",
        computeResources=COMPUTE_RESOURCES[kind],
        serviceRole="arn:aws:iam::123456789012:role/AWSBatchServiceRole",
    )

    env = describe_ce(batch, f"ce-{kind.lower()}")
    assert answer["computeEnvironmentArn"] == arn(batch, "compute-environment", f"ce-{kind.lower()}")
    assert env["computeEnvironmentArn"] == answer["computeEnvironmentArn"]
    assert env["type"] == "MANAGED"
    assert env["state"] == "ENABLED"
    assert env["status"] == "VALID"
    assert env["statusReason"]
    assert env["computeResources"]["type"] == kind
    assert env["computeResources"]["maxvCpus"] == COMPUTE_RESOURCES[kind]["maxvCpus"]
    assert env["computeResources"]["subnets"] == ["subnet-1"]


def test_unmanaged_compute_environment_is_valid_without_compute_resources(batch: Any) -> None:
    batch.create_compute_environment(computeEnvironmentName="own", type="UNMANAGED", unmanagedvCpus=4)

    env = describe_ce(batch, "own")
    assert env["type"] == "UNMANAGED"
    assert env["status"] == "VALID"
    assert "computeResources" not in env


@pytest.mark.parametrize("state", ["ENABLED", "DISABLED"])
def test_compute_environment_is_created_in_the_state_asked_for(batch: Any, state: str) -> None:
    make_ce(batch, state=state)

    assert describe_ce(batch, "ce")["state"] == state


def test_describe_compute_environments_by_name_and_by_arn(batch: Any) -> None:
    first = make_ce(batch, "first")
    make_ce(batch, "second")

    by_name = batch.describe_compute_environments(computeEnvironments=["first"])["computeEnvironments"]
    by_arn = batch.describe_compute_environments(computeEnvironments=[first])["computeEnvironments"]
    everything = batch.describe_compute_environments()["computeEnvironments"]

    assert [e["computeEnvironmentName"] for e in by_name] == ["first"]
    assert [e["computeEnvironmentName"] for e in by_arn] == ["first"]
    assert sorted(e["computeEnvironmentName"] for e in everything) == ["first", "second"]


def test_describe_compute_environments_leaves_unknown_names_out(batch: Any) -> None:
    make_ce(batch, "known")

    found = batch.describe_compute_environments(computeEnvironments=["known", "ghost"])["computeEnvironments"]

    assert [e["computeEnvironmentName"] for e in found] == ["known"]


def test_update_compute_environment_changes_state_and_max_vcpus(batch: Any) -> None:
    ce_arn = make_ce(batch)

    answer = batch.update_compute_environment(
        computeEnvironment="ce", state="DISABLED", computeResources={"maxvCpus": 64}
    )

    env = describe_ce(batch, "ce")
    assert answer["computeEnvironmentArn"] == ce_arn
    assert env["state"] == "DISABLED"
    assert env["computeResources"]["maxvCpus"] == 64
    assert env["computeResources"]["type"] == "EC2"


def test_update_compute_environment_accepts_an_arn(batch: Any) -> None:
    ce_arn = make_ce(batch)

    batch.update_compute_environment(computeEnvironment=ce_arn, state="DISABLED")

    assert describe_ce(batch, "ce")["state"] == "DISABLED"


def test_disabled_unused_compute_environment_can_be_deleted(batch: Any) -> None:
    make_ce(batch, state="DISABLED")

    batch.delete_compute_environment(computeEnvironment="ce")

    assert batch.describe_compute_environments(computeEnvironments=["ce"])["computeEnvironments"] == []


def test_deleting_an_enabled_compute_environment_is_rejected(batch: Any) -> None:
    make_ce(batch)

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "DeleteComputeEnvironment: compute environment 'ce' is ENABLED: "
            "disable it with UpdateComputeEnvironment(state='DISABLED') before "
            "deleting it"
        ),
    ):
        batch.delete_compute_environment(computeEnvironment="ce")
    assert describe_ce(batch, "ce")["state"] == "ENABLED"


def test_deleting_a_compute_environment_a_queue_uses_is_rejected(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "busy")
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "DeleteComputeEnvironment: cannot delete compute environment 'ce': "
            "job queues ['busy'] still use it"
        ),
    ):
        batch.delete_compute_environment(computeEnvironment="ce")
    assert describe_ce(batch, "ce")["computeEnvironmentName"] == "ce"


def test_duplicate_compute_environment_name_is_rejected(batch: Any) -> None:
    make_ce(batch)

    with pytest.raises(batch.exceptions.ClientException, match="'ce' already exists"):
        make_ce(batch, kind="SPOT")


def test_managed_compute_environment_without_compute_resources_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="computeResources"):
        batch.create_compute_environment(computeEnvironmentName="bare", type="MANAGED")
    assert batch.describe_compute_environments()["computeEnvironments"] == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda b: b.update_compute_environment(computeEnvironment="ghost", state="DISABLED"), id="update"
        ),
        pytest.param(lambda b: b.delete_compute_environment(computeEnvironment="ghost"), id="delete"),
        pytest.param(lambda b: make_queue(b, "q", ce="ghost"), id="queue-order"),
    ],
)
def test_unknown_compute_environment_is_named_and_known_ones_listed(
    batch: Any, call: Callable[[Any], object]
) -> None:
    make_ce(batch, "real-ce")

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost'.*'real-ce'"):
        call(batch)
