"""Quota shares through boto3: their ARN and life cycle, and how they share a quota management
enabled service environment (borrowing, reserving, preemption), on the fake's clock."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import FakeBatch, ServiceJobRun

pytestmark = [
    needs_operation("CreateQuotaShare"),
    needs_member("SubmitServiceJob", "quotaShareName"),
    needs_member("CreateSchedulingPolicy", "quotaSharePolicy"),
]

M5 = "ml.m5.large"
ACCOUNT = "123456789012"


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    return str(excinfo.value.response["Error"]["Message"])


def quota_queue(batch: Any, most: int = 10, queue: str = "qm-queue") -> str:
    """A quota management job queue on a service environment of ``most`` ml.m5.large."""
    batch.create_service_environment(
        serviceEnvironmentName="qm-env",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": most, "capacityUnit": M5}],
    )
    policy = batch.create_scheduling_policy(
        name="qm", quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )["arn"]
    arn: str = batch.create_job_queue(
        jobQueueName=queue,
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy,
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qm-env"}],
    )["jobQueueArn"]
    return arn


def share(
    batch: Any,
    name: str,
    most: int,
    strategy: str = "RESERVE",
    preemption: str = "DISABLED",
    queue: str = "qm-queue",
    **sharing: Any,
) -> str:
    arn: str = batch.create_quota_share(
        quotaShareName=name,
        jobQueue=queue,
        capacityLimits=[{"maxCapacity": most, "capacityUnit": M5}],
        resourceSharingConfiguration={"strategy": strategy, **sharing},
        preemptionConfiguration={"inSharePreemption": preemption},
    )["quotaShareArn"]
    return arn


def submit(
    batch: Any, name: str, quota_share: str, priority: int = 0, queue: str = "qm-queue", kind: str = M5
) -> str:
    payload = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
        "ResourceConfig": {"InstanceType": kind, "InstanceCount": 1, "VolumeSizeInGB": 1},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    job_id: str = batch.submit_service_job(
        jobName=name,
        jobQueue=queue,
        serviceJobType="SAGEMAKER_TRAINING",
        serviceRequestPayload=json.dumps(payload),
        quotaShareName=quota_share,
        schedulingPriority=priority,
    )["jobId"]
    return job_id


def statuses(batch: Any, *job_ids: str) -> list[str]:
    return [batch.describe_service_job(jobId=job_id)["status"] for job_id in job_ids]


@pytest.fixture
def trains(fake_batch: FakeBatch) -> None:
    """Every training job takes 100 simulated seconds."""

    @fake_batch.service_handler("*")
    def train(job: ServiceJobRun) -> None:
        job.sleep(100)


@pytest.mark.aws_doc(
    "SAR: Actions, resources, and condition keys for AWS Batch",
    "quota-share: arn:${Partition}:batch:${Region}:${Account}:job-queue/${JobQueueName}/quota-share/"
    "${QuotaShareName}",
    family="Quota shares",
    ops=("CreateQuotaShare", "DescribeQuotaShare", "UpdateQuotaShare", "DeleteQuotaShare", "TagResource"),
)
def test_a_quota_share_arn_names_its_job_queue(batch: Any) -> None:
    queue_arn = quota_queue(batch)
    arn = share(batch, "team_a", 2)
    region = batch.meta.region_name
    assert arn == f"arn:aws:batch:{region}:{ACCOUNT}:job-queue/qm-queue/quota-share/team_a"
    assert batch.describe_quota_share(quotaShareArn=arn)["jobQueueArn"] == queue_arn
    batch.tag_resource(resourceArn=arn, tags={"team": "a"})
    assert batch.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a"}
    batch.update_quota_share(quotaShareArn=arn, state="DISABLED")
    (listed,) = batch.list_quota_shares(jobQueue="qm-queue")["quotaShares"]
    assert (listed["quotaShareArn"], listed["state"]) == (arn, "DISABLED")
    with pytest.raises(ClientError) as excinfo:
        batch.describe_quota_share(
            quotaShareArn=f"arn:aws:batch:{region}:{ACCOUNT}:quota-share/qm-queue/team_a"
        )
    assert "job-queue/<job queue>/quota-share/<quota share>" in _error(excinfo)
    batch.delete_quota_share(quotaShareArn=arn)
    assert batch.list_quota_shares(jobQueue="qm-queue")["quotaShares"] == []


@pytest.mark.aws_doc(
    "API: DeleteQuotaShare",
    "You must first disable submissions for the share by updating the state to DISABLED using the "
    "UpdateQuotaShare operation.",
    family="Quota shares",
    ops=("DeleteQuotaShare", "UpdateQuotaShare"),
)
def test_quota_share_crud_tags_and_paging(batch: Any) -> None:
    queue_arn = quota_queue(batch)
    arn = batch.create_quota_share(
        quotaShareName="team_a",
        jobQueue="qm-queue",
        capacityLimits=[{"maxCapacity": 5, "capacityUnit": "ml.m6i.large"}],
        resourceSharingConfiguration={"strategy": "LEND_AND_BORROW", "borrowLimit": 100},
        preemptionConfiguration={"inSharePreemption": "ENABLED"},
        tags={"team": "a"},
    )["quotaShareArn"]
    assert batch.describe_quota_share(quotaShareArn=arn) | {"ResponseMetadata": None} == {
        "quotaShareName": "team_a",
        "quotaShareArn": arn,
        "jobQueueArn": queue_arn,
        "capacityLimits": [{"maxCapacity": 5, "capacityUnit": "ml.m6i.large"}],
        "resourceSharingConfiguration": {"strategy": "LEND_AND_BORROW", "borrowLimit": 100},
        "preemptionConfiguration": {"inSharePreemption": "ENABLED"},
        "state": "ENABLED",
        "status": "VALID",
        "tags": {"team": "a"},
        "ResponseMetadata": None,
    }
    for i in range(3):
        share(batch, f"s{i}", 1)
    pages = batch.get_paginator("list_quota_shares").paginate(
        jobQueue="qm-queue", PaginationConfig={"PageSize": 3}
    )
    assert [len(page["quotaShares"]) for page in pages] == [3, 1]
    pages = batch.get_paginator("list_quota_shares").paginate(jobQueue="qm-queue")
    assert [s["quotaShareName"] for page in pages for s in page["quotaShares"]] == [
        "team_a",
        "s0",
        "s1",
        "s2",
    ]

    batch.update_quota_share(
        quotaShareArn=arn,
        resourceSharingConfiguration={"strategy": "RESERVE"},
        preemptionConfiguration={"inSharePreemption": "DISABLED"},
    )
    detail = batch.describe_quota_share(quotaShareArn=arn)
    assert detail["resourceSharingConfiguration"] == {"strategy": "RESERVE"}
    assert detail["preemptionConfiguration"] == {"inSharePreemption": "DISABLED"}
    with pytest.raises(ClientError) as excinfo:
        batch.delete_quota_share(quotaShareArn=arn)
    assert _error(excinfo) == (
        "DeleteQuotaShare: quota share 'team_a' is ENABLED: disable it with "
        "UpdateQuotaShare(state='DISABLED') before deleting it"
    )
    batch.update_quota_share(quotaShareArn=arn, state="DISABLED")
    batch.delete_quota_share(quotaShareArn=arn)
    with pytest.raises(ClientError) as excinfo:
        batch.describe_quota_share(quotaShareArn=arn)
    assert f"quota share '{arn}' does not exist" in _error(excinfo)
    assert batch.list_tags_for_resource(resourceArn=queue_arn)["tags"] == {}


@pytest.mark.aws_doc(
    "UG: Quota shares",
    "a quota share requires at least one capacity limit be provided and supports a maximum of 5 "
    "capacity limits. Each capacity limit should be expressed as instance limits for supported "
    "SageMaker Training job instances types.",
    family="Quota shares",
    ops=("CreateQuotaShare", "UpdateQuotaShare"),
)
@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "borrowLimit can only be applied to quota shares with a strategy of LEND_AND_BORROW.",
    family="Quota shares",
    ops=("CreateQuotaShare",),
)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"capacityLimits": []}, "capacityLimits takes 1 to 5 capacity limits, got 0"),
        (
            {"capacityLimits": [{"maxCapacity": 1, "capacityUnit": "NUM_INSTANCES"}]},
            "capacityLimits[0].capacityUnit must be a SageMaker training instance type such as "
            "ml.m5.large, got 'NUM_INSTANCES'",
        ),
        (
            {"resourceSharingConfiguration": {"strategy": "RESERVE", "borrowLimit": 10}},
            "resourceSharingConfiguration.borrowLimit applies to the LEND_AND_BORROW strategy only, "
            "not RESERVE",
        ),
        (
            {"resourceSharingConfiguration": {"strategy": "LEND_AND_BORROW", "borrowLimit": -2}},
            "resourceSharingConfiguration.borrowLimit must be -1 (no bound) or more, got -2",
        ),
    ],
)
def test_a_quota_share_is_checked_before_it_is_made(batch: Any, change: dict[str, Any], message: str) -> None:
    quota_queue(batch)
    request = {
        "quotaShareName": "a",
        "jobQueue": "qm-queue",
        "capacityLimits": [{"maxCapacity": 1, "capacityUnit": M5}],
        "resourceSharingConfiguration": {"strategy": "LEND_AND_BORROW"},
        "preemptionConfiguration": {"inSharePreemption": "DISABLED"},
        **change,
    }
    with pytest.raises(ClientError) as excinfo:
        batch.create_quota_share(**request)
    assert _error(excinfo) == f"CreateQuotaShare: {message}"
    assert batch.list_quota_shares(jobQueue="qm-queue")["quotaShares"] == []
    arn = share(batch, "b", 1)
    with pytest.raises(ClientError) as excinfo:
        batch.update_quota_share(quotaShareArn=arn, **{k: v for k, v in change.items()})
    assert _error(excinfo) == f"UpdateQuotaShare: {message}"
    assert batch.describe_quota_share(quotaShareArn=arn)["capacityLimits"] == [
        {"maxCapacity": 1, "capacityUnit": M5}
    ]


@pytest.mark.aws_doc(
    "UG: Quota shares",
    "A maximum of 20 can be attached to any job queue.",
    family="Quota shares",
    ops=("CreateQuotaShare",),
)
def test_a_job_queue_holds_at_most_20_quota_shares(batch: Any) -> None:
    quota_queue(batch)
    for i in range(20):
        share(batch, f"s{i}", 1)
    with pytest.raises(ClientError) as excinfo:
        share(batch, "s20", 1)
    assert _error(excinfo) == (
        "CreateQuotaShare: job queue 'qm-queue' already has 20 quota shares, the most it can have"
    )


@pytest.mark.aws_doc(
    "UG: Creating quota shares",
    "Select a quota management enabled job queue from the list.",
    family="Quota shares",
    ops=("CreateQuotaShare",),
)
def test_only_a_quota_management_job_queue_takes_quota_shares(batch: Any) -> None:
    batch.create_service_environment(
        serviceEnvironmentName="se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 4, "capacityUnit": "NUM_INSTANCES"}],
    )
    batch.create_job_queue(
        jobQueueName="fifo",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}],
    )
    with pytest.raises(ClientError) as excinfo:
        share(batch, "a", 1, queue="fifo")
    assert _error(excinfo) == (
        "CreateQuotaShare: job queue 'fifo' does not manage quotas: create the queue with a scheduling "
        "policy that has a quotaSharePolicy"
    )


@pytest.mark.aws_doc(
    "API: UpdateQuotaShare",
    "If the quota share is DISABLED, new jobs won't be accepted but jobs already submitted can finish.",
    family="Quota shares",
    ops=("UpdateQuotaShare", "SubmitServiceJob"),
)
def test_a_disabled_quota_share_takes_no_new_jobs_and_finishes_those_it_has(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch)
    arn = share(batch, "team", 1)
    running, waiting = submit(batch, "running", "team"), submit(batch, "waiting", "team")
    assert statuses(batch, running, waiting) == ["RUNNING", "RUNNABLE"]  # the share holds one instance

    batch.update_quota_share(quotaShareArn=arn, state="DISABLED")
    with pytest.raises(ClientError) as excinfo:
        submit(batch, "late", "team")
    assert _error(excinfo) == (
        "SubmitServiceJob: quota share 'team' is DISABLED and accepts no new jobs: enable it with "
        "UpdateQuotaShare(state='ENABLED') or submit to another quota share"
    )
    fake_batch.advance(100)
    assert statuses(batch, running, waiting) == ["SUCCEEDED", "RUNNING"]
    fake_batch.advance(100)
    assert statuses(batch, running, waiting) == ["SUCCEEDED", "SUCCEEDED"]
    assert len(batch.list_service_jobs(jobQueue="qm-queue", jobStatus="SUCCEEDED")["jobSummaryList"]) == 2

    batch.update_quota_share(quotaShareArn=arn, state="ENABLED")
    assert statuses(batch, submit(batch, "again", "team")) == ["RUNNING"]


@pytest.mark.aws_doc(
    "API: DeleteQuotaShare",
    "All jobs in the share are eventually terminated when you delete a quota share.",
    family="Quota shares",
    ops=("DeleteQuotaShare",),
)
def test_deleting_a_quota_share_terminates_its_jobs(fake_batch: FakeBatch, batch: Any, trains: None) -> None:
    quota_queue(batch)
    arn = share(batch, "team", 1)
    share(batch, "other", 1)
    running, waiting = submit(batch, "running", "team"), submit(batch, "waiting", "team")
    bystander = submit(batch, "bystander", "other")
    batch.update_quota_share(quotaShareArn=arn, state="DISABLED")

    batch.delete_quota_share(quotaShareArn=arn)

    for job_id in (running, waiting):
        job = batch.describe_service_job(jobId=job_id)
        assert (job["status"], job["statusReason"], job["isTerminated"]) == (
            "FAILED",
            "Quota share team was deleted",
            True,
        )
        assert job["quotaShareName"] == "team"
    assert [s["quotaShareName"] for s in batch.list_quota_shares(jobQueue="qm-queue")["quotaShares"]] == [
        "other"
    ]
    assert statuses(batch, bystander) == ["RUNNING"]
    fake_batch.advance(100)
    assert statuses(batch, bystander) == ["SUCCEEDED"]


@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "The maximum percentage of additional capacity that the quota share can borrow from other shares. "
    "... if the borrowLimit is 200, the quota share can borrow up to 200% of its configured maxCapacity "
    "for each capacity unit. The default borrowLimit is -1, which indicates unlimited borrowing.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob"),
)
@pytest.mark.parametrize(
    ("borrow", "running"),
    [
        ({"borrowLimit": 100}, 4),
        ({"borrowLimit": 50}, 3),
        ({"borrowLimit": 0}, 2),
        ({}, 6),
        ({"borrowLimit": -1}, 6),
    ],
)
def test_a_share_borrows_up_to_its_borrow_limit(
    fake_batch: FakeBatch, batch: Any, trains: None, borrow: dict[str, int], running: int
) -> None:
    quota_queue(batch, most=10)
    share(batch, "lender", 6, strategy="LEND")  # idle: 6 instances to lend
    share(batch, "borrower", 2, strategy="LEND_AND_BORROW", **borrow)

    jobs = [submit(batch, f"b{i}", "borrower") for i in range(6)]

    assert statuses(batch, *jobs) == ["RUNNING"] * running + ["RUNNABLE"] * (6 - running)
    fake_batch.advance(100)  # the first ones finish: as many of the rest start
    later = min(running, 6 - running)
    assert statuses(batch, *jobs) == ["SUCCEEDED"] * running + ["RUNNING"] * later + ["RUNNABLE"] * (
        6 - running - later
    )


@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "The RESERVE strategy allows a quota share to reserve idle capacity for itself. LEND configures "
    "the share to lend its idle capacity to another share in need of capacity.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob"),
)
@pytest.mark.parametrize(("owner", "running"), [("RESERVE", 2), ("LEND", 4), ("LEND_AND_BORROW", 4)])
def test_a_reserve_share_keeps_its_idle_capacity_from_borrowers(
    batch: Any, trains: None, owner: str, running: int
) -> None:
    quota_queue(batch, most=4)
    share(batch, "owner", 2, strategy=owner)  # idle throughout
    share(batch, "borrower", 2, strategy="LEND_AND_BORROW")

    jobs = [submit(batch, f"b{i}", "borrower") for i in range(4)]

    assert statuses(batch, *jobs) == ["RUNNING"] * running + ["RUNNABLE"] * (4 - running)
    mine = submit(batch, "mine", "owner")  # the owner's own capacity is there for it either way
    assert statuses(batch, mine) == ["RUNNING"]


@pytest.mark.aws_doc(
    "UG: Creating quota shares",
    "Select Reserve if the quota share should not lend or borrow idle compute. Select Lend if the "
    "quota share can lend idle compute to other quota shares.",
    family="Quota shares",
    ops=("SubmitServiceJob",),
)
@pytest.mark.parametrize("strategy", ["RESERVE", "LEND"])
def test_only_a_lend_and_borrow_share_borrows(batch: Any, trains: None, strategy: str) -> None:
    quota_queue(batch, most=4)
    share(batch, "idle", 2, strategy="LEND")
    share(batch, "team", 2, strategy=strategy)

    jobs = [submit(batch, f"t{i}", "team") for i in range(3)]

    assert statuses(batch, *jobs) == ["RUNNING", "RUNNING", "RUNNABLE"]


@pytest.mark.aws_doc(
    "UG: Preemption",
    "Quota shares can be configured to enable in-share preemption, which allows higher priority "
    "RUNNABLE jobs to trigger preemptions of lower priority jobs within the same quota share that "
    "have entered SCHEDULED, STARTING, or RUNNING.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob"),
)
@pytest.mark.parametrize(
    ("preemption", "urgent_priority", "preempted"),
    [("ENABLED", 9, True), ("DISABLED", 9, False), ("ENABLED", 1, False)],
)
def test_in_share_preemption_makes_room_for_a_higher_priority_job(
    fake_batch: FakeBatch, batch: Any, trains: None, preemption: str, urgent_priority: int, preempted: bool
) -> None:
    quota_queue(batch, most=4)
    share(batch, "team", 2, preemption=preemption)
    low = [submit(batch, f"low{i}", "team", priority=1) for i in range(2)]

    urgent = submit(batch, "urgent", "team", priority=urgent_priority)

    if preempted:
        assert statuses(batch, urgent) == ["RUNNING"]
        assert sorted(statuses(batch, *low)) == ["RUNNABLE", "RUNNING"]
        (victim,) = [j for j in low if statuses(batch, j) == ["RUNNABLE"]]
        assert batch.describe_service_job(jobId=victim)["preemptionSummary"]["preemptedAttemptCount"] == 1
    else:
        assert statuses(batch, *low, urgent) == ["RUNNING", "RUNNING", "RUNNABLE"]
        fake_batch.advance(100)
        assert statuses(batch, *low, urgent) == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]


@pytest.mark.aws_doc(
    "API: CapacityLimit",
    "In a quota management enabled service environment with capacityUnit=ml.m5.large, only ml.m5.large "
    "instances count against this limit, and jobs requiring other instance types wait until a matching "
    "capacity limit is configured.",
    family="Service environments",
    ops=("SubmitServiceJob", "UpdateServiceEnvironment"),
)
def test_a_job_of_an_instance_type_the_environment_does_not_limit_waits(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=1)
    share(batch, "team", 2)
    batch.create_quota_share(
        quotaShareName="gpu",
        jobQueue="qm-queue",
        capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.g5.xlarge"}],
        resourceSharingConfiguration={"strategy": "RESERVE"},
        preemptionConfiguration={"inSharePreemption": "DISABLED"},
    )
    g5 = submit(batch, "g5", "gpu", kind="ml.g5.xlarge")
    m5 = [submit(batch, f"m5-{i}", "team") for i in range(2)]
    assert statuses(batch, g5, *m5) == ["RUNNABLE", "RUNNING", "RUNNABLE"]  # one ml.m5.large, no ml.g5.xlarge

    batch.update_service_environment(
        serviceEnvironment="qm-env",
        capacityLimits=[
            {"maxCapacity": 1, "capacityUnit": M5},
            {"maxCapacity": 1, "capacityUnit": "ml.g5.xlarge"},
        ],
    )
    fake_batch.advance(200)
    assert statuses(batch, g5, *m5) == ["SUCCEEDED"] * 3


@pytest.mark.aws_doc(
    "UG: Quota shares",
    "Administrators lowering a quota share's capacity limits can also make SCHEDULED, STARTING, or "
    "RUNNING jobs within that quota share eligible for preemption even if LEND or RESERVE was selected "
    "as the resource sharing strategy, if the capacity already consumed by that quota share is above its "
    "lowered capacity limits.",
    family="Quota shares",
    ops=("UpdateQuotaShare",),
)
def test_lowering_a_share_limits_lets_another_share_reclaim_what_it_holds_beyond(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=3)
    first = share(batch, "first", 2)
    second = share(batch, "second", 1)
    mine = [submit(batch, f"f{i}", "first") for i in range(2)]
    theirs = [submit(batch, f"s{i}", "second") for i in range(2)]
    assert statuses(batch, *mine, *theirs) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]

    batch.update_quota_share(quotaShareArn=first, capacityLimits=[{"maxCapacity": 1, "capacityUnit": M5}])
    assert statuses(batch, *mine, *theirs) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]  # none needs it
    batch.update_quota_share(quotaShareArn=second, capacityLimits=[{"maxCapacity": 2, "capacityUnit": M5}])
    fake_batch.step()

    assert statuses(batch, *mine, *theirs) == ["RUNNING", "RUNNABLE", "RUNNING", "RUNNING"]
    assert batch.describe_service_job(jobId=mine[1])["preemptionSummary"]["preemptedAttemptCount"] == 1
