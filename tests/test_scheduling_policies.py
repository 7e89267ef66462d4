"""Scheduling policies through boto3: create, describe, list, update and delete; fair-share weights."""

from __future__ import annotations

import json
from typing import Any

import pytest
from batch_resources import (
    arn,
    make_ce,
    make_policy,
    make_queue,
)
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import FakeBatch, JobRun, ServiceJobRun


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


@pytest.mark.aws_doc(
    "API: DeleteSchedulingPolicy",
    "You can't delete a scheduling policy that's used in any job queues.",
    family="Scheduling",
    ops=("DeleteSchedulingPolicy",),
)
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


@pytest.fixture
def started(fake_batch: FakeBatch, batch: Any) -> list[str]:
    """A 3-vCPU environment 'three', a 1-vCPU definition 'unit'; the names of jobs in the order
    they started (each takes 10 simulated seconds)."""
    batch.create_compute_environment(
        computeEnvironmentName="three",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 3, "subnets": ["subnet-1"]},
    )
    batch.register_job_definition(
        jobDefinitionName="unit",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
    )
    order: list[str] = []

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        order.append(job.job_name)
        job.sleep(10)

    return order


@pytest.mark.aws_doc(
    "botocore: ShareAttributes",
    "A share identifier or share identifier prefix. If the string ends with an asterisk (*), this entry "
    "specifies the weight factor to use for share identifiers that start with that prefix.",
    family="Scheduling",
    ops=("CreateSchedulingPolicy", "SubmitJob"),
)
@pytest.mark.parametrize(
    ("entry", "expected"),
    [("big*", ["small-0", "bigA-0", "bigA-1"]), ("bigB*", ["small-0", "bigA-0", "small-1"])],
)
def test_a_wildcard_share_identifier_weighs_the_shares_it_prefixes(
    fake_batch: FakeBatch, batch: Any, started: list[str], entry: str, expected: list[str]
) -> None:
    arn = batch.create_scheduling_policy(
        name="fair", fairsharePolicy={"shareDistribution": [{"shareIdentifier": entry, "weightFactor": 0.5}]}
    )["arn"]
    make_queue(batch, "shared", "three", schedulingPolicyArn=arn)
    fake_batch.autorun = False
    for share in ("small", "bigA"):  # 'small' submits everything first
        for i in range(2):
            batch.submit_job(
                jobName=f"{share}-{i}", jobQueue="shared", jobDefinition="unit", shareIdentifier=share
            )
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    # slot 1: nothing used yet, so submission order; slot 2: bigA uses nothing. Slot 3: both use
    # one vCPU; where 'big*' gives bigA the weight 0.5 its use counts half, so bigA goes again;
    # 'bigB*' leaves bigA at 1.0, and the tie goes to the earlier submission.
    assert started[:3] == expected


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    return str(excinfo.value.response["Error"]["Message"])


QUOTA = {"idleResourceAssignmentStrategy": "FIFO"}


@needs_member("CreateSchedulingPolicy", "quotaSharePolicy")
@pytest.mark.aws_doc(
    "API: CreateSchedulingPolicy",
    "Only one of fairsharePolicy or quotaSharePolicy can be set. Once set, this policy type cannot be "
    "removed or changed to a fairSharePolicy.",
    family="Scheduling",
    ops=("CreateSchedulingPolicy", "UpdateSchedulingPolicy", "DescribeSchedulingPolicies"),
)
def test_a_scheduling_policy_is_fair_share_or_quota_share_for_good(batch: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.create_scheduling_policy(
            name="both", fairsharePolicy={"shareDistribution": []}, quotaSharePolicy=QUOTA
        )
    assert _error(excinfo) == (
        "CreateSchedulingPolicy: give fairsharePolicy or quotaSharePolicy, not both: a scheduling policy "
        "has one kind"
    )
    assert batch.list_scheduling_policies()["schedulingPolicies"] == []
    quota = batch.create_scheduling_policy(name="qm", quotaSharePolicy=QUOTA)["arn"]
    fair = make_policy(batch)

    with pytest.raises(ClientError) as excinfo:
        batch.update_scheduling_policy(arn=quota, fairsharePolicy={"shareDistribution": []})
    assert _error(excinfo) == (
        "UpdateSchedulingPolicy: scheduling policy 'qm' has a quotaSharePolicy, which cannot be changed to a "
        "fairsharePolicy: create another scheduling policy"
    )
    with pytest.raises(ClientError) as excinfo:
        batch.update_scheduling_policy(arn=fair, quotaSharePolicy=QUOTA)
    assert _error(excinfo) == (
        "UpdateSchedulingPolicy: scheduling policy 'fair' is a fair-share policy, which cannot be changed "
        "to a quotaSharePolicy: create another scheduling policy"
    )
    batch.update_scheduling_policy(arn=quota, quotaSharePolicy=QUOTA)
    described = batch.describe_scheduling_policies(arns=[quota, fair])["schedulingPolicies"]
    assert [(p["name"], "fairsharePolicy" in p, p.get("quotaSharePolicy")) for p in described] == [
        ("qm", False, QUOTA),
        ("fair", True, None),
    ]


@needs_member("CreateSchedulingPolicy", "quotaSharePolicy")
@pytest.mark.aws_doc(
    "API: QuotaSharePolicy",
    "The strategy that determines how idle resources are assigned to quota shares that are borrowing "
    "capacity. Currently, only FIFO is supported.",
    family="Scheduling",
    ops=("CreateSchedulingPolicy",),
)
def test_a_quota_share_policy_assigns_idle_capacity_fifo(batch: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.create_scheduling_policy(name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "LIFO"})
    assert "quotaSharePolicy.idleResourceAssignmentStrategy" in _error(excinfo)
    assert batch.list_scheduling_policies()["schedulingPolicies"] == []


@pytest.mark.aws_doc(
    "botocore: ShareAttributes",
    "The list of share identifiers in a fair-share policy can't overlap. For example, you can't have one "
    "that specifies a shareIdentifier of UserA* and another that specifies a shareIdentifier of UserA1. "
    "... The string is limited to 255 alphanumeric characters, and can be followed by an asterisk (*).",
    family="Scheduling",
    ops=("CreateSchedulingPolicy", "UpdateSchedulingPolicy"),
)
@pytest.mark.aws_doc(
    "botocore: ShareAttributes",
    "weightFactor ... The smallest supported value is 0.0001, and the largest supported value is 999.9999.",
    family="Scheduling",
    ops=("CreateSchedulingPolicy", "UpdateSchedulingPolicy"),
)
@pytest.mark.aws_doc(
    "botocore: FairsharePolicy",
    "shareDecaySeconds ... The maximum supported value is 604800 (1 week). ... computeReservation ... The "
    "minimum value is 0 and the maximum value is 99.",
    family="Scheduling",
    ops=("CreateSchedulingPolicy", "UpdateSchedulingPolicy"),
)
@pytest.mark.parametrize(
    ("fairshare", "message"),
    [
        (
            {"shareDistribution": [{"shareIdentifier": "UserA*"}, {"shareIdentifier": "UserA1"}]},
            "fairsharePolicy.shareDistribution: share identifiers 'UserA*' and 'UserA1' overlap; each share "
            "identifier may match only one entry",
        ),
        (
            {"shareDistribution": [{"shareIdentifier": "UserA1"}, {"shareIdentifier": "User*"}]},
            "fairsharePolicy.shareDistribution: share identifiers 'UserA1' and 'User*' overlap; each share "
            "identifier may match only one entry",
        ),
        (
            {"shareDistribution": [{"shareIdentifier": "team-a"}]},
            "fairsharePolicy.shareDistribution[0].shareIdentifier must be up to 255 letters and digits, "
            "optionally followed by '*' (a prefix), got 'team-a'",
        ),
        (
            {"shareDistribution": [{"shareIdentifier": "A" * 256}]},
            "fairsharePolicy.shareDistribution[0].shareIdentifier must be up to 255 letters and digits, "
            f"optionally followed by '*' (a prefix), got '{'A' * 256}'",
        ),
        (
            {"shareDistribution": [{"shareIdentifier": "A", "weightFactor": 0.00001}]},
            "fairsharePolicy.shareDistribution[0].weightFactor must be between 0.0001 and 999.9999, "
            "got 1e-05",
        ),
        (
            {"shareDistribution": [{"shareIdentifier": "A", "weightFactor": 1000.0}]},
            "fairsharePolicy.shareDistribution[0].weightFactor must be between 0.0001 and 999.9999, "
            "got 1000.0",
        ),
        (
            {"shareDecaySeconds": 604801},
            "fairsharePolicy.shareDecaySeconds must be between 0 and 604800, got 604801",
        ),
        ({"computeReservation": 100}, "fairsharePolicy.computeReservation must be between 0 and 99, got 100"),
    ],
)
def test_a_fair_share_policy_is_checked_as_aws_bounds_it(
    batch: Any, fairshare: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.create_scheduling_policy(name="fair", fairsharePolicy=fairshare)
    assert _error(excinfo) == f"CreateSchedulingPolicy: {message}"
    policy = make_policy(batch)
    with pytest.raises(ClientError) as excinfo:
        batch.update_scheduling_policy(arn=policy, fairsharePolicy=fairshare)
    assert _error(excinfo) == f"UpdateSchedulingPolicy: {message}"
    (described,) = batch.describe_scheduling_policies(arns=[policy])["schedulingPolicies"]
    assert described["fairsharePolicy"]["shareDistribution"] == [
        {"shareIdentifier": "A", "weightFactor": 1.0}
    ]


def test_the_bounds_of_a_fair_share_policy_are_accepted(batch: Any) -> None:
    fairshare = {
        "shareDecaySeconds": 604800,
        "computeReservation": 99,
        "shareDistribution": [
            {"shareIdentifier": "UserA*", "weightFactor": 0.0001},
            {"shareIdentifier": "UserB1", "weightFactor": 999.9999},
            {"shareIdentifier": "A" * 255},
        ],
    }
    arn = batch.create_scheduling_policy(name="edges", fairsharePolicy=fairshare)["arn"]
    (described,) = batch.describe_scheduling_policies(arns=[arn])["schedulingPolicies"]
    assert described["fairsharePolicy"] == fairshare


@needs_operation("SubmitServiceJob")
@pytest.mark.aws_doc(
    "botocore: ShareAttributes",
    "A lower value has a higher priority for compute resources. For example, jobs that use a share "
    "identifier with a weight factor of 0.125 (1/8) get 8 times the compute resources of jobs that use a "
    "share identifier with a weight factor of 1.",
    family="Scheduling",
    ops=("SubmitServiceJob",),
)
@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("big*", ["RUNNING", "RUNNABLE", "RUNNING", "RUNNING"]),
        ("bigB*", ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]),
    ],
)
def test_a_fair_share_sagemaker_queue_weighs_its_shares(
    fake_batch: FakeBatch, batch: Any, entry: str, expected: list[str]
) -> None:
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 3, "capacityUnit": "NUM_INSTANCES"}],
    )
    policy = batch.create_scheduling_policy(
        name="fair", fairsharePolicy={"shareDistribution": [{"shareIdentifier": entry, "weightFactor": 0.5}]}
    )["arn"]
    batch.create_job_queue(
        jobQueueName="sq",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy,
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
    )

    @fake_batch.service_handler("*")
    def train(job: ServiceJobRun) -> None:
        job.sleep(100)

    payload = json.dumps(
        {
            "TrainingJobName": "train",
            "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        }
    )
    fake_batch.autorun = False
    jobs = [
        batch.submit_service_job(
            jobName=f"{share}-{i}",
            jobQueue="sq",
            serviceJobType="SAGEMAKER_TRAINING",
            serviceRequestPayload=payload,
            shareIdentifier=share,
        )["jobId"]
        for share in ("small", "bigA")  # 'small' submits everything first
        for i in range(2)
    ]
    fake_batch.autorun = True

    # one instance each: small-0 first (nothing used yet), then bigA-0 (bigA uses nothing);
    # for the third, both use one instance, and 'big*' makes bigA's count half.
    assert [batch.describe_service_job(jobId=j)["status"] for j in jobs] == expected
