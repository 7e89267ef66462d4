"""The Batch control plane, through boto3: compute environments, queues, definitions, policies, tags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

ACCOUNT = "123456789012"

COMPUTE_RESOURCES: dict[str, dict[str, Any]] = {
    "EC2": {
        "type": "EC2",
        "minvCpus": 0,
        "maxvCpus": 16,
        "instanceTypes": ["optimal"],
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
        "instanceRole": "ecsInstanceRole",
    },
    "SPOT": {
        "type": "SPOT",
        "allocationStrategy": "SPOT_CAPACITY_OPTIMIZED",
        "minvCpus": 0,
        "maxvCpus": 32,
        "instanceTypes": ["m5.large"],
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
        "instanceRole": "ecsInstanceRole",
    },
    "FARGATE": {"type": "FARGATE", "maxvCpus": 8, "subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]},
    "FARGATE_SPOT": {
        "type": "FARGATE_SPOT",
        "maxvCpus": 4,
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
    },
}


def arn(batch: Any, kind: str, name: str) -> str:
    return f"arn:aws:batch:{batch.meta.region_name}:{ACCOUNT}:{kind}/{name}"


def make_ce(batch: Any, name: str = "ce", kind: str = "EC2", **extra: Any) -> str:
    """A MANAGED compute environment; returns its ARN."""
    answer = batch.create_compute_environment(
        computeEnvironmentName=name, type="MANAGED", computeResources=dict(COMPUTE_RESOURCES[kind]), **extra
    )
    return str(answer["computeEnvironmentArn"])


def make_queue(batch: Any, name: str, ce: str = "ce", **extra: Any) -> str:
    """An ENABLED queue on ``ce``; returns its ARN."""
    answer = batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce}],
        **extra,
    )
    return str(answer["jobQueueArn"])


def make_definition(batch: Any, name: str = "work", **extra: Any) -> dict[str, Any]:
    answer = batch.register_job_definition(
        jobDefinitionName=name,
        type="container",
        containerProperties={"image": "worker:latest", "command": ["run"], "vcpus": 1, "memory": 512},
        **extra,
    )
    return dict(answer)


def make_policy(batch: Any, name: str = "fair", **extra: Any) -> str:
    answer = batch.create_scheduling_policy(
        name=name,
        fairsharePolicy={
            "shareDecaySeconds": 3600,
            "shareDistribution": [{"shareIdentifier": "A", "weightFactor": 1.0}],
        },
        **extra,
    )
    return str(answer["arn"])


def describe_ce(batch: Any, ref: str) -> dict[str, Any]:
    (env,) = batch.describe_compute_environments(computeEnvironments=[ref])["computeEnvironments"]
    return dict(env)


def describe_queue(batch: Any, ref: str) -> dict[str, Any]:
    (queue,) = batch.describe_job_queues(jobQueues=[ref])["jobQueues"]
    return dict(queue)


# -- compute environments ----------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(COMPUTE_RESOURCES))
def test_managed_compute_environment_is_valid_and_echoes_its_resources(batch: Any, kind: str) -> None:
    answer = batch.create_compute_environment(
        computeEnvironmentName=f"ce-{kind.lower()}",
        type="MANAGED",
        computeResources=COMPUTE_RESOURCES[kind],
        serviceRole="arn:aws:iam::123456789012:role/AWSBatchServiceRole",
    )

    env = describe_ce(batch, f"ce-{kind.lower()}")
    assert answer["computeEnvironmentArn"] == arn(batch, "compute-environment", f"ce-{kind.lower()}")
    assert env["computeEnvironmentArn"] == answer["computeEnvironmentArn"]
    assert env["type"] == "MANAGED"
    assert env["state"] == "ENABLED"
    assert env["status"] == "VALID"
    assert env["statusReason"]
    assert env["computeResources"]["type"] == kind
    assert env["computeResources"]["maxvCpus"] == COMPUTE_RESOURCES[kind]["maxvCpus"]
    assert env["computeResources"]["subnets"] == ["subnet-1"]


def test_unmanaged_compute_environment_is_valid_without_compute_resources(batch: Any) -> None:
    batch.create_compute_environment(computeEnvironmentName="own", type="UNMANAGED", unmanagedvCpus=4)

    env = describe_ce(batch, "own")
    assert env["type"] == "UNMANAGED"
    assert env["status"] == "VALID"
    assert "computeResources" not in env


@pytest.mark.parametrize("state", ["ENABLED", "DISABLED"])
def test_compute_environment_is_created_in_the_state_asked_for(batch: Any, state: str) -> None:
    make_ce(batch, state=state)

    assert describe_ce(batch, "ce")["state"] == state


def test_describe_compute_environments_by_name_and_by_arn(batch: Any) -> None:
    first = make_ce(batch, "first")
    make_ce(batch, "second")

    by_name = batch.describe_compute_environments(computeEnvironments=["first"])["computeEnvironments"]
    by_arn = batch.describe_compute_environments(computeEnvironments=[first])["computeEnvironments"]
    everything = batch.describe_compute_environments()["computeEnvironments"]

    assert [e["computeEnvironmentName"] for e in by_name] == ["first"]
    assert [e["computeEnvironmentName"] for e in by_arn] == ["first"]
    assert sorted(e["computeEnvironmentName"] for e in everything) == ["first", "second"]


def test_describe_compute_environments_leaves_unknown_names_out(batch: Any) -> None:
    make_ce(batch, "known")

    found = batch.describe_compute_environments(computeEnvironments=["known", "ghost"])["computeEnvironments"]

    assert [e["computeEnvironmentName"] for e in found] == ["known"]


def test_update_compute_environment_changes_state_and_max_vcpus(batch: Any) -> None:
    ce_arn = make_ce(batch)

    answer = batch.update_compute_environment(
        computeEnvironment="ce", state="DISABLED", computeResources={"maxvCpus": 64}
    )

    env = describe_ce(batch, "ce")
    assert answer["computeEnvironmentArn"] == ce_arn
    assert env["state"] == "DISABLED"
    assert env["computeResources"]["maxvCpus"] == 64
    assert env["computeResources"]["type"] == "EC2"


def test_update_compute_environment_accepts_an_arn(batch: Any) -> None:
    ce_arn = make_ce(batch)

    batch.update_compute_environment(computeEnvironment=ce_arn, state="DISABLED")

    assert describe_ce(batch, "ce")["state"] == "DISABLED"


def test_disabled_unused_compute_environment_can_be_deleted(batch: Any) -> None:
    make_ce(batch, state="DISABLED")

    batch.delete_compute_environment(computeEnvironment="ce")

    assert batch.describe_compute_environments(computeEnvironments=["ce"])["computeEnvironments"] == []


def test_deleting_an_enabled_compute_environment_is_rejected(batch: Any) -> None:
    make_ce(batch)

    with pytest.raises(batch.exceptions.ClientException, match="DISABLED"):
        batch.delete_compute_environment(computeEnvironment="ce")
    assert describe_ce(batch, "ce")["state"] == "ENABLED"


def test_deleting_a_compute_environment_a_queue_uses_is_rejected(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "busy")
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")

    with pytest.raises(batch.exceptions.ClientException, match="busy"):
        batch.delete_compute_environment(computeEnvironment="ce")
    assert describe_ce(batch, "ce")["computeEnvironmentName"] == "ce"


def test_duplicate_compute_environment_name_is_rejected(batch: Any) -> None:
    make_ce(batch)

    with pytest.raises(batch.exceptions.ClientException, match="'ce' already exists"):
        make_ce(batch, kind="SPOT")


def test_managed_compute_environment_without_compute_resources_is_rejected(batch: Any) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="computeResources"):
        batch.create_compute_environment(computeEnvironmentName="bare", type="MANAGED")
    assert batch.describe_compute_environments()["computeEnvironments"] == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda b: b.update_compute_environment(computeEnvironment="ghost", state="DISABLED"), id="update"
        ),
        pytest.param(lambda b: b.delete_compute_environment(computeEnvironment="ghost"), id="delete"),
        pytest.param(lambda b: make_queue(b, "q", ce="ghost"), id="queue-order"),
    ],
)
def test_unknown_compute_environment_is_named_and_known_ones_listed(
    batch: Any, call: Callable[[Any], object]
) -> None:
    make_ce(batch, "real-ce")

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost'.*'real-ce'"):
        call(batch)


# -- job queues ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["name", "arn"])
def test_job_queue_lists_its_compute_environments_as_arns(batch: Any, by: str) -> None:
    ce_arn = make_ce(batch)
    ref = "ce" if by == "name" else ce_arn

    answer = batch.create_job_queue(
        jobQueueName="jobs", priority=10, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ref}]
    )

    queue = describe_queue(batch, "jobs")
    assert answer["jobQueueArn"] == arn(batch, "job-queue", "jobs")
    assert queue["jobQueueArn"] == answer["jobQueueArn"]
    assert queue["priority"] == 10
    assert queue["state"] == "ENABLED"
    assert queue["status"] == "VALID"
    assert queue["computeEnvironmentOrder"] == [{"order": 1, "computeEnvironment": ce_arn}]


def test_job_queue_keeps_every_compute_environment_with_its_order(batch: Any) -> None:
    cheap = make_ce(batch, "cheap", kind="SPOT")
    steady = make_ce(batch, "steady")

    batch.create_job_queue(
        jobQueueName="mixed",
        priority=1,
        computeEnvironmentOrder=[
            {"order": 2, "computeEnvironment": "steady"},
            {"order": 1, "computeEnvironment": "cheap"},
        ],
    )

    order = describe_queue(batch, "mixed")["computeEnvironmentOrder"]
    assert sorted((o["order"], o["computeEnvironment"]) for o in order) == [(1, cheap), (2, steady)]


@pytest.mark.parametrize("state", ["ENABLED", "DISABLED"])
def test_job_queue_is_created_in_the_state_asked_for(batch: Any, state: str) -> None:
    make_ce(batch)

    make_queue(batch, "jobs", state=state)

    assert describe_queue(batch, "jobs")["state"] == state


def test_job_queue_echoes_its_scheduling_policy(batch: Any) -> None:
    make_ce(batch)
    policy_arn = make_policy(batch)

    make_queue(batch, "fair-queue", schedulingPolicyArn=policy_arn)

    assert describe_queue(batch, "fair-queue")["schedulingPolicyArn"] == policy_arn


def test_a_queue_scheduling_policy_can_be_replaced(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "fair-queue", schedulingPolicyArn=make_policy(batch, "first"))
    second = make_policy(batch, "second")

    batch.update_job_queue(jobQueue="fair-queue", schedulingPolicyArn=second)

    assert describe_queue(batch, "fair-queue")["schedulingPolicyArn"] == second


def test_a_fifo_queue_cannot_get_a_scheduling_policy_later(batch: Any) -> None:
    # AWS: "A job queue without a fair-share scheduling policy is scheduled as a FIFO job queue
    # and can't have a fair-share scheduling policy added."
    make_ce(batch)
    make_queue(batch, "fifo")
    policy_arn = make_policy(batch)

    with pytest.raises(batch.exceptions.ClientException, match=r"(?i)scheduling ?policy"):
        batch.update_job_queue(jobQueue="fifo", schedulingPolicyArn=policy_arn)
    assert "schedulingPolicyArn" not in describe_queue(batch, "fifo")


def test_a_queue_cannot_mix_fargate_and_ec2_environments(batch: Any) -> None:
    make_ce(batch, "ec2")
    make_ce(batch, "fargate", kind="FARGATE")

    with pytest.raises(batch.exceptions.ClientException, match=r"(?i)fargate"):
        batch.create_job_queue(
            jobQueueName="mixed",
            priority=1,
            computeEnvironmentOrder=[
                {"order": 1, "computeEnvironment": "ec2"},
                {"order": 2, "computeEnvironment": "fargate"},
            ],
        )


def test_submitting_to_a_disabled_queue_is_rejected(batch: Any, queue: str, definition: str) -> None:
    batch.update_job_queue(jobQueue=queue, state="DISABLED")

    with pytest.raises(batch.exceptions.ClientException, match="DISABLED"):
        batch.submit_job(jobName="late", jobQueue=queue, jobDefinition=definition)


def test_describe_job_queues_by_name_and_by_arn_leaves_unknown_out(batch: Any) -> None:
    make_ce(batch)
    first = make_queue(batch, "first")
    make_queue(batch, "second")

    by_name = batch.describe_job_queues(jobQueues=["first", "ghost"])["jobQueues"]
    by_arn = batch.describe_job_queues(jobQueues=[first])["jobQueues"]

    assert [q["jobQueueName"] for q in by_name] == ["first"]
    assert [q["jobQueueName"] for q in by_arn] == ["first"]


def test_update_job_queue_changes_priority_and_state(batch: Any) -> None:
    make_ce(batch)
    queue_arn = make_queue(batch, "jobs")

    answer = batch.update_job_queue(jobQueue="jobs", priority=500, state="DISABLED")

    queue = describe_queue(batch, "jobs")
    assert answer["jobQueueArn"] == queue_arn
    assert (queue["priority"], queue["state"]) == (500, "DISABLED")


def test_update_job_queue_replaces_its_compute_environments(batch: Any) -> None:
    make_ce(batch, "old")
    new = make_ce(batch, "new")
    make_queue(batch, "jobs", ce="old")

    batch.update_job_queue(
        jobQueue="jobs", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "new"}]
    )

    assert describe_queue(batch, "jobs")["computeEnvironmentOrder"] == [
        {"order": 1, "computeEnvironment": new}
    ]


def test_disabled_job_queue_can_be_deleted(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs", state="DISABLED")

    batch.delete_job_queue(jobQueue="jobs")

    assert batch.describe_job_queues(jobQueues=["jobs"])["jobQueues"] == []


def test_deleting_an_enabled_job_queue_is_rejected(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs")

    with pytest.raises(batch.exceptions.ClientException, match="DISABLED"):
        batch.delete_job_queue(jobQueue="jobs")
    assert describe_queue(batch, "jobs")["state"] == "ENABLED"


def test_compute_environment_is_deletable_once_its_queue_is_gone(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs", state="DISABLED")
    batch.update_compute_environment(computeEnvironment="ce", state="DISABLED")
    batch.delete_job_queue(jobQueue="jobs")

    batch.delete_compute_environment(computeEnvironment="ce")

    assert batch.describe_compute_environments()["computeEnvironments"] == []


def test_one_letter_queue_name_is_valid(batch: Any) -> None:
    make_ce(batch)

    make_queue(batch, "q")

    assert describe_queue(batch, "q")["jobQueueName"] == "q"


@pytest.mark.parametrize(
    "name", ["", "-x", "a" * 129, "a b"], ids=["empty", "leading-hyphen", "too-long", "space"]
)
def test_invalid_queue_name_is_rejected(batch: Any, name: str) -> None:
    make_ce(batch)

    with pytest.raises(batch.exceptions.ClientException, match="jobQueueName"):
        make_queue(batch, name)
    assert batch.describe_job_queues()["jobQueues"] == []


def test_duplicate_queue_name_is_rejected(batch: Any) -> None:
    make_ce(batch)
    make_queue(batch, "jobs")

    with pytest.raises(batch.exceptions.ClientException, match="'jobs' already exists"):
        make_queue(batch, "jobs")


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda b: b.update_job_queue(jobQueue="ghost", priority=2), id="update"),
        pytest.param(lambda b: b.delete_job_queue(jobQueue="ghost"), id="delete"),
    ],
)
def test_unknown_job_queue_is_named_and_known_ones_listed(batch: Any, call: Callable[[Any], object]) -> None:
    make_ce(batch)
    make_queue(batch, "real-queue")

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost'.*'real-queue'"):
        call(batch)


# -- job definitions ----------------------------------------------------------------------


def test_job_definition_revisions_start_at_one_and_count_up(batch: Any) -> None:
    answers = [make_definition(batch) for _ in range(3)]

    assert [a["revision"] for a in answers] == [1, 2, 3]
    assert [a["jobDefinitionArn"] for a in answers] == [
        f"arn:aws:batch:{batch.meta.region_name}:{ACCOUNT}:job-definition/work:{n}" for n in (1, 2, 3)
    ]
    assert {a["jobDefinitionName"] for a in answers} == {"work"}


def test_revisions_keep_counting_after_a_deregister(batch: Any) -> None:
    make_definition(batch)
    make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:2")

    assert make_definition(batch)["revision"] == 3


@pytest.mark.parametrize("form", ["name:revision", "arn"])
def test_describe_job_definitions_finds_one_revision(batch: Any, form: str) -> None:
    make_definition(batch)
    second = make_definition(batch)
    ref = "work:2" if form == "name:revision" else second["jobDefinitionArn"]

    found = batch.describe_job_definitions(jobDefinitions=[ref])["jobDefinitions"]

    assert [(d["jobDefinitionName"], d["revision"]) for d in found] == [("work", 2)]
    assert found[0]["jobDefinitionArn"] == second["jobDefinitionArn"]


def test_describe_job_definitions_by_name_lists_every_revision(batch: Any) -> None:
    make_definition(batch)
    make_definition(batch)
    make_definition(batch, "other")

    found = batch.describe_job_definitions(jobDefinitionName="work")["jobDefinitions"]

    assert sorted(d["revision"] for d in found) == [1, 2]
    assert {d["jobDefinitionName"] for d in found} == {"work"}


def test_deregistered_revision_is_inactive(batch: Any) -> None:
    first = make_definition(batch)
    make_definition(batch)

    batch.deregister_job_definition(jobDefinition=first["jobDefinitionArn"])

    (described,) = batch.describe_job_definitions(jobDefinitions=["work:1"])["jobDefinitions"]
    assert described["status"] == "INACTIVE"


@pytest.mark.parametrize(("status", "revisions"), [("ACTIVE", [2, 3]), ("INACTIVE", [1])])
def test_describe_job_definitions_filters_by_status(batch: Any, status: str, revisions: list[int]) -> None:
    for _ in range(3):
        make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:1")

    found = batch.describe_job_definitions(jobDefinitionName="work", status=status)["jobDefinitions"]

    assert sorted(d["revision"] for d in found) == revisions
    assert {d["status"] for d in found} == {status}


CONTAINER = {
    "image": "worker:latest",
    "command": ["python", "-m", "work", "Ref::day"],
    "environment": [{"name": "MODE", "value": "fast"}],
    "resourceRequirements": [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "2048"}],
}
BODIES: dict[str, dict[str, Any]] = {
    "containerProperties": {"type": "container", "containerProperties": CONTAINER},
    "nodeProperties": {
        "type": "multinode",
        "nodeProperties": {
            "numNodes": 2,
            "mainNode": 0,
            "nodeRangeProperties": [{"targetNodes": "0:1", "container": CONTAINER}],
        },
    },
    "eksProperties": {
        "type": "container",
        "eksProperties": {
            "podProperties": {
                "containers": [
                    {"name": "main", "image": "worker:latest", "command": ["python"], "args": ["-m", "work"]}
                ]
            }
        },
    },
}


@pytest.mark.parametrize("body", sorted(BODIES))
def test_job_definition_body_is_echoed_back(batch: Any, body: str) -> None:
    batch.register_job_definition(jobDefinitionName="echo", parameters={"day": "monday"}, **BODIES[body])

    (described,) = batch.describe_job_definitions(jobDefinitions=["echo:1"])["jobDefinitions"]

    assert described[body] == BODIES[body][body]
    assert described["type"] == BODIES[body]["type"]
    assert described["parameters"] == {"day": "monday"}
    assert described["status"] == "ACTIVE"


def test_reserved_aws_batch_environment_variable_is_rejected(batch: Any) -> None:
    container = {**CONTAINER, "environment": [{"name": "AWS_BATCH_JOB_ID", "value": "mine"}]}

    with pytest.raises(batch.exceptions.ClientException, match="AWS_BATCH_"):
        batch.register_job_definition(
            jobDefinitionName="bad", type="container", containerProperties=container
        )
    assert batch.describe_job_definitions(jobDefinitionName="bad")["jobDefinitions"] == []


@pytest.mark.parametrize(("seconds", "accepted"), [(59, False), (1, False), (60, True), (3600, True)])
def test_attempt_timeout_must_be_at_least_sixty_seconds(batch: Any, seconds: int, accepted: bool) -> None:
    def register() -> object:
        return make_definition(batch, timeout={"attemptDurationSeconds": seconds})

    if accepted:
        register()
        (described,) = batch.describe_job_definitions(jobDefinitions=["work:1"])["jobDefinitions"]
        assert described["timeout"] == {"attemptDurationSeconds": seconds}
    else:
        with pytest.raises(batch.exceptions.ClientException, match="attemptDurationSeconds"):
            register()


@pytest.mark.parametrize(("attempts", "accepted"), [(0, False), (11, False), (1, True), (10, True)])
def test_retry_attempts_must_be_between_one_and_ten(batch: Any, attempts: int, accepted: bool) -> None:
    def register() -> object:
        return make_definition(batch, retryStrategy={"attempts": attempts})

    if accepted:
        register()
        (described,) = batch.describe_job_definitions(jobDefinitions=["work:1"])["jobDefinitions"]
        assert described["retryStrategy"]["attempts"] == attempts
    else:
        with pytest.raises(batch.exceptions.ClientException, match="attempts"):
            register()


@pytest.mark.parametrize(
    "name", ["", "a b", "a" * 129, "name:1"], ids=["empty", "space", "too-long", "colon"]
)
def test_invalid_job_definition_name_is_rejected(batch: Any, name: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="jobDefinitionName"):
        make_definition(batch, name)
    assert batch.describe_job_definitions()["jobDefinitions"] == []


@pytest.mark.parametrize("form", ["name:revision", "arn"])
def test_a_deregistered_revision_cannot_be_submitted(batch: Any, queue: str, form: str) -> None:
    first = make_definition(batch)
    make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:1")
    ref = "work:1" if form == "name:revision" else first["jobDefinitionArn"]

    with pytest.raises(batch.exceptions.ClientException, match="INACTIVE"):
        batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=ref)


def test_a_bare_name_submits_the_latest_active_revision(batch: Any, queue: str) -> None:
    make_definition(batch)
    second = make_definition(batch)
    make_definition(batch)
    batch.deregister_job_definition(jobDefinition="work:3")

    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="work")["jobId"]

    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    assert job["jobDefinition"] == second["jobDefinitionArn"]


def test_deregistering_an_unknown_definition_lists_the_active_ones(batch: Any) -> None:
    make_definition(batch)

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost:1'.*'work:1'"):
        batch.deregister_job_definition(jobDefinition="ghost:1")


def test_submitting_with_an_unknown_definition_lists_the_active_ones(batch: Any, queue: str) -> None:
    make_definition(batch)

    with pytest.raises(batch.exceptions.ClientException, match=r"'ghost'.*'work:1'"):
        batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="ghost")


def test_submitting_to_an_unknown_queue_lists_the_known_ones(batch: Any, queue: str, definition: str) -> None:
    with pytest.raises(batch.exceptions.ClientException, match=rf"'ghost'.*'{queue}'"):
        batch.submit_job(jobName="j", jobQueue="ghost", jobDefinition=definition)


# -- scheduling policies ------------------------------------------------------------------


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


# -- tags ---------------------------------------------------------------------------------

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

    with pytest.raises(batch.exceptions.ClientException, match="aws:"):
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
    "call",
    [
        pytest.param(lambda b: b.list_tags_for_resource(resourceArn=UNKNOWN_ARN), id="list"),
        pytest.param(lambda b: b.tag_resource(resourceArn=UNKNOWN_ARN, tags={"a": "b"}), id="tag"),
        pytest.param(lambda b: b.untag_resource(resourceArn=UNKNOWN_ARN, tagKeys=["a"]), id="untag"),
    ],
)
def test_tagging_an_unknown_arn_is_rejected(batch: Any, call: Callable[[Any], object]) -> None:
    with pytest.raises(batch.exceptions.ClientException, match="ghost"):
        call(batch)


def test_tagging_an_arn_of_another_region_is_rejected(batch: Any) -> None:
    resource_arn = make_ce(batch)
    elsewhere = boto3.client("batch", region_name="us-east-1")

    with pytest.raises(elsewhere.exceptions.ClientException, match="compute-environment/ce"):
        elsewhere.list_tags_for_resource(resourceArn=resource_arn)


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

    with pytest.raises(batch.exceptions.ClientException, match="nextToken"):
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
