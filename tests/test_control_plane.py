"""Across the control plane through boto3: ARNs, regions, pagination, wrong types unchecked."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from batch_resources import (
    ACCOUNT,
    COMPUTE_RESOURCES,
    make_ce,
    make_definition,
    make_policy,
    make_queue,
)
from botocore.config import Config
from error_messages import message


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-2"])
def test_arns_carry_the_client_region_and_the_account(fake_batch: object, region: str) -> None:
    client = boto3.client("batch", region_name=region)

    ce_arn = make_ce(client)
    queue_arn = make_queue(client, "jobs")
    definition_arn = make_definition(client)["jobDefinitionArn"]
    policy_arn = make_policy(client)

    assert ce_arn == f"arn:aws:batch:{region}:{ACCOUNT}:compute-environment/ce"
    assert queue_arn == f"arn:aws:batch:{region}:{ACCOUNT}:job-queue/jobs"
    assert definition_arn == f"arn:aws:batch:{region}:{ACCOUNT}:job-definition/work:1"
    assert policy_arn == f"arn:aws:batch:{region}:{ACCOUNT}:scheduling-policy/fair"


# -- pagination ---------------------------------------------------------------------------


def _five_ces(batch: Any) -> None:
    for i in range(5):
        make_ce(batch, f"ce-{i}")


def _five_queues(batch: Any) -> None:
    make_ce(batch)
    for i in range(5):
        make_queue(batch, f"queue-{i}")


def _five_definitions(batch: Any) -> None:
    for i in range(5):
        make_definition(batch, f"def-{i}")


def _five_policies(batch: Any) -> None:
    for i in range(5):
        make_policy(batch, f"policy-{i}")


# operation (boto3 method name), what creates five items, result key, identity of one item
PAGED = {
    "describe_compute_environments": (_five_ces, "computeEnvironments", "computeEnvironmentArn"),
    "describe_job_queues": (_five_queues, "jobQueues", "jobQueueArn"),
    "describe_job_definitions": (_five_definitions, "jobDefinitions", "jobDefinitionArn"),
    "list_scheduling_policies": (_five_policies, "schedulingPolicies", "arn"),
}


@pytest.mark.parametrize("method", sorted(PAGED))
def test_max_results_and_next_token_walk_every_item_once(batch: Any, method: str) -> None:
    create, key, ident = PAGED[method]
    create(batch)
    operation = getattr(batch, method)

    pages = [operation(maxResults=2)]
    while "nextToken" in pages[-1]:
        pages.append(operation(maxResults=2, nextToken=pages[-1]["nextToken"]))

    assert [len(page[key]) for page in pages] == [2, 2, 1]
    seen = [item[ident] for page in pages for item in page[key]]
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("method", sorted(PAGED))
def test_boto3_paginator_yields_every_item_exactly_once(batch: Any, method: str) -> None:
    create, key, ident = PAGED[method]
    create(batch)

    pages = list(batch.get_paginator(method).paginate(PaginationConfig={"PageSize": 2}))

    seen = [item[ident] for page in pages for item in page[key]]
    assert len(pages) == 3
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("method", sorted(PAGED))
def test_empty_next_token_means_the_first_page(batch: Any, method: str) -> None:
    create, key, ident = PAGED[method]
    create(batch)
    operation = getattr(batch, method)

    with_empty = operation(maxResults=2, nextToken="")
    without = operation(maxResults=2)

    assert [i[ident] for i in with_empty[key]] == [i[ident] for i in without[key]]


@pytest.mark.parametrize("method", sorted(PAGED))
def test_garbage_next_token_is_rejected(batch: Any, method: str) -> None:
    create, _, _ = PAGED[method]
    create(batch)

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            f"{batch.meta.method_to_api_mapping[method]}: nextToken is not a token this operation returned"
        ),
    ):
        getattr(batch, method)(maxResults=2, nextToken="not-a-token!")


# -- regions ------------------------------------------------------------------------------


def test_a_queue_is_only_visible_in_its_region(fake_batch: object) -> None:
    ireland = boto3.client("batch", region_name="eu-west-1")
    virginia = boto3.client("batch", region_name="us-east-1")
    make_ce(ireland)
    make_queue(ireland, "jobs")

    assert virginia.describe_job_queues()["jobQueues"] == []
    assert virginia.describe_job_queues(jobQueues=["jobs"])["jobQueues"] == []
    assert virginia.describe_compute_environments()["computeEnvironments"] == []


def test_the_same_names_can_exist_in_two_regions(fake_batch: object) -> None:
    ireland = boto3.client("batch", region_name="eu-west-1")
    virginia = boto3.client("batch", region_name="us-east-1")

    arns = [(make_ce(client), make_queue(client, "jobs")) for client in (ireland, virginia)]

    assert arns == [
        (
            f"arn:aws:batch:{region}:{ACCOUNT}:compute-environment/ce",
            f"arn:aws:batch:{region}:{ACCOUNT}:job-queue/jobs",
        )
        for region in ("eu-west-1", "us-east-1")
    ]
    assert [q["jobQueueName"] for q in ireland.describe_job_queues()["jobQueues"]] == ["jobs"]
    assert [q["jobQueueName"] for q in virginia.describe_job_queues()["jobQueues"]] == ["jobs"]


# -- wrong types with client-side validation off ------------------------------------------

ORDER = [{"order": 1, "computeEnvironment": "ce"}]


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        pytest.param(
            "create_job_queue",
            {"jobQueueName": "q", "priority": "high", "computeEnvironmentOrder": ORDER},
            "priority",
            id="priority-string",
        ),
        pytest.param(
            "create_job_queue",
            {"jobQueueName": "q", "priority": True, "computeEnvironmentOrder": ORDER},
            "priority",
            id="priority-bool",
        ),
        pytest.param(
            "create_job_queue",
            {"jobQueueName": 7, "priority": 1, "computeEnvironmentOrder": ORDER},
            "jobQueueName",
            id="name-number",
        ),
        pytest.param(
            "create_job_queue",
            {
                "jobQueueName": "q",
                "priority": 1,
                "computeEnvironmentOrder": [{"order": "1", "computeEnvironment": "ce"}],
            },
            "computeEnvironmentOrder",
            id="order-string",
        ),
        pytest.param(
            "create_job_queue",
            {
                "jobQueueName": "q",
                "priority": 1,
                "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": 3}],
            },
            "computeEnvironmentOrder",
            id="order-environment-number",
        ),
        pytest.param(
            "create_job_queue",
            {"jobQueueName": "q", "priority": 1, "computeEnvironmentOrder": ORDER, "tags": {"team": 1}},
            "tags",
            id="tag-value-number",
        ),
        pytest.param(
            "create_compute_environment",
            {
                "computeEnvironmentName": "other",
                "type": "MANAGED",
                "computeResources": {**COMPUTE_RESOURCES["EC2"], "maxvCpus": "lots"},
            },
            "maxvCpus",
            id="max-vcpus-string",
        ),
        pytest.param(
            "update_compute_environment", {"computeEnvironment": "ce", "state": 1}, "state", id="state-number"
        ),
        pytest.param(
            "register_job_definition",
            {
                "jobDefinitionName": "d",
                "type": "container",
                "containerProperties": {"image": "i", "vcpus": "two", "memory": 512},
            },
            "vcpus",
            id="vcpus-string",
        ),
        pytest.param(
            "register_job_definition",
            {
                "jobDefinitionName": "d",
                "type": "container",
                "containerProperties": {"image": "i"},
                "timeout": {"attemptDurationSeconds": "600"},
            },
            "attemptDurationSeconds",
            id="timeout-string",
        ),
        pytest.param(
            "register_job_definition",
            {
                "jobDefinitionName": "d",
                "type": "container",
                "containerProperties": {"image": "i"},
                "retryStrategy": {"attempts": "3"},
            },
            "attempts",
            id="attempts-string",
        ),
        pytest.param("describe_job_queues", {"maxResults": "10"}, "maxResults", id="max-results-string"),
    ],
)
def test_wrong_types_without_client_validation_get_a_client_exception(
    batch: Any, method: str, params: dict[str, Any], field: str
) -> None:
    make_ce(batch)
    loose = boto3.client(
        "batch", region_name=batch.meta.region_name, config=Config(parameter_validation=False)
    )

    with pytest.raises(loose.exceptions.ClientException, match=field):
        getattr(loose, method)(**params)
    assert batch.describe_job_queues()["jobQueues"] == []
    assert batch.describe_job_definitions()["jobDefinitions"] == []
