"""Capacity and order: queue priority, fair share, disabled resources, multi-node jobs."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_operation

from pytest_fakebatch import FakeBatch, JobRun


@pytest.fixture
def started(fake_batch: FakeBatch) -> list[str]:
    """Names of jobs in the order their attempts started; every job takes 10 simulated s."""
    order: list[str] = []

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        order.append(job.job_name)
        job.sleep(10)

    return order


@pytest.fixture
def one_slot(batch: Any) -> str:
    """A compute environment with room for one 1-vCPU job at a time; returns its name."""
    batch.create_compute_environment(
        computeEnvironmentName="narrow",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 1, "subnets": ["subnet-1"]},
    )
    batch.register_job_definition(
        jobDefinitionName="unit",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
    )
    return "narrow"


@pytest.fixture
def three_slots(batch: Any, one_slot: str) -> str:
    """A compute environment with room for three 1-vCPU 'unit' jobs at a time."""
    batch.create_compute_environment(
        computeEnvironmentName="three",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 3, "subnets": ["subnet-1"]},
    )
    return "three"


def make_queue(batch: Any, name: str, priority: int, env: str, **extra: Any) -> None:
    batch.create_job_queue(
        jobQueueName=name,
        priority=priority,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env}],
        **extra,
    )


def status(batch: Any, job_id: str) -> str:
    return batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"]


def test_a_higher_priority_queue_gets_shared_capacity_first(
    fake_batch: FakeBatch, batch: Any, one_slot: str, started: list[str]
) -> None:
    make_queue(batch, "low", 1, one_slot)
    make_queue(batch, "high", 10, one_slot)
    fake_batch.autorun = False
    for i in range(2):
        batch.submit_job(jobName=f"low-{i}", jobQueue="low", jobDefinition="unit")
        batch.submit_job(jobName=f"high-{i}", jobQueue="high", jobDefinition="unit")
    fake_batch.autorun = True

    fake_batch.advance(40)

    assert started == ["high-0", "high-1", "low-0", "low-1"]


def test_scheduling_priority_orders_jobs_within_a_queue(
    fake_batch: FakeBatch, batch: Any, one_slot: str, started: list[str]
) -> None:
    arn = batch.create_scheduling_policy(name="fair")["arn"]
    make_queue(batch, "q1", 1, one_slot, schedulingPolicyArn=arn)
    fake_batch.autorun = False
    for name, priority in (("first", 1), ("urgent", 90), ("middle", 50)):
        batch.submit_job(
            jobName=name,
            jobQueue="q1",
            jobDefinition="unit",
            shareIdentifier="team",
            schedulingPriorityOverride=priority,
        )
    fake_batch.autorun = True

    fake_batch.advance(30)

    assert started == ["urgent", "middle", "first"]


def test_fair_share_gives_capacity_to_the_share_using_least_for_its_weight(
    fake_batch: FakeBatch, batch: Any, three_slots: str, started: list[str]
) -> None:
    arn = batch.create_scheduling_policy(
        name="fair",
        fairsharePolicy={
            "shareDistribution": [
                {"shareIdentifier": "big", "weightFactor": 0.5},
                {"shareIdentifier": "small", "weightFactor": 1.0},
            ]
        },
    )["arn"]
    make_queue(batch, "shared", 1, three_slots, schedulingPolicyArn=arn)
    fake_batch.autorun = False
    for share in ("small", "big"):  # "small" submits everything first
        for i in range(3):
            batch.submit_job(
                jobName=f"{share}-{i}", jobQueue="shared", jobDefinition="unit", shareIdentifier=share
            )
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    # slot 1: no share uses anything, so submission order: small-0. Slot 2: big uses nothing.
    # Slot 3: both use one vCPU, but big's weight (0.5) makes its usage count half: big again.
    assert started == ["small-0", "big-0", "big-1"]


def test_without_weights_fair_share_takes_turns(
    fake_batch: FakeBatch, batch: Any, three_slots: str, started: list[str]
) -> None:
    arn = batch.create_scheduling_policy(name="even", fairsharePolicy={"shareDistribution": []})["arn"]
    make_queue(batch, "shared", 1, three_slots, schedulingPolicyArn=arn)
    fake_batch.autorun = False
    for share in ("a", "b"):
        for i in range(3):
            batch.submit_job(
                jobName=f"{share}-{i}", jobQueue="shared", jobDefinition="unit", shareIdentifier=share
            )
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    assert started == ["a-0", "b-0", "a-1"]


def test_a_disabled_compute_environment_holds_jobs_runnable(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    job_id = batch.submit_job(jobName="held", jobQueue=queue, jobDefinition=definition)["jobId"]
    fake_batch.run_until_idle()

    assert status(batch, job_id) == "RUNNABLE"

    batch.update_compute_environment(computeEnvironment="ce", state="ENABLED")

    assert status(batch, job_id) == "SUCCEEDED"


@needs_operation("GetJobQueueSnapshot")
def test_a_job_held_by_a_disabled_compute_environment_is_at_the_front_of_its_queue(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    job_id = batch.submit_job(jobName="held", jobQueue=queue, jobDefinition=definition)["jobId"]

    front = batch.get_job_queue_snapshot(jobQueue=queue)["frontOfQueue"]["jobs"]

    assert [j["jobArn"].rsplit("/", 1)[-1] for j in front] == [job_id]


def test_a_queue_disabled_after_submission_still_runs_the_jobs_it_holds(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    # AWS: "If the job queue state is DISABLED, new jobs can't be added to the queue, but jobs
    # already in the queue can finish."
    fake_batch.autorun = False
    job_id = batch.submit_job(jobName="queued", jobQueue=queue, jobDefinition=definition)["jobId"]
    batch.update_job_queue(jobQueue=queue, state="DISABLED")
    fake_batch.autorun = True

    assert status(batch, job_id) == "SUCCEEDED"
    with pytest.raises(batch.exceptions.ClientException, match="DISABLED"):
        batch.submit_job(jobName="late", jobQueue=queue, jobDefinition=definition)


def test_a_job_bigger_than_any_environment_waits_runnable(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    job_id = batch.submit_job(
        jobName="huge", jobQueue=queue, jobDefinition=definition, containerOverrides={"vcpus": 64}
    )["jobId"]

    assert status(batch, job_id) == "RUNNABLE"


# -- multi-node parallel jobs --------------------------------------------------------------


@pytest.fixture
def multinode(batch: Any, queue: str) -> str:
    """A 3-node definition: node 0 (main) runs image 'main', nodes 1-2 run 'worker'."""
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 3,
            "mainNode": 0,
            "nodeRangeProperties": [
                {
                    "targetNodes": "0",
                    "container": {"image": "main", "command": ["lead"], "vcpus": 1, "memory": 128},
                },
                {
                    "targetNodes": "1:",
                    "container": {"image": "worker", "command": ["follow"], "vcpus": 2, "memory": 128},
                },
            ],
        },
    )
    return "mnp"


def test_multinode_job_runs_a_node_job_per_node_with_its_environment(
    fake_batch: FakeBatch, batch: Any, queue: str, multinode: str
) -> None:
    envs: dict[str, dict[str, str]] = {}

    @fake_batch.handler("*")
    def node(job: JobRun) -> None:
        envs[job.job_id] = {k: v for k, v in job.env.items() if "NODE" in k}
        job.sleep(60 if job.image == "worker" else 5)

    job_id = batch.submit_job(jobName="mpi", jobQueue=queue, jobDefinition=multinode)["jobId"]
    fake_batch.run_until_idle()

    assert sorted(envs) == [f"{job_id}#0", f"{job_id}#1", f"{job_id}#2"]
    assert envs[f"{job_id}#0"] == {
        "AWS_BATCH_JOB_NODE_INDEX": "0",
        "AWS_BATCH_JOB_NUM_NODES": "3",
        "AWS_BATCH_JOB_MAIN_NODE_INDEX": "0",
    }
    assert envs[f"{job_id}#2"]["AWS_BATCH_JOB_NODE_INDEX"] == "2"
    assert "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS" in envs[f"{job_id}#2"]
    nodes = batch.list_jobs(multiNodeJobId=job_id)["jobSummaryList"]
    assert sorted(n["nodeProperties"]["nodeIndex"] for n in nodes) == [0, 1, 2]
    detail = batch.describe_jobs(jobs=[job_id, f"{job_id}#1"])["jobs"]
    assert detail[0]["nodeProperties"]["numNodes"] == 3
    assert detail[1]["nodeDetails"] == {"nodeIndex": 1, "isMainNode": False}
    assert detail[1]["container"]["command"] == ["follow"]


@pytest.mark.parametrize(("main_exit", "expected"), [(0, "SUCCEEDED"), (4, "FAILED")])
def test_the_main_node_decides_and_stops_the_others(
    fake_batch: FakeBatch, batch: Any, queue: str, multinode: str, main_exit: int, expected: str
) -> None:
    @fake_batch.handler("*")
    def node(job: JobRun) -> int:
        job.sleep(600 if job.image == "worker" else 5)
        return main_exit if job.image == "main" else 0

    job_id = batch.submit_job(jobName="mpi", jobQueue=queue, jobDefinition=multinode)["jobId"]
    assert status(batch, job_id) == "RUNNING"

    fake_batch.advance(5)

    assert status(batch, job_id) == expected
    worker = batch.describe_jobs(jobs=[f"{job_id}#1"])["jobs"][0]
    assert worker["status"] == "FAILED"
    assert worker["statusReason"] == "Main node exited"


def test_node_overrides_change_the_targeted_nodes_only(
    fake_batch: FakeBatch, batch: Any, queue: str, multinode: str
) -> None:
    commands: dict[int, list[str]] = {}

    @fake_batch.handler("*")
    def node(job: JobRun) -> None:
        commands[int(job.env["AWS_BATCH_JOB_NODE_INDEX"])] = job.command

    batch.submit_job(
        jobName="mpi",
        jobQueue=queue,
        jobDefinition=multinode,
        nodeOverrides={
            "numNodes": 4,
            "nodePropertyOverrides": [{"targetNodes": "2:3", "containerOverrides": {"command": ["other"]}}],
        },
    )
    fake_batch.run_until_idle()

    assert commands == {0: ["lead"], 1: ["follow"], 2: ["other"], 3: ["other"]}


def test_multinode_bad_input_is_rejected(batch: Any, queue: str, multinode: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="numNodes"):
        batch.submit_job(
            jobName="mpi", jobQueue=queue, jobDefinition=multinode, nodeOverrides={"numNodes": 0}
        )
    with pytest.raises(batch.exceptions.ClientException, match="cannot also be an array"):
        batch.submit_job(jobName="mpi", jobQueue=queue, jobDefinition=multinode, arrayProperties={"size": 2})
    with pytest.raises(batch.exceptions.ClientException, match="multi-node job 'nope' does not exist"):
        batch.list_jobs(multiNodeJobId="nope")


def test_a_fifo_queue_ignores_scheduling_priority(
    fake_batch: FakeBatch, batch: Any, one_slot: str, started: list[str]
) -> None:
    make_queue(batch, "fifo", 1, one_slot)
    fake_batch.autorun = False
    batch.submit_job(jobName="first", jobQueue="fifo", jobDefinition="unit")
    batch.submit_job(jobName="second", jobQueue="fifo", jobDefinition="unit", schedulingPriorityOverride=9000)
    fake_batch.autorun = True

    fake_batch.advance(20)

    assert started == ["first", "second"]


def test_a_multinode_job_waits_until_all_its_nodes_fit(
    fake_batch: FakeBatch, batch: Any, one_slot: str, started: list[str]
) -> None:
    make_queue(batch, "small", 1, one_slot)
    batch.register_job_definition(
        jobDefinitionName="trio",
        type="multinode",
        nodeProperties={
            "numNodes": 3,
            "mainNode": 0,
            "nodeRangeProperties": [
                {"targetNodes": "0:", "container": {"image": "node", "vcpus": 1, "memory": 64}}
            ],
        },
    )

    job_id = batch.submit_job(jobName="mpi", jobQueue="small", jobDefinition="trio")["jobId"]

    assert status(batch, job_id) == "RUNNABLE"
    assert started == []


def test_stepping_shows_a_retried_job_back_in_runnable(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(definition="work")
    def flaky(job: JobRun) -> int:
        return 1 if job.attempt == 1 else 0

    fake_batch.autorun = False
    job_id = batch.submit_job(
        jobName="flaky", jobQueue=queue, jobDefinition=definition, retryStrategy={"attempts": 2}
    )["jobId"]
    seen = [status(batch, job_id)]
    while fake_batch.step():
        seen.append(status(batch, job_id))

    assert seen == [
        "SUBMITTED",
        "RUNNABLE",
        "STARTING",
        "RUNNING",
        "RUNNABLE",
        "STARTING",
        "RUNNING",
        "SUCCEEDED",
    ]
