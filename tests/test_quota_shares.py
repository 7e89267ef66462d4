"""Quota shares through boto3: their ARN, their checks and their life cycle (DISABLED, deleted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from botocore.exceptions import ClientError
from quota_resources import (
    ACCOUNT,
    M5,
    NEEDS_QUOTA_SHARES,
    error,
    quota_queue,
    share,
    statuses,
    submit,
    trains,
)

from pytest_fakebatch import FakeBatch

pytestmark = NEEDS_QUOTA_SHARES
__all__ = ["trains"]  # the fixture


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
    assert "job-queue/<job queue>/quota-share/<quota share>" in error(excinfo)
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
    assert error(excinfo) == (
        "DeleteQuotaShare: quota share 'team_a' is ENABLED: disable it with "
        "UpdateQuotaShare(state='DISABLED') before deleting it"
    )
    batch.update_quota_share(quotaShareArn=arn, state="DISABLED")
    batch.delete_quota_share(quotaShareArn=arn)
    with pytest.raises(ClientError) as excinfo:
        batch.describe_quota_share(quotaShareArn=arn)
    assert f"quota share '{arn}' does not exist" in error(excinfo)
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
    assert error(excinfo) == f"CreateQuotaShare: {message}"
    assert batch.list_quota_shares(jobQueue="qm-queue")["quotaShares"] == []
    arn = share(batch, "b", 1)
    with pytest.raises(ClientError) as excinfo:
        batch.update_quota_share(quotaShareArn=arn, **{k: v for k, v in change.items()})
    assert error(excinfo) == f"UpdateQuotaShare: {message}"
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
    assert error(excinfo) == (
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
    assert error(excinfo) == (
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
    assert error(excinfo) == (
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
    "SAR: Actions, resources, and condition keys for AWS Batch",
    "quota-share: arn:${Partition}:batch:${Region}:${Account}:job-queue/${JobQueueName}/quota-share/"
    "${QuotaShareName} ... aws:ResourceTag/${TagKey}",
    family="Quota shares",
    ops=("TagResource", "ListTagsForResource", "UntagResource"),
)
def test_a_quota_share_is_tagged_by_its_arn_over_http(fake_batch: FakeBatch, batch: Any) -> None:
    quota_queue(batch)
    arn = share(batch, "team_a", 2)
    script = textwrap.dedent(
        f"""
        import boto3, json
        batch = boto3.client("batch")
        batch.tag_resource(resourceArn="{arn}", tags={{"team": "a", "cost": "1"}})
        batch.untag_resource(resourceArn="{arn}", tagKeys=["cost"])
        print(json.dumps(batch.list_tags_for_resource(resourceArn="{arn}")["tags"]))
        """
    )
    region = batch.meta.region_name
    env = {**os.environ, **fake_batch.environ(region), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"team": "a"}
    assert batch.describe_quota_share(quotaShareArn=arn)["tags"] == {"team": "a"}
