"""Scheduling policies through boto3: create, describe, list, update and delete."""

from __future__ import annotations

from typing import Any

import pytest
from batch_resources import (
    arn,
    make_ce,
    make_policy,
    make_queue,
)


def test_scheduling_policy_can_be_created_described_and_listed(batch: Any) -> None:
    policy_arn = make_policy(batch)

    (described,) = batch.describe_scheduling_policies(arns=[policy_arn])["schedulingPolicies"]
    listed = batch.list_scheduling_policies()["schedulingPolicies"]

    assert policy_arn == arn(batch, "scheduling-policy", "fair")
    assert described["name"] == "fair"
    assert described["arn"] == policy_arn
    assert described["fairsharePolicy"]["shareDistribution"] == [
        {"shareIdentifier": "A", "weightFactor": 1.0}
    ]
    assert listed == [{"arn": policy_arn}]


def test_update_scheduling_policy_replaces_its_fairshare_policy(batch: Any) -> None:
    policy_arn = make_policy(batch)
    fairshare = {
        "shareDecaySeconds": 600,
        "shareDistribution": [{"shareIdentifier": "B", "weightFactor": 0.5}],
    }

    batch.update_scheduling_policy(arn=policy_arn, fairsharePolicy=fairshare)

    (described,) = batch.describe_scheduling_policies(arns=[policy_arn])["schedulingPolicies"]
    assert described["fairsharePolicy"] == fairshare


def test_unused_scheduling_policy_can_be_deleted(batch: Any) -> None:
    policy_arn = make_policy(batch)

    batch.delete_scheduling_policy(arn=policy_arn)

    assert batch.describe_scheduling_policies(arns=[policy_arn])["schedulingPolicies"] == []
    assert batch.list_scheduling_policies()["schedulingPolicies"] == []


def test_deleting_a_scheduling_policy_a_queue_uses_is_rejected(batch: Any) -> None:
    make_ce(batch)
    policy_arn = make_policy(batch)
    make_queue(batch, "fair-queue", schedulingPolicyArn=policy_arn)

    with pytest.raises(batch.exceptions.ClientException, match="fair-queue"):
        batch.delete_scheduling_policy(arn=policy_arn)
    assert batch.list_scheduling_policies()["schedulingPolicies"] == [{"arn": policy_arn}]


def test_duplicate_scheduling_policy_name_is_rejected(batch: Any) -> None:
    make_policy(batch)

    with pytest.raises(batch.exceptions.ClientException, match="'fair' already exists"):
        make_policy(batch)
