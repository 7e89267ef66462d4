"""Consumable resources (resource-aware scheduling): the resources, and jobs waiting for them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = needs_operation("CreateConsumableResource")

WAITING = "Waiting for consumable resource"  # the fake's words: AWS documents none
REGION = "eu-west-1"  # the region of conftest's batch client


def arn(name: str) -> str:
    return f"arn:aws:batch:{REGION}:123456789012:consumable-resource/{name}"


def counts(batch: Any, name: str) -> tuple[int, int, int]:
    """(totalQuantity, inUseQuantity, availableQuantity) as DescribeConsumableResource says."""
    found = batch.describe_consumable_resource(consumableResource=name)
    return found["totalQuantity"], found["inUseQuantity"], found["availableQuantity"]


def users(batch: Any, name: str, status: str | None = None) -> dict[str, int]:
    """Job id -> quantity of every job ListJobsByConsumableResource lists (all pages)."""
    filters = [{"name": "JOB_STATUS", "values": [status]}] if status else []
    pages = batch.get_paginator("list_jobs_by_consumable_resource").paginate(
        consumableResource=name, filters=filters, PaginationConfig={"PageSize": 1}
    )
    return {j["jobArn"].rsplit("/", 1)[-1]: j["quantity"] for page in pages for j in page["jobs"]}


def held(batch: Any, name: str) -> int:
    """What the jobs that ListJobsByConsumableResource shows STARTING or RUNNING hold."""
    return sum(users(batch, name, "STARTING").values()) + sum(users(batch, name, "RUNNING").values())


def status(batch: Any, job_id: str) -> tuple[str, str | None]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job["status"], job.get("statusReason")


def error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    assert raised.value.response["Error"]["Code"] == "ClientException"
    return str(raised.value.response["Error"]["Message"])


# --- the resources -----------------------------------------------------------------------


@pytest.mark.aws_doc(
    "UG: Create consumable resources",
    "(optional) resource type (resourceType) ... This can be one of: REPLENISHABLE (default) "
    "NON_REPLENISHABLE",
    family="Consumable resources",
    ops=("CreateConsumableResource", "DescribeConsumableResource", "ListConsumableResources"),
)
def test_create_describe_list_delete(batch: Any) -> None:
    made = batch.create_consumable_resource(
        consumableResourceName="licenses", totalQuantity=3, tags={"team": "etl"}
    )
    assert made == {
        "consumableResourceName": "licenses",
        "consumableResourceArn": arn("licenses"),
        "ResponseMetadata": made["ResponseMetadata"],
    }
    found = batch.describe_consumable_resource(consumableResource=arn("licenses"))
    assert found["resourceType"] == "REPLENISHABLE"  # the default
    assert (found["totalQuantity"], found["inUseQuantity"], found["availableQuantity"]) == (3, 0, 3)
    assert found["tags"] == {"team": "etl"}
    assert isinstance(found["createdAt"], int)
    batch.create_consumable_resource(consumableResourceName="tokens", resourceType="NON_REPLENISHABLE")
    listed = batch.list_consumable_resources()["consumableResources"]
    assert listed == [
        {
            "consumableResourceArn": arn("licenses"),
            "consumableResourceName": "licenses",
            "totalQuantity": 3,
            "inUseQuantity": 0,
            "resourceType": "REPLENISHABLE",
        },
        {
            "consumableResourceArn": arn("tokens"),
            "consumableResourceName": "tokens",
            "totalQuantity": 0,
            "inUseQuantity": 0,
            "resourceType": "NON_REPLENISHABLE",
        },
    ]
    batch.delete_consumable_resource(consumableResource="licenses")
    assert "does not exist" in error(batch.describe_consumable_resource, consumableResource="licenses")
    assert [
        r["consumableResourceName"] for r in batch.list_consumable_resources()["consumableResources"]
    ] == ["tokens"]
    assert "does not exist" in error(batch.list_tags_for_resource, resourceArn=arn("licenses"))


def test_tags(batch: Any) -> None:
    resource = batch.create_consumable_resource(consumableResourceName="db", totalQuantity=1)
    resource_arn = resource["consumableResourceArn"]
    batch.tag_resource(resourceArn=resource_arn, tags={"a": "1", "b": "2"})
    batch.untag_resource(resourceArn=resource_arn, tagKeys=["a"])
    assert batch.list_tags_for_resource(resourceArn=resource_arn)["tags"] == {"b": "2"}
    assert batch.describe_consumable_resource(consumableResource="db")["tags"] == {"b": "2"}


@pytest.mark.aws_doc(
    "botocore: ListConsumableResourcesRequest",
    "values: case-insensitive matches for the consumable resource name. If a filter value ends with an "
    "asterisk (*), it matches any consumable resource name that begins with the string before the '*'.",
    family="Consumable resources",
    ops=("ListConsumableResources",),
)
@pytest.mark.aws_doc(
    "API: ListConsumableResources",
    "maxResults ... This value can be between 1 and 100.",
    family="Consumable resources",
    ops=("ListConsumableResources",),
)
def test_list_filters_and_pages(batch: Any) -> None:
    for name in ("gpu-a", "GPU-b", "cpu", "gpu"):
        batch.create_consumable_resource(consumableResourceName=name, totalQuantity=1)

    def names(**kwargs: Any) -> list[str]:
        pages = batch.get_paginator("list_consumable_resources").paginate(
            PaginationConfig={"PageSize": 1}, **kwargs
        )
        return [r["consumableResourceName"] for page in pages for r in page["consumableResources"]]

    assert names() == ["gpu-a", "GPU-b", "cpu", "gpu"]
    assert names(filters=[{"name": "CONSUMABLE_RESOURCE_NAME", "values": ["gpu*"]}]) == [
        "gpu-a",
        "GPU-b",
        "gpu",
    ]
    assert names(filters=[{"name": "CONSUMABLE_RESOURCE_NAME", "values": ["GPU"]}]) == ["gpu"]
    first = batch.list_consumable_resources(maxResults=2)
    assert len(first["consumableResources"]) == 2
    assert first["nextToken"]
    message = error(batch.list_consumable_resources, filters=[{"name": "NAME", "values": ["gpu"]}])
    assert "CONSUMABLE_RESOURCE_NAME" in message
    assert "between 1 and 100" in error(batch.list_consumable_resources, maxResults=101)


@pytest.mark.aws_doc(
    "API: UpdateConsumableResource",
    "SET Sets the quantity of the resource to the value specified by the quantity parameter. ADD Increases "
    "the quantity of the resource by the value ... REMOVE Reduces the quantity of the resource by the value",
    family="Consumable resources",
    ops=("UpdateConsumableResource",),
)
@pytest.mark.aws_doc(
    "API: UpdateConsumableResource",
    "If this parameter is specified and two update requests with identical payloads and clientTokens are "
    "received, these requests are considered the same request. Both requests will succeed, but the update "
    "will only happen once.",
    family="Consumable resources",
    ops=("UpdateConsumableResource",),
)
def test_update_set_add_remove(batch: Any) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)
    answer = batch.update_consumable_resource(consumableResource="licenses", operation="ADD", quantity=2)
    assert (answer["consumableResourceArn"], answer["totalQuantity"]) == (arn("licenses"), 5)
    batch.update_consumable_resource(consumableResource=arn("licenses"), operation="REMOVE", quantity=4)
    assert counts(batch, "licenses") == (1, 0, 1)
    batch.update_consumable_resource(consumableResource="licenses", operation="SET", quantity=7)
    assert counts(batch, "licenses") == (7, 0, 7)
    # the same clientToken and payload: the update happens once
    for _ in range(2):
        batch.update_consumable_resource(
            consumableResource="licenses", operation="ADD", quantity=1, clientToken="once"
        )
    assert counts(batch, "licenses") == (8, 0, 8)
    message = error(
        batch.update_consumable_resource,
        consumableResource="licenses",
        operation="ADD",
        quantity=2,
        clientToken="once",
    )
    assert "clientToken 'once'" in message
    assert counts(batch, "licenses") == (8, 0, 8)


@pytest.mark.aws_doc(
    "API: UpdateConsumableResource",
    "A clientToken is valid for 8 hours.",
    family="Consumable resources",
    ops=("UpdateConsumableResource",),
)
def test_a_client_token_is_valid_for_8_hours(batch: Any, fake_batch: FakeBatch) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)

    def add_one() -> int:
        answer = batch.update_consumable_resource(
            consumableResource="licenses", operation="ADD", quantity=1, clientToken="nightly"
        )
        return int(answer["totalQuantity"])

    assert [add_one(), add_one()] == [4, 4]
    fake_batch.advance(8 * 3600 - 1)
    assert add_one() == 4  # still the same request
    fake_batch.advance(1)
    assert add_one() == 5  # a new one
    assert counts(batch, "licenses") == (5, 0, 5)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"operation": "REMOVE", "quantity": 4}, "-1: it must be non-negative (it is 3); remove at most 3"),
        ({"operation": "MULTIPLY", "quantity": 1}, "operation must be one of SET, ADD, REMOVE"),
        ({"operation": "SET", "quantity": -1}, "quantity must be non-negative"),
        ({"operation": "ADD"}, "quantity is required"),
    ],
)
@pytest.mark.aws_doc(
    "API: UpdateConsumableResource",
    "quantity The change in the total quantity of the consumable resource. ... Must be a non-negative value.",
    family="Consumable resources",
    ops=("UpdateConsumableResource",),
)
def test_update_refused(batch: Any, kwargs: dict[str, Any], words: str) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)
    assert words in error(batch.update_consumable_resource, consumableResource="licenses", **kwargs)
    assert counts(batch, "licenses") == (3, 0, 3)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"consumableResourceName": "bad name"}, "consumableResourceName 'bad name' is invalid"),
        ({"consumableResourceName": "-x"}, "is invalid"),
        ({"consumableResourceName": "x" * 129}, "is invalid"),
        ({"consumableResourceName": "ok", "totalQuantity": -1}, "totalQuantity must be non-negative"),
        ({"consumableResourceName": "ok", "resourceType": "SOMETIMES"}, "resourceType must be one of"),
        ({"consumableResourceName": "ok", "tags": {"aws:x": "1"}}, "reserved prefix"),
    ],
)
@pytest.mark.aws_doc(
    "API: CreateConsumableResource",
    "totalQuantity The total amount of the consumable resource that is available. Must be non-negative.",
    family="Consumable resources",
    ops=("CreateConsumableResource",),
)
def test_create_refused(batch: Any, kwargs: dict[str, Any], words: str) -> None:
    assert words in error(batch.create_consumable_resource, **kwargs)
    assert batch.list_consumable_resources()["consumableResources"] == []


@pytest.mark.aws_doc(
    "UG: Create consumable resources",
    "resource name (consumableResourceName) that must be unique at the account level.",
    family="Consumable resources",
    ops=("CreateConsumableResource",),
)
def test_names_are_unique_and_unknown_ones_refused(batch: Any) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=1)
    assert "already exists" in error(batch.create_consumable_resource, consumableResourceName="licenses")
    for call in (batch.describe_consumable_resource, batch.delete_consumable_resource):
        message = error(call, consumableResource="nope")
        assert "consumable resource 'nope' does not exist" in message
        assert "'licenses'" in message
    message = error(batch.list_jobs_by_consumable_resource, consumableResource=arn("nope"))
    assert "does not exist" in message


@pytest.mark.aws_doc(
    "UG: Create consumable resources",
    "The maximum number of consumable resources per account is 50k.",
    family="Consumable resources",
    ops=("CreateConsumableResource",),
)
def test_at_most_50k_resources(batch: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # 50,000 creates take half a minute: the limit is lowered to 2 for the test
    monkeypatch.setattr("pytest_fakebatch.api.consumables.consumable_resources._MAX_RESOURCES", 2)
    for name in ("a", "b"):
        batch.create_consumable_resource(consumableResourceName=name)
    message = error(batch.create_consumable_resource, consumableResourceName="c")
    assert message == (
        f"CreateConsumableResource: the account has 2 consumable resources in {REGION}, the most AWS "
        "allows (2): delete one before creating 'c'"
    )
    batch.delete_consumable_resource(consumableResource="a")
    batch.create_consumable_resource(consumableResourceName="c")
    listed = batch.list_consumable_resources()["consumableResources"]
    assert [r["consumableResourceName"] for r in listed] == ["b", "c"]


# --- jobs that need them -----------------------------------------------------------------


@pytest.fixture
def licensed(batch: Any, queue: str) -> str:
    """A REPLENISHABLE resource 'licenses' of 3 and a definition 'licensed' needing 2 of it."""
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)
    batch.register_job_definition(
        jobDefinitionName="licensed",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
        consumableResourceProperties={
            "consumableResourceList": [{"consumableResource": "licenses", "quantity": 2}]
        },
    )
    return "licensed"


@pytest.fixture
def ten_seconds(fake_batch: FakeBatch) -> None:
    """Every job takes 10 simulated seconds."""

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        job.sleep(10)


@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "If a consumable resource for the job is not available when the job reaches the head of the queue, the "
    "job will wait in RUNNABLE state until all the required resources become available ... Resources are "
    "locked once the job moves to STARTING and are then unlocked when the job moves to SUCCEEDED or FAILED.",
    family="Consumable resources",
    ops=("SubmitJob", "DescribeConsumableResource"),
)
@pytest.mark.aws_doc(
    "UG: Check how many resources are in-use and available",
    "If the resource is REPLENISHABLE, the number of consumed resources will be added back to the available "
    "quantity as soon as the job has moved to either the SUCCEEDED or FAILED state, and the total quantity "
    "will remain the same.",
    family="Consumable resources",
    ops=("DescribeConsumableResource",),
)
@pytest.mark.aws_doc(
    "UG: Find the jobs that require a specific consumable resource",
    "A (filtered) list of jobs that require the consumable resource is displayed, including the job's "
    "name, status, number of requested units of the consumable resource, other needed consumable resources",
    family="Consumable resources",
    ops=("ListJobsByConsumableResource",),
)
def test_a_job_waits_until_the_quantity_is_free(
    batch: Any, fake_batch: FakeBatch, licensed: str, ten_seconds: None
) -> None:
    first = batch.submit_job(jobName="a", jobQueue="q", jobDefinition=licensed)["jobId"]
    second = batch.submit_job(jobName="b", jobQueue="q", jobDefinition=licensed)["jobId"]
    assert status(batch, first) == ("RUNNING", None)
    state, reason = status(batch, second)
    assert (state, reason) == ("RUNNABLE", f"{WAITING} 'licenses': 1 of 3 available, the job needs 2")
    assert counts(batch, "licenses") == (3, 2, 1)
    assert users(batch, "licenses") == {first: 2, second: 2}
    assert held(batch, "licenses") == 2
    (waiting,) = batch.list_jobs_by_consumable_resource(
        consumableResource="licenses", filters=[{"name": "JOB_STATUS", "values": ["RUNNABLE"]}]
    )["jobs"]
    assert waiting["statusReason"] == reason
    assert waiting["jobName"] == "b"
    assert waiting["consumableResourceProperties"] == {
        "consumableResourceList": [{"consumableResource": "licenses", "quantity": 2}]
    }

    fake_batch.advance(10)  # the first ends: its 2 come back and the second starts at once
    assert status(batch, first)[0] == "SUCCEEDED"
    assert status(batch, second) == ("RUNNING", None)
    assert counts(batch, "licenses") == (3, 2, 1)
    assert held(batch, "licenses") == 2
    fake_batch.advance(10)
    assert status(batch, second)[0] == "SUCCEEDED"
    assert counts(batch, "licenses") == (3, 0, 3)  # REPLENISHABLE: all of it back
    assert held(batch, "licenses") == 0
    assert users(batch, "licenses", "SUCCEEDED") == {first: 2, second: 2}
    batch.delete_consumable_resource(consumableResource="licenses")
    assert batch.list_consumable_resources()["consumableResources"] == []


@pytest.mark.aws_doc(
    "UG: Check how many resources are in-use and available",
    "If the resource is NON_REPLENISHABLE, the number of consumed resources is subtracted from both the "
    "total and available quantities and won't be added back whether the job moves to the SUCCEEDED or "
    "FAILED state.",
    family="Consumable resources",
    ops=("DescribeConsumableResource", "UpdateConsumableResource"),
)
def test_non_replenishable_is_used_up(
    batch: Any, fake_batch: FakeBatch, queue: str, ten_seconds: None
) -> None:
    batch.create_consumable_resource(
        consumableResourceName="credits", totalQuantity=3, resourceType="NON_REPLENISHABLE"
    )
    batch.register_job_definition(
        jobDefinitionName="spend",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
        consumableResourceProperties={
            "consumableResourceList": [{"consumableResource": "credits", "quantity": 2}]
        },
    )
    first = batch.submit_job(jobName="a", jobQueue="q", jobDefinition="spend")["jobId"]
    assert counts(batch, "credits") == (1, 2, 1)  # out of the total and the available at once
    fake_batch.advance(10)
    assert status(batch, first)[0] == "SUCCEEDED"
    assert counts(batch, "credits") == (1, 0, 1)  # used up: never added back
    later = batch.submit_job(jobName="b", jobQueue="q", jobDefinition="spend")["jobId"]
    fake_batch.advance(3600)
    assert status(batch, later) == ("RUNNABLE", f"{WAITING} 'credits': 1 of 1 available, the job needs 2")
    assert counts(batch, "credits") == (1, 0, 1)
    assert held(batch, "credits") == 0
    # a replenished pool lets it run
    batch.update_consumable_resource(consumableResource="credits", operation="ADD", quantity=1)
    assert status(batch, later) == ("RUNNING", None)
    assert counts(batch, "credits") == (0, 2, 0)


@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "Resources are locked once the job moves to STARTING and are then unlocked when the job moves to "
    "SUCCEEDED or FAILED.",
    family="Consumable resources",
    ops=("SubmitJob", "DescribeConsumableResource"),
)
def test_a_failed_job_gives_back_and_a_retry_keeps_its_quantity(
    batch: Any, fake_batch: FakeBatch, licensed: str
) -> None:
    seen: list[tuple[int, int]] = []

    @fake_batch.handler("*")
    def fail(job: JobRun) -> int:
        found = batch.describe_consumable_resource(consumableResource="licenses")
        seen.append((found["inUseQuantity"], found["availableQuantity"]))
        return 3

    job_id = batch.submit_job(
        jobName="a", jobQueue="q", jobDefinition=licensed, retryStrategy={"attempts": 3}
    )["jobId"]
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    assert job["status"] == "FAILED"
    assert len(job["attempts"]) == 3
    assert seen == [(2, 1)] * 3  # held through the retries, never taken twice
    assert counts(batch, "licenses") == (3, 0, 3)


@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "Resources are locked once the job moves to STARTING and are then unlocked when the job moves to "
    "SUCCEEDED or FAILED.",
    family="Consumable resources",
    ops=("CancelJob", "TerminateJob"),
)
def test_cancelling_a_waiting_job_and_terminating_a_running_one(
    batch: Any, fake_batch: FakeBatch, licensed: str, ten_seconds: None
) -> None:
    first = batch.submit_job(jobName="a", jobQueue="q", jobDefinition=licensed)["jobId"]
    second = batch.submit_job(jobName="b", jobQueue="q", jobDefinition=licensed)["jobId"]
    batch.cancel_job(jobId=second, reason="not today")
    assert status(batch, second) == ("FAILED", "not today")
    assert counts(batch, "licenses") == (3, 2, 1)
    batch.terminate_job(jobId=first, reason="stop")
    assert status(batch, first)[0] == "FAILED"
    assert counts(batch, "licenses") == (3, 0, 3)


@pytest.mark.aws_doc(
    "UG: Resource-aware scheduling",
    "It can be used with Array jobs, Multi-node parallel (MNP) jobs, and with regular Batch jobs.",
    family="Consumable resources",
    ops=("SubmitJob",),
)
@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "the quantity of that resource each instance of the job requires (quantity). ... you can override the "
    "list of consumable resources and the quantity of each using the consumableResourcePropertiesOverride",
    family="Consumable resources",
    ops=("SubmitJob",),
)
def test_array_children_each_need_the_quantity(
    batch: Any, fake_batch: FakeBatch, queue: str, ten_seconds: None
) -> None:
    batch.create_consumable_resource(consumableResourceName="seats", totalQuantity=2)
    batch.register_job_definition(
        jobDefinitionName="plain",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
    )
    parent = batch.submit_job(
        jobName="fan",
        jobQueue="q",
        jobDefinition="plain",
        arrayProperties={"size": 5},
        consumableResourcePropertiesOverride={
            "consumableResourceList": [{"consumableResource": arn("seats"), "quantity": 1}]
        },
    )["jobId"]
    children = [f"{parent}:{i}" for i in range(5)]
    running_counts = []
    for _ in range(3):
        running = users(batch, "seats", "RUNNING")
        assert counts(batch, "seats") == (2, sum(running.values()), 2 - sum(running.values()))
        running_counts.append(len(running))
        assert set(users(batch, "seats")) == set(children)
        fake_batch.advance(10)
    assert running_counts == [2, 2, 1]
    assert {status(batch, c)[0] for c in children} == {"SUCCEEDED"}
    (detail,) = batch.describe_jobs(jobs=[parent])["jobs"]
    assert detail["status"] == "SUCCEEDED"
    assert detail["consumableResourceProperties"] == {
        "consumableResourceList": [{"consumableResource": arn("seats"), "quantity": 1}]
    }
    assert counts(batch, "seats") == (2, 0, 2)


@pytest.mark.aws_doc(
    "botocore: ListJobsByConsumableResourceRequest",
    "name: JOB_STATUS values: SUBMITTED | PENDING | RUNNABLE | STARTING | RUNNING | SUCCEEDED | FAILED "
    "name: JOB_NAME The values are case-insensitive matches for the job name. If a filter value ends with an "
    "asterisk (*), it matches any job name that begins with the string before the '*'.",
    family="Consumable resources",
    ops=("ListJobsByConsumableResource",),
)
def test_list_jobs_filters_by_name_and_pages(batch: Any, fake_batch: FakeBatch, licensed: str) -> None:
    fake_batch.autorun = False
    ids = [
        batch.submit_job(jobName=n, jobQueue="q", jobDefinition=licensed)["jobId"]
        for n in ("Nightly-1", "daily")
    ]
    assert users(batch, "licenses") == dict.fromkeys(ids, 2)
    named = batch.list_jobs_by_consumable_resource(
        consumableResource="licenses", filters=[{"name": "JOB_NAME", "values": ["nightly*"]}]
    )["jobs"]
    assert [j["jobName"] for j in named] == ["Nightly-1"]
    assert named[0]["jobStatus"] == "SUBMITTED"
    message = error(
        batch.list_jobs_by_consumable_resource,
        consumableResource="licenses",
        filters=[{"name": "JOB_STATUS", "values": ["DONE"]}],
    )
    assert "JOB_STATUS takes one of" in message


@needs_member("SubmitJob", "consumableResourcePropertiesOverride")
@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "Repeat the previous step for all the consumable resources required by the job. You can specify up to "
    "5 resources for each job you define.",
    family="Consumable resources",
    ops=("SubmitJob",),
)
@pytest.mark.parametrize(
    ("override", "words"),
    [
        (
            {"consumableResourceList": [{"consumableResource": "nope", "quantity": 1}]},
            "'nope' does not exist",
        ),
        ({"consumableResourceList": [{"consumableResource": "licenses", "quantity": 0}]}, "at least 1"),
        ({"consumableResourceList": [{"quantity": 1}]}, "consumableResource is required"),
        (
            {"consumableResourceList": [{"consumableResource": "licenses", "quantity": 1}] * 2},
            "a second time",
        ),
        (
            {"consumableResourceList": [{"consumableResource": f"r{i}", "quantity": 1} for i in range(6)]},
            "at most 5",
        ),
    ],
)
def test_submit_refuses_bad_requirements(
    batch: Any, fake_batch: FakeBatch, licensed: str, override: dict[str, Any], words: str
) -> None:
    message = error(
        batch.submit_job,
        jobName="a",
        jobQueue="q",
        jobDefinition=licensed,
        consumableResourcePropertiesOverride=override,
    )
    assert message.startswith("SubmitJob: consumableResourcePropertiesOverride")
    assert words in message
    assert fake_batch.jobs() == []


def test_register_refuses_unknown_resources(batch: Any) -> None:
    message = error(
        batch.register_job_definition,
        jobDefinitionName="x",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
        consumableResourceProperties={
            "consumableResourceList": [{"consumableResource": "nope", "quantity": 1}]
        },
    )
    assert message.startswith(
        "RegisterJobDefinition: consumableResourceProperties.consumableResourceList[0].consumableResource: "
        "consumable resource 'nope' does not exist"
    )
    assert batch.describe_job_definitions()["jobDefinitions"] == []


def test_submit_refuses_a_resource_deleted_since_register(
    batch: Any, fake_batch: FakeBatch, licensed: str
) -> None:
    batch.delete_consumable_resource(consumableResource="licenses")
    message = error(batch.submit_job, jobName="a", jobQueue="q", jobDefinition=licensed)
    assert "consumable resource 'licenses' does not exist" in message
    assert fake_batch.jobs() == []
