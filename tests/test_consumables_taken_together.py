"""Consumable resources at their edges, through boto3 (and raw JSON over HTTP): a multi-node
job's nodes take their quantities as one, whichever node needs nothing; what they ask together
counts against the resource; an update repeated with its clientToken is the same update
whatever the order of its members; ListJobsByConsumableResource's malformed filters are refused
with the exact message. Written to kill the mutants mutmut left alive in
``scheduling/consumables.py`` and ``api/consumables/``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_operation, needs_shape_member
from raw_http import send

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue")


def _counts(batch: Any, name: str) -> tuple[int, int, int]:
    """(totalQuantity, inUseQuantity, availableQuantity) as DescribeConsumableResource says."""
    found = batch.describe_consumable_resource(consumableResource=name)
    return found["totalQuantity"], found["inUseQuantity"], found["availableQuantity"]


def _status(batch: Any, job_id: str) -> tuple[str, str | None]:
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    return job["status"], job.get("statusReason")


def _mnp(batch: Any, gpus_per_worker: int) -> None:
    """A 3-node definition 'mnp': the main node (0) needs nothing, nodes 1 and 2 need
    ``gpus_per_worker`` of 'gpus' each."""
    container = {"image": "worker", "vcpus": 1, "memory": 128}
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 3,
            "mainNode": 0,
            "nodeRangeProperties": [
                {"targetNodes": "0", "container": container},
                {
                    "targetNodes": "1:",
                    "container": container,
                    "consumableResourceProperties": {
                        "consumableResourceList": [
                            {"consumableResource": "gpus", "quantity": gpus_per_worker}
                        ]
                    },
                },
            ],
        },
    )


@needs_shape_member("NodeRangeProperty", "consumableResourceProperties")
def test_nodes_after_one_that_needs_nothing_still_take_their_quantities(
    batch: Any, fake_batch: FakeBatch
) -> None:
    batch.create_consumable_resource(consumableResourceName="gpus", totalQuantity=4)
    _mnp(batch, gpus_per_worker=2)

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        job.sleep(600)

    job_id = batch.submit_job(jobName="train", jobQueue="q", jobDefinition="mnp")["jobId"]

    assert _status(batch, f"{job_id}#1")[0] == "RUNNING"
    assert _counts(batch, "gpus") == (4, 4, 0)


@needs_shape_member("NodeRangeProperty", "consumableResourceProperties")
def test_what_nodes_ask_together_counts_against_the_resource(batch: Any, fake_batch: FakeBatch) -> None:
    batch.create_consumable_resource(consumableResourceName="gpus", totalQuantity=3)
    _mnp(batch, gpus_per_worker=2)

    job_id = batch.submit_job(jobName="train", jobQueue="q", jobDefinition="mnp")["jobId"]

    assert _status(batch, f"{job_id}#1") == (
        "RUNNABLE",
        "Waiting for consumable resource 'gpus': 3 of 3 available, the job needs 4",
    )
    assert _counts(batch, "gpus") == (3, 0, 3)


@needs_operation("UpdateConsumableResource")
def test_an_update_repeated_with_its_token_is_the_same_whatever_the_member_order(
    batch: Any, fake_batch: FakeBatch
) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=1)
    url = fake_batch.serve()
    first = '{"consumableResource": "licenses", "operation": "ADD", "quantity": 2, "clientToken": "t-1"}'
    again = '{"clientToken": "t-1", "quantity": 2, "operation": "ADD", "consumableResource": "licenses"}'

    answers = [
        send(url, "POST", "/v1/updateconsumableresource", body, credentials=fake_batch.credentials)
        for body in (first, again)
    ]

    assert [a.status for a in answers] == [200, 200]
    assert answers[1].json() == answers[0].json()
    assert json.loads(answers[0].body)["totalQuantity"] == 3
    assert _counts(batch, "licenses") == (3, 0, 3)  # added once


@needs_operation("ListJobsByConsumableResource")
@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            [{"name": "JOB_STATUS", "values": ["DONE"]}],
            "ListJobsByConsumableResource: filter JOB_STATUS takes one of SUBMITTED, PENDING, RUNNABLE, "
            "STARTING, RUNNING, SUCCEEDED, FAILED, got 'DONE'",
        ),
        (
            [{"name": "QUANTITY", "values": ["1"]}],
            "ListJobsByConsumableResource: filters[0].name must be one of JOB_STATUS, JOB_NAME, "
            "got 'QUANTITY'",
        ),
        (
            [{"name": "JOB_NAME", "values": []}],
            "ListJobsByConsumableResource: filters[0].values must hold at least one string",
        ),
    ],
    ids=["unknown-status", "unknown-name", "no-value"],
)
def test_a_malformed_jobs_filter_is_refused_saying_what_is_allowed(
    batch: Any, filters: list[dict[str, Any]], message: str
) -> None:
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=1)

    with pytest.raises(ClientError) as refused:
        batch.list_jobs_by_consumable_resource(consumableResource="licenses", filters=filters)

    assert refused.value.response["Error"] == {"Code": "ClientException", "Message": message}
