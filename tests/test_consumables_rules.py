"""Consumable resources as AWS's User Guide describes them changing under running jobs:
deleted and created again, their total lowered below what jobs hold, quantities no total can
give."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_operation, needs_shape_member

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = needs_operation("CreateConsumableResource")

FAMILY = "Consumable resources"
DELETE_PAGE = "UG: Delete a consumable resource"
UPDATE_PAGE = "UG: Update the quantity of a resource while it is in use by jobs"


def counts(batch: Any, name: str) -> tuple[int, int, int]:
    """(totalQuantity, inUseQuantity, availableQuantity) as DescribeConsumableResource says."""
    found = batch.describe_consumable_resource(consumableResource=name)
    return found["totalQuantity"], found["inUseQuantity"], found["availableQuantity"]


def status(batch: Any, job_id: str) -> tuple[str, str | None]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job["status"], job.get("statusReason")


def listed(batch: Any, name: str) -> dict[str, tuple[str, int]]:
    """Job name -> (status, quantity) of every job ListJobsByConsumableResource lists."""
    jobs = batch.list_jobs_by_consumable_resource(consumableResource=name)["jobs"]
    return {j["jobName"]: (j["jobStatus"], j["quantity"]) for j in jobs}


def error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    assert raised.value.response["Error"]["Code"] == "ClientException"
    return str(raised.value.response["Error"]["Message"])


@pytest.fixture
def needing(batch: Any, queue: str) -> Any:
    """``needing(name, quantity, resource="licenses")`` registers a definition ``name`` whose
    jobs need ``quantity`` of ``resource``."""

    def register(name: str, quantity: int, resource: str = "licenses") -> str:
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
            consumableResourceProperties={
                "consumableResourceList": [{"consumableResource": resource, "quantity": quantity}]
            },
        )
        return name

    return register


@pytest.fixture
def timed(fake_batch: FakeBatch) -> None:
    """A job named ``<word>-<n>`` takes n * 10 simulated seconds; any other, 10."""

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        _, _, n = job.job_name.rpartition("-")
        job.sleep(10 * (int(n) if n.isdigit() else 1))


def submit(batch: Any, name: str, definition: str) -> str:
    return str(batch.submit_job(jobName=name, jobQueue="q", jobDefinition=definition)["jobId"])


# --- deleted while jobs need it -----------------------------------------------------------


@pytest.mark.aws_doc(
    DELETE_PAGE,
    "You can delete a consumable resource at any time, even when the jobs that require the resource are "
    "still running.",
    family=FAMILY,
    ops=("DeleteConsumableResource",),
)
@pytest.mark.aws_doc(
    DELETE_PAGE,
    "If you delete a consumable resource and re-create it with the same name, it is considered to be the "
    "same resource and it can be used by RUNNABLE jobs.",
    family=FAMILY,
    ops=("DeleteConsumableResource", "CreateConsumableResource", "ListJobsByConsumableResource"),
)
def test_delete_while_jobs_run_and_wait(batch: Any, fake_batch: FakeBatch, needing: Any, timed: None) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)
    needing("two", 2)
    running = submit(batch, "running", "two")
    waiting = submit(batch, "waiting", "two")
    assert counts(batch, "licenses") == (3, 2, 1)

    assert batch.delete_consumable_resource(consumableResource="licenses")["ResponseMetadata"]
    assert status(batch, running) == ("RUNNING", None)  # it runs on
    assert status(batch, waiting) == (
        "RUNNABLE",
        "Waiting for consumable resource 'licenses', which does not exist: it was deleted; the job runs "
        "once a consumable resource of that name is created again",
    )
    assert "does not exist" in error(batch.describe_consumable_resource, consumableResource="licenses")
    fake_batch.advance(10)
    assert status(batch, running)[0] == "SUCCEEDED"
    fake_batch.advance(3600)
    assert status(batch, waiting)[0] == "RUNNABLE"  # nothing to take from

    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=2)
    assert status(batch, waiting) == ("RUNNING", None)  # the same resource again
    assert counts(batch, "licenses") == (2, 2, 0)
    assert listed(batch, "licenses") == {"running": ("SUCCEEDED", 2), "waiting": ("RUNNING", 2)}
    fake_batch.advance(10)
    assert counts(batch, "licenses") == (2, 0, 2)


@pytest.mark.aws_doc(
    DELETE_PAGE,
    "If the deleted consumable resource has resource type (resourceType) REPLENISHABLE, this will be "
    "ignored when the jobs complete.",
    family=FAMILY,
    ops=("DeleteConsumableResource", "DescribeConsumableResource"),
)
def test_jobs_ending_after_a_delete_give_nothing_back(
    batch: Any, fake_batch: FakeBatch, needing: Any, timed: None
) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)
    needing("two", 2)
    old = submit(batch, "old-3", "two")  # 30 seconds
    batch.delete_consumable_resource(consumableResource="licenses")
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=3)
    new = submit(batch, "new-1", "two")  # 10 seconds, on the resource created again
    assert counts(batch, "licenses") == (3, 2, 1)  # what the old job holds is not counted
    fake_batch.advance(10)
    assert status(batch, new)[0] == "SUCCEEDED"
    assert counts(batch, "licenses") == (3, 0, 3)
    fake_batch.advance(20)
    assert status(batch, old)[0] == "SUCCEEDED"
    assert counts(batch, "licenses") == (3, 0, 3)  # its 2 went to no resource


@pytest.mark.aws_doc(
    DELETE_PAGE,
    "You can delete a consumable resource at any time, even when the jobs that require the resource are "
    "still running.",
    family=FAMILY,
    ops=("DeleteConsumableResource",),
)
def test_delete_while_a_job_waits_for_a_retry(batch: Any, fake_batch: FakeBatch, needing: Any) -> None:
    """A job between attempts (RUNNABLE again) still holds its quantity: it starts its next
    attempt on it although the resource is gone."""
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=2)
    needing("two", 2)
    outcomes = [3, 0]

    @fake_batch.handler("*")
    def flaky(job: JobRun) -> int:
        if job.attempt == 1:
            batch.delete_consumable_resource(consumableResource="licenses")
        return outcomes[job.attempt - 1]

    job_id = batch.submit_job(
        jobName="flaky", jobQueue="q", jobDefinition="two", retryStrategy={"attempts": 2}
    )["jobId"]
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    assert (job["status"], [a["container"]["exitCode"] for a in job["attempts"]]) == ("SUCCEEDED", [3, 0])


# --- the total lowered below what jobs hold ------------------------------------------------


@pytest.mark.aws_doc(
    UPDATE_PAGE,
    "If there are units in use, Batch reduces the available quantity immediately and, as jobs finish, "
    "Batch reduces the total (available) quantity so that it eventually arrives at the new number.",
    family=FAMILY,
    ops=("UpdateConsumableResource", "DescribeConsumableResource"),
)
def test_a_total_lowered_below_what_jobs_hold_converges(
    batch: Any, fake_batch: FakeBatch, needing: Any, timed: None
) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=5)
    needing("one", 1)
    ids = [submit(batch, f"job-{n}", "one") for n in (1, 2, 3, 4)]
    assert counts(batch, "licenses") == (5, 4, 1)
    answer = batch.update_consumable_resource(consumableResource="licenses", operation="SET", quantity=1)
    assert answer["totalQuantity"] == 4
    assert counts(batch, "licenses") == (4, 4, 0)  # available drops now
    message = error(
        batch.update_consumable_resource, consumableResource="licenses", operation="REMOVE", quantity=2
    )
    assert message == (
        "UpdateConsumableResource: REMOVE 2 would make totalQuantity of 'licenses' -1: it must be "
        "non-negative (it is 1, shown as 4 until running jobs give back what they hold); remove at most 1"
    )
    later = submit(batch, "later-9", "one")
    seen = []
    for _ in range(4):
        fake_batch.advance(10)
        seen.append(counts(batch, "licenses"))
    assert seen == [(3, 3, 0), (2, 2, 0), (1, 1, 0), (1, 1, 0)]
    assert [status(batch, i)[0] for i in ids] == ["SUCCEEDED"] * 4
    assert status(batch, later) == ("RUNNING", None)  # the one unit, once it was free
    fake_batch.advance(90)
    assert counts(batch, "licenses") == (1, 0, 1)  # arrived at the new number


@pytest.mark.aws_doc(
    UPDATE_PAGE,
    "If the new total quantity is less than before and there are no units of this resource in use, Batch "
    "just reduces the total (or available) quantity.",
    family=FAMILY,
    ops=("UpdateConsumableResource",),
)
@pytest.mark.aws_doc(
    UPDATE_PAGE,
    "If the new total quantity you specify is greater than before, Batch schedules more jobs accordingly.",
    family=FAMILY,
    ops=("UpdateConsumableResource",),
)
def test_raise_and_lower_with_nothing_in_use(
    batch: Any, fake_batch: FakeBatch, needing: Any, timed: None
) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=4)
    batch.update_consumable_resource(consumableResource="licenses", operation="REMOVE", quantity=3)
    assert counts(batch, "licenses") == (1, 0, 1)
    needing("one", 1)
    ids = [submit(batch, f"job-{n}", "one") for n in (1, 2, 3)]
    assert [status(batch, i)[0] for i in ids] == ["RUNNING", "RUNNABLE", "RUNNABLE"]
    batch.update_consumable_resource(consumableResource="licenses", operation="ADD", quantity=2)
    assert [status(batch, i)[0] for i in ids] == ["RUNNING"] * 3
    assert counts(batch, "licenses") == (3, 3, 0)


@pytest.mark.aws_doc(
    UPDATE_PAGE,
    "For Non-replenishable resources: ... A pop-up window appears in which you can Set available value, "
    "Add resources, or Remove resources",
    family=FAMILY,
    ops=("UpdateConsumableResource", "DescribeConsumableResource"),
)
def test_a_non_replenishable_total_is_what_is_left(
    batch: Any, fake_batch: FakeBatch, needing: Any, timed: None
) -> None:
    batch.create_consumable_resource(
        consumableResourceName="credits", totalQuantity=5, resourceType="NON_REPLENISHABLE"
    )
    needing("spend", 2, "credits")
    job = submit(batch, "spend-1", "spend")
    assert counts(batch, "credits") == (3, 2, 3)
    batch.update_consumable_resource(consumableResource="credits", operation="SET", quantity=1)
    assert counts(batch, "credits") == (1, 2, 1)  # the units in use are no longer part of it
    assert error(
        batch.update_consumable_resource, consumableResource="credits", operation="REMOVE", quantity=3
    ) == (
        "UpdateConsumableResource: REMOVE 3 would make totalQuantity of 'credits' -2: it must be "
        "non-negative (it is 1, with 2 more held by running jobs and no longer part of it); remove at most 1"
    )
    fake_batch.advance(10)
    assert status(batch, job)[0] == "SUCCEEDED"
    assert counts(batch, "credits") == (1, 0, 1)
    message = error(
        batch.update_consumable_resource, consumableResource="credits", operation="REMOVE", quantity=2
    )
    assert message == (
        "UpdateConsumableResource: REMOVE 2 would make totalQuantity of 'credits' -1: it must be "
        "non-negative (it is 1); remove at most 1"
    )
    assert counts(batch, "credits") == (1, 0, 1)


# --- quantities the total cannot give ------------------------------------------------------


@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "If a consumable resource for the job is not available when the job reaches the head of the queue, the "
    "job will wait in RUNNABLE state until all the required resources become available",
    family=FAMILY,
    ops=("SubmitJob", "UpdateConsumableResource"),
)
def test_a_quantity_over_the_total_waits_until_the_total_grows(
    batch: Any, fake_batch: FakeBatch, needing: Any, timed: None
) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=2)
    needing("five", 5)
    job = submit(batch, "big", "five")
    fake_batch.advance(3600)
    assert status(batch, job) == (
        "RUNNABLE",
        "Waiting for consumable resource 'licenses': 2 of 2 available, the job needs 5",
    )
    batch.update_consumable_resource(consumableResource="licenses", operation="SET", quantity=5)
    assert status(batch, job) == ("RUNNING", None)
    assert counts(batch, "licenses") == (5, 5, 0)


# --- multi-node parallel jobs ---------------------------------------------------------------


@pytest.fixture
def gpu_mnp(batch: Any, queue: str) -> str:
    """'gpus' (4) and 'licenses' (1); a 3-node definition 'mnp' whose main node (0) needs a
    license and whose other nodes need 2 GPUs each; the main node works 10 seconds."""
    batch.create_consumable_resource(consumableResourceName="gpus", totalQuantity=4)
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=1)
    container = {"vcpus": 1, "memory": 128}
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 3,
            "mainNode": 0,
            "nodeRangeProperties": [
                {
                    "targetNodes": "0:",
                    "container": {"image": "worker", **container},
                    "consumableResourceProperties": {
                        "consumableResourceList": [{"consumableResource": "gpus", "quantity": 2}]
                    },
                },
                {
                    "targetNodes": "0",
                    "container": {"image": "main", **container},
                    "consumableResourceProperties": {
                        "consumableResourceList": [{"consumableResource": "licenses", "quantity": 1}]
                    },
                },
            ],
        },
    )
    return "mnp"


@pytest.mark.aws_doc(
    "UG: Resource-aware scheduling",
    "It can be used with Array jobs, Multi-node parallel (MNP) jobs, and with regular Batch jobs.",
    family=FAMILY,
    ops=("RegisterJobDefinition", "SubmitJob", "ListJobsByConsumableResource"),
)
@pytest.mark.aws_doc(
    "API: NodeRangeProperty",
    "consumableResourceProperties Contains a list of consumable resources required by a job.",
    family=FAMILY,
    ops=("RegisterJobDefinition",),
)
@needs_shape_member("NodeRangeProperty", "consumableResourceProperties")
def test_each_node_needs_what_its_node_range_names(batch: Any, fake_batch: FakeBatch, gpu_mnp: str) -> None:
    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        job.sleep(10 if job.image == "main" else 600)

    first = submit(batch, "first", gpu_mnp)
    assert counts(batch, "gpus") == (4, 4, 0)  # nodes 1 and 2: 2 each; the main node none
    assert counts(batch, "licenses") == (1, 1, 0)
    users = batch.list_jobs_by_consumable_resource(consumableResource="gpus")["jobs"]
    assert [(j["jobArn"].rsplit("/", 1)[1], j["quantity"]) for j in users] == [
        (f"{first}#1", 2),
        (f"{first}#2", 2),
    ]
    assert users[0]["consumableResourceProperties"] == {
        "consumableResourceList": [{"consumableResource": "gpus", "quantity": 2}]
    }
    second = submit(batch, "second", gpu_mnp)
    assert {status(batch, f"{second}#{n}")[0] for n in range(3)} == {"RUNNABLE"}
    fake_batch.advance(10)  # the main node ends, its other nodes with it: all given back at once
    assert status(batch, first)[0] == "SUCCEEDED"
    assert status(batch, f"{second}#0") == ("RUNNING", None)
    assert counts(batch, "gpus") == (4, 4, 0)


@needs_shape_member("NodePropertyOverride", "consumableResourcePropertiesOverride")
@pytest.mark.aws_doc(
    "API: NodePropertyOverride",
    "consumableResourcePropertiesOverride An object that contains overrides for the consumable resources "
    "of a job.",
    family=FAMILY,
    ops=("SubmitJob",),
)
def test_a_node_override_replaces_its_nodes_needs(batch: Any, fake_batch: FakeBatch, gpu_mnp: str) -> None:
    fake_batch.autorun = False
    override = {"consumableResourceList": [{"consumableResource": "gpus", "quantity": 1}]}
    job_id = batch.submit_job(
        jobName="light",
        jobQueue="q",
        jobDefinition=gpu_mnp,
        nodeOverrides={
            "nodePropertyOverrides": [{"targetNodes": "2", "consumableResourcePropertiesOverride": override}]
        },
    )["jobId"]
    quantities = {
        j["jobArn"].rsplit("/", 1)[1]: j["quantity"]
        for j in batch.list_jobs_by_consumable_resource(consumableResource="gpus")["jobs"]
    }
    assert quantities == {f"{job_id}#1": 2, f"{job_id}#2": 1}
    message = error(
        batch.submit_job,
        jobName="bad",
        jobQueue="q",
        jobDefinition=gpu_mnp,
        nodeOverrides={
            "nodePropertyOverrides": [
                {
                    "targetNodes": "1:",
                    "consumableResourcePropertiesOverride": {
                        "consumableResourceList": [{"consumableResource": "nope", "quantity": 1}]
                    },
                }
            ]
        },
    )
    assert message.startswith(
        "SubmitJob: nodeOverrides.nodePropertyOverrides[0].consumableResourcePropertiesOverride"
        ".consumableResourceList[0].consumableResource: consumable resource 'nope' does not exist"
    )
