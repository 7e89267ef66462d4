"""Tags through boto3: create-time tags, TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from batch_resources import (
    ACCOUNT,
    describe_ce,
    describe_queue,
    make_ce,
    make_definition,
    make_policy,
    make_queue,
)
from error_messages import message

TAGS = {"team": "data", "cost-centre": "42"}


def _tagged_ce(batch: Any) -> tuple[str, dict[str, Any]]:
    resource_arn = make_ce(batch, "tagged", tags=TAGS)
    return resource_arn, describe_ce(batch, "tagged")


def _tagged_queue(batch: Any) -> tuple[str, dict[str, Any]]:
    make_ce(batch)
    resource_arn = make_queue(batch, "tagged", tags=TAGS)
    return resource_arn, describe_queue(batch, "tagged")


def _tagged_definition(batch: Any) -> tuple[str, dict[str, Any]]:
    resource_arn = make_definition(batch, "tagged", tags=TAGS)["jobDefinitionArn"]
    (described,) = batch.describe_job_definitions(jobDefinitions=[resource_arn])["jobDefinitions"]
    return resource_arn, described


def _tagged_policy(batch: Any) -> tuple[str, dict[str, Any]]:
    resource_arn = make_policy(batch, "tagged", tags=TAGS)
    (described,) = batch.describe_scheduling_policies(arns=[resource_arn])["schedulingPolicies"]
    return resource_arn, described


def _tagged_job(batch: Any) -> tuple[str, dict[str, Any]]:
    make_ce(batch)
    make_queue(batch, "jobs")
    make_definition(batch)
    submitted = batch.submit_job(jobName="tagged", jobQueue="jobs", jobDefinition="work", tags=TAGS)
    (described,) = batch.describe_jobs(jobs=[submitted["jobId"]])["jobs"]
    return submitted["jobArn"], described


TAGGED = {
    "compute-environment": _tagged_ce,
    "job-queue": _tagged_queue,
    "job-definition": _tagged_definition,
    "scheduling-policy": _tagged_policy,
    "job": _tagged_job,
}


@pytest.mark.parametrize("kind", sorted(TAGGED))
def test_create_time_tags_are_described_and_listed(batch: Any, kind: str) -> None:
    resource_arn, described = TAGGED[kind](batch)

    assert described["tags"] == TAGS
    assert batch.list_tags_for_resource(resourceArn=resource_arn)["tags"] == TAGS
    assert resource_arn.startswith(f"arn:aws:batch:{batch.meta.region_name}:{ACCOUNT}:{kind}/")


@pytest.mark.parametrize("kind", sorted(TAGGED))
def test_tag_and_untag_resource(batch: Any, kind: str) -> None:
    resource_arn, _ = TAGGED[kind](batch)

    batch.tag_resource(resourceArn=resource_arn, tags={"team": "ml", "stage": "prod"})
    after_tag = batch.list_tags_for_resource(resourceArn=resource_arn)["tags"]
    batch.untag_resource(resourceArn=resource_arn, tagKeys=["cost-centre", "stage"])
    after_untag = batch.list_tags_for_resource(resourceArn=resource_arn)["tags"]

    assert after_tag == {"team": "ml", "cost-centre": "42", "stage": "prod"}
    assert after_untag == {"team": "ml"}


def test_tags_of_a_deleted_queue_do_not_come_back_with_its_name(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs", state="DISABLED", tags=TAGS)
    batch.delete_job_queue(jobQueue="jobs")

    queue_arn = make_queue(batch, "jobs")

    assert batch.list_tags_for_resource(resourceArn=queue_arn)["tags"] == {}
    assert describe_queue(batch, "jobs")["tags"] == {}


def test_tag_key_with_the_reserved_aws_prefix_is_rejected(batch: Any) -> None:
    resource_arn = make_ce(batch)

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message("TagResource: tag key 'aws:owner' uses the reserved prefix 'aws:'"),
    ):
        batch.tag_resource(resourceArn=resource_arn, tags={"aws:owner": "me"})
    assert batch.list_tags_for_resource(resourceArn=resource_arn)["tags"] == {}


def test_array_child_job_cannot_be_tagged(batch: Any, queue: str, definition: str) -> None:
    # AWS: "ARNs for child jobs of array and multi-node parallel (MNP) jobs aren't supported."
    parent = batch.submit_job(
        jobName="fan", jobQueue=queue, jobDefinition=definition, arrayProperties={"size": 2}
    )
    child_arn = f"{parent['jobArn']}:0"

    with pytest.raises(batch.exceptions.ClientException, match=f"{parent['jobId']}:0"):
        batch.tag_resource(resourceArn=child_arn, tags={"a": "b"})


def test_untagged_resource_lists_no_tags(batch: Any) -> None:
    resource_arn = make_ce(batch)

    assert batch.list_tags_for_resource(resourceArn=resource_arn)["tags"] == {}


UNKNOWN_ARN = f"arn:aws:batch:eu-west-1:{ACCOUNT}:job-queue/ghost"


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        pytest.param(
            "ListTagsForResource", lambda b: b.list_tags_for_resource(resourceArn=UNKNOWN_ARN), id="list"
        ),
        pytest.param(
            "TagResource", lambda b: b.tag_resource(resourceArn=UNKNOWN_ARN, tags={"a": "b"}), id="tag"
        ),
        pytest.param(
            "UntagResource", lambda b: b.untag_resource(resourceArn=UNKNOWN_ARN, tagKeys=["a"]), id="untag"
        ),
    ],
)
def test_tagging_an_unknown_arn_is_rejected(
    batch: Any, operation: str, call: Callable[[Any], object]
) -> None:
    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            f"{operation}: resource '{UNKNOWN_ARN}' does not exist or cannot be tagged in eu-west-1 "
            f"for account {ACCOUNT}"
        ),
    ):
        call(batch)


def test_tagging_an_arn_of_another_region_is_rejected(batch: Any) -> None:
    resource_arn = make_ce(batch)
    elsewhere = boto3.client("batch", region_name="us-east-1")

    with pytest.raises(elsewhere.exceptions.ClientException, match="compute-environment/ce"):
        elsewhere.list_tags_for_resource(resourceArn=resource_arn)
