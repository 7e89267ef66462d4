"""Service environments, SAGEMAKER_TRAINING job queues and quota shares, through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_operation

pytestmark = [needs_operation("CreateServiceEnvironment"), needs_operation("CreateQuotaShare")]

NUM = "NUM_INSTANCES"


def _env(batch: Any, name: str = "se", most: int = 4, **extra: Any) -> str:
    arn: str = batch.create_service_environment(
        serviceEnvironmentName=name,
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": most, "capacityUnit": NUM}],
        **extra,
    )["serviceEnvironmentArn"]
    return arn


def _queue(batch: Any, name: str = "sq", env: str = "se", **extra: Any) -> str:
    arn: str = batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": env}],
        **extra,
    )["jobQueueArn"]
    return arn


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    return str(excinfo.value.response["Error"]["Message"])


def test_service_environment_crud_and_tags(batch: Any) -> None:
    arn = _env(batch, tags={"team": "ml"})
    assert arn.endswith(":service-environment/se")
    (env,) = batch.describe_service_environments(serviceEnvironments=["se"])["serviceEnvironments"]
    assert env["serviceEnvironmentType"] == "SAGEMAKER_TRAINING"
    assert (env["state"], env["status"]) == ("ENABLED", "VALID")
    assert env["capacityLimits"] == [{"maxCapacity": 4, "capacityUnit": NUM}]
    assert env["tags"] == {"team": "ml"}
    batch.tag_resource(resourceArn=arn, tags={"cost": "1"})
    assert batch.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "ml", "cost": "1"}

    batch.update_service_environment(
        serviceEnvironment=arn, capacityLimits=[{"maxCapacity": 9, "capacityUnit": NUM}]
    )
    with pytest.raises(ClientError) as excinfo:
        batch.delete_service_environment(serviceEnvironment="se")
    assert "disable it" in _error(excinfo)
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")
    (env,) = batch.describe_service_environments()["serviceEnvironments"]
    assert (env["state"], env["capacityLimits"][0]["maxCapacity"]) == ("DISABLED", 9)
    batch.delete_service_environment(serviceEnvironment="se")
    assert batch.describe_service_environments()["serviceEnvironments"] == []


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ([], "1 to 5"),
        ([{"maxCapacity": 0, "capacityUnit": NUM}], "at least 1"),
        ([{"maxCapacity": 2, "capacityUnit": "VCPU"}], "must be one of NUM_INSTANCES"),
        ([{"maxCapacity": 2}], "capacityUnit is required"),
    ],
)
def test_service_environment_capacity_limits_are_checked(batch: Any, limits: Any, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.create_service_environment(
            serviceEnvironmentName="se", serviceEnvironmentType="SAGEMAKER_TRAINING", capacityLimits=limits
        )
    text = _error(excinfo)
    assert text.startswith("CreateServiceEnvironment: capacityLimits")
    assert message in text
    assert batch.describe_service_environments()["serviceEnvironments"] == []


def test_service_environment_names_and_paging(batch: Any) -> None:
    for i in range(5):
        _env(batch, f"se{i}")
    with pytest.raises(ClientError) as excinfo:
        _env(batch, "se0")
    assert "already exists" in _error(excinfo)
    with pytest.raises(ClientError):
        _env(batch, "bad name")
    pages = batch.get_paginator("describe_service_environments").paginate(PaginationConfig={"PageSize": 2})
    names = [e["serviceEnvironmentName"] for page in pages for e in page["serviceEnvironments"]]
    assert names == [f"se{i}" for i in range(5)]


def test_a_used_service_environment_cannot_be_deleted(batch: Any) -> None:
    _env(batch)
    _queue(batch)
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")
    with pytest.raises(ClientError) as excinfo:
        batch.delete_service_environment(serviceEnvironment="se")
    assert "job queues ['sq'] still use it" in _error(excinfo)


def test_sagemaker_queue_takes_service_environments_only(batch: Any, queue: str) -> None:
    arn = _env(batch)
    _queue(batch)
    (detail,) = batch.describe_job_queues(jobQueues=["sq"])["jobQueues"]
    assert detail["jobQueueType"] == "SAGEMAKER_TRAINING"
    assert detail["serviceEnvironmentOrder"] == [{"order": 1, "serviceEnvironment": arn}]
    assert detail["computeEnvironmentOrder"] == []
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(jobQueueName="x", priority=1, jobQueueType="SAGEMAKER_TRAINING")
    assert "serviceEnvironmentOrder is required" in _error(excinfo)
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(
            jobQueueName="x", priority=1, serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}]
        )
    assert "serviceEnvironmentOrder does not apply to a job queue for container jobs" in _error(excinfo)
    with pytest.raises(ClientError) as excinfo:
        batch.update_job_queue(
            jobQueue="sq", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
    assert "computeEnvironmentOrder does not apply to a SAGEMAKER_TRAINING job queue" in _error(excinfo)
    _env(batch, "se2")
    batch.update_job_queue(jobQueue="sq", serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se2"}])
    (detail,) = batch.describe_job_queues(jobQueues=["sq"])["jobQueues"]
    assert detail["serviceEnvironmentOrder"][0]["serviceEnvironment"].endswith("/se2")


def _quota_queue(batch: Any) -> str:
    _env(batch, most=10)
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )
    return _queue(batch, schedulingPolicyArn=policy["arn"])


def _share(batch: Any, name: str, most: int = 2, strategy: str = "RESERVE", **extra: Any) -> str:
    arn: str = batch.create_quota_share(
        quotaShareName=name,
        jobQueue="sq",
        capacityLimits=[{"maxCapacity": most, "capacityUnit": "ml.m5.large"}],
        resourceSharingConfiguration={"strategy": strategy, **extra},
        preemptionConfiguration={"inSharePreemption": "DISABLED"},
    )["quotaShareArn"]
    return arn


def test_quota_share_crud_tags_and_paging(batch: Any) -> None:
    queue_arn = _quota_queue(batch)
    arn = batch.create_quota_share(
        quotaShareName="team_a",
        jobQueue="sq",
        capacityLimits=[{"maxCapacity": 5, "capacityUnit": "ml.m6i.large"}],
        resourceSharingConfiguration={"strategy": "LEND_AND_BORROW", "borrowLimit": 100},
        preemptionConfiguration={"inSharePreemption": "ENABLED"},
        tags={"team": "a"},
    )["quotaShareArn"]
    detail = batch.describe_quota_share(quotaShareArn=arn)
    assert detail["jobQueueArn"] == queue_arn
    assert detail["resourceSharingConfiguration"] == {"strategy": "LEND_AND_BORROW", "borrowLimit": 100}
    assert (detail["state"], detail["status"], detail["tags"]) == ("ENABLED", "VALID", {"team": "a"})
    assert batch.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a"}
    for i in range(3):
        _share(batch, f"s{i}")
    pages = batch.get_paginator("list_quota_shares").paginate(jobQueue="sq", PaginationConfig={"PageSize": 3})
    names = [s["quotaShareName"] for page in pages for s in page["quotaShares"]]
    assert names == ["team_a", "s0", "s1", "s2"]

    batch.update_quota_share(quotaShareArn=arn, resourceSharingConfiguration={"strategy": "RESERVE"})
    assert batch.describe_quota_share(quotaShareArn=arn)["resourceSharingConfiguration"] == {
        "strategy": "RESERVE"
    }
    with pytest.raises(ClientError) as excinfo:
        batch.delete_quota_share(quotaShareArn=arn)
    assert "disable it" in _error(excinfo)
    batch.update_quota_share(quotaShareArn=arn, state="DISABLED")
    batch.delete_quota_share(quotaShareArn=arn)
    with pytest.raises(ClientError) as excinfo:
        batch.describe_quota_share(quotaShareArn=arn)
    assert "does not exist" in _error(excinfo)


def test_quota_share_rules(batch: Any) -> None:
    _env(batch)
    _queue(batch)  # no quota-share scheduling policy
    with pytest.raises(ClientError) as excinfo:
        _share(batch, "a")
    assert "does not manage quotas" in _error(excinfo)
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )
    _queue(batch, "sq2", schedulingPolicyArn=policy["arn"])
    with pytest.raises(ClientError) as excinfo:
        batch.create_quota_share(
            quotaShareName="a",
            jobQueue="sq2",
            capacityLimits=[{"maxCapacity": 1, "capacityUnit": "ml.m5.large"}],
            resourceSharingConfiguration={"strategy": "RESERVE", "borrowLimit": 10},
            preemptionConfiguration={"inSharePreemption": "DISABLED"},
        )
    assert "borrowLimit applies to the LEND_AND_BORROW strategy only" in _error(excinfo)
    assert batch.list_quota_shares(jobQueue="sq2")["quotaShares"] == []
