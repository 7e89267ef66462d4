"""Valid requests for every Batch operation and the job-log reads: what a correct client sends.

The shape-driven strategies of tests/fuzz_strategies.py find crashes in hostile input, but rarely
build a request the fake accepts, so the code behind acceptance (scheduling, arrays, service jobs,
quota shares, consumables) would go unfuzzed. These strategies build well-formed resources for
every family (container job definitions and submits, array submits, consumable resources,
service environments and queues, quota shares, training-job payloads as JSON objects), aimed at
what tests/fuzz_seed.py creates in each example; job ids and quota share ARNs are learnt from
answers (:class:`Ref`).

Names of new resources come from a small alphabet, so creations sometimes collide on purpose.
Members the installed botocore's model lacks are dropped, so the same strategies serve its floor.
"""

from __future__ import annotations

import json
from typing import Any

from fuzz_seed import SERVICE, TRAINING
from fuzz_strategies import BATCH_MODEL, LOG_GROUP, LOGS_OPERATIONS, Ref, Request, arn, requests
from hypothesis import strategies as st

# -- building blocks -------------------------------------------------------------------------

_NEW = st.text(alphabet="abc-_1", min_size=1, max_size=3).map(lambda s: f"n{s}")
_SMALL = st.integers(1, 8)
_JOB_IDS = st.builds(Ref, st.just("job_id"), st.integers(0, 5))
_SERVICE_JOB_IDS = st.builds(Ref, st.just("service_job_id"), st.integers(0, 3))
_HELD_SERVICE_JOB = st.sampled_from([Ref("service_job_id", 0)] * 3 + [Ref("service_job_id", 2)])
_STREAMS = st.builds(Ref, st.just("log_stream"), st.integers(0, 3))
_SHARE = st.just(Ref("quota_share_arn", 0))  # "share"; index 1 is "share-off"
_TAGS = st.dictionaries(st.sampled_from(["team", "env", "cost"]), st.sampled_from(["a", "b", ""]), max_size=2)
_REASON = st.sampled_from(["fuzz", "no longer needed"])
_ENV_VARS = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["A", "B", "LEVEL"]), "value": st.sampled_from(["1", "x"])}
    ),
    max_size=2,
)
_COMMAND = st.sampled_from([["echo", "hi"], ["echo", "Ref::x"], ["true"]])
_RETRY = st.fixed_dictionaries(
    {"attempts": st.integers(1, 3)},
    optional={
        "evaluateOnExit": st.lists(
            st.fixed_dictionaries(
                {
                    "onExitCode": st.sampled_from(["1", "13*"]),
                    "action": st.sampled_from(["RETRY", "EXIT", "exit"]),
                }
            ),
            max_size=2,
        )
    },
)
_TIMEOUT = st.fixed_dictionaries({"attemptDurationSeconds": st.integers(60, 3600)})
_RESOURCES = st.sampled_from(
    [
        {"type": "EC2", "maxvCpus": 16, "subnets": ["s"], "instanceRole": "r"},
        {
            "type": "SPOT",
            "maxvCpus": 16,
            "subnets": ["s"],
            "instanceRole": "r",
            "instanceTypes": ["m5.large"],
        },
        {"type": "FARGATE", "maxvCpus": 8, "subnets": ["s"], "securityGroupIds": ["sg"]},
    ]
)
_CE_NAMES = st.sampled_from(["ce", arn("compute-environment", "ce")])
_QUEUE = st.sampled_from(["q", arn("job-queue", "q")])
_DEFINITION = st.sampled_from(["def", "def:1", arn("job-definition", "def:1")])
_FAIR = st.fixed_dictionaries(
    {},
    optional={
        "shareDecaySeconds": st.integers(0, 604800),
        "computeReservation": st.integers(0, 99),
        "shareDistribution": st.lists(
            st.fixed_dictionaries(
                {"shareIdentifier": st.sampled_from(["A", "B", "team*"])},
                optional={"weightFactor": st.sampled_from([0.5, 1.0, 2.0])},
            ),
            max_size=2,
            unique_by=lambda share: share["shareIdentifier"],
        ),
    },
)
_QUOTA_POLICY = st.fixed_dictionaries({"idleResourceAssignmentStrategy": st.just("FIFO")})
_SHARING = st.one_of(
    st.fixed_dictionaries({"strategy": st.sampled_from(["RESERVE", "LEND"])}),
    st.fixed_dictionaries(
        {"strategy": st.just("LEND_AND_BORROW")}, optional={"borrowLimit": st.integers(-1, 400)}
    ),
)
_PREEMPTION = st.fixed_dictionaries({"inSharePreemption": st.sampled_from(["ENABLED", "DISABLED"])})
_QUOTA_LIMITS = st.lists(
    st.fixed_dictionaries(
        {"maxCapacity": _SMALL, "capacityUnit": st.sampled_from(["ml.m5.large", "ml.g5.xlarge"])}
    ),
    min_size=1,
    max_size=2,
    unique_by=lambda limit: limit["capacityUnit"],
)
_SERVICE_LIMITS = st.lists(
    st.fixed_dictionaries({"maxCapacity": _SMALL, "capacityUnit": st.just("NUM_INSTANCES")}),
    min_size=1,
    max_size=1,
)
_CONTAINER = st.fixed_dictionaries(
    {"image": st.sampled_from(["busybox", "worker:latest"])},
    optional={
        "command": _COMMAND,
        "environment": _ENV_VARS,
        "privileged": st.booleans(),
        "readonlyRootFilesystem": st.booleans(),
        "linuxParameters": st.fixed_dictionaries(
            {}, optional={"initProcessEnabled": st.booleans(), "sharedMemorySize": _SMALL}
        ),
    },
).flatmap(
    lambda props: st.one_of(
        st.just({**props, "vcpus": 1, "memory": 64}),
        st.just(
            {
                **props,
                "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "128"}],
            }
        ),
    )
)
_PAYLOAD = st.fixed_dictionaries(
    {k: st.just(v) for k, v in TRAINING.items()},
    optional={
        "HyperParameters": st.dictionaries(
            st.sampled_from(["epochs", "lr"]), st.sampled_from(["1", "0.1"]), max_size=2
        ),
        "Environment": st.dictionaries(st.sampled_from(["MODE"]), st.sampled_from(["fast"]), max_size=1),
    },
).map(json.dumps)
_ANY_ARN = st.sampled_from(
    [
        arn("compute-environment", "ce"),
        arn("job-queue", "q"),
        arn("job-definition", "def:1"),
        arn("scheduling-policy", "sp"),
        arn("consumable-resource", "cr"),
        arn("service-environment", "se"),
        arn("job-queue", "sq"),
    ]
)


def _consumables() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "consumableResourceList": st.lists(
                st.fixed_dictionaries({"consumableResource": st.just("cr"), "quantity": st.integers(1, 3)}),
                min_size=1,
                max_size=1,
            )
        }
    )


# -- one strategy per operation: (required members, optional members) -----------------------

_S = st.SearchStrategy[Any]
_BATCH: dict[str, tuple[dict[str, _S], dict[str, _S]]] = {
    "CreateComputeEnvironment": (
        {"computeEnvironmentName": _NEW, "type": st.just("MANAGED"), "computeResources": _RESOURCES},
        {"state": st.sampled_from(["ENABLED", "DISABLED"]), "tags": _TAGS},
    ),
    "CreateJobQueue": (
        {
            "jobQueueName": _NEW,
            "priority": st.integers(0, 1000),
            "computeEnvironmentOrder": st.just([{"order": 1, "computeEnvironment": "ce"}]),
        },
        {"state": st.sampled_from(["ENABLED", "DISABLED"]), "tags": _TAGS},
    ),
    "CreateSchedulingPolicy": ({"name": _NEW}, {"fairsharePolicy": _FAIR, "tags": _TAGS}),
    "CreateConsumableResource": (
        {"consumableResourceName": _NEW},
        {
            "totalQuantity": st.integers(0, 100),
            "resourceType": st.sampled_from(["REPLENISHABLE", "NON_REPLENISHABLE"]),
            "tags": _TAGS,
        },
    ),
    "CreateServiceEnvironment": (
        {
            "serviceEnvironmentName": _NEW,
            "serviceEnvironmentType": st.just(SERVICE),
            "capacityLimits": _SERVICE_LIMITS,
        },
        {"state": st.sampled_from(["ENABLED", "DISABLED"]), "tags": _TAGS},
    ),
    "CreateQuotaShare": (
        {
            "quotaShareName": _NEW,
            "jobQueue": st.sampled_from(["qq", arn("job-queue", "qq")]),
            "capacityLimits": _QUOTA_LIMITS,
            "resourceSharingConfiguration": _SHARING,
            "preemptionConfiguration": _PREEMPTION,
        },
        {"state": st.sampled_from(["ENABLED", "DISABLED"]), "tags": _TAGS},
    ),
    "RegisterJobDefinition": (
        {
            "jobDefinitionName": st.sampled_from(["def", "def2", "other"]),
            "type": st.just("container"),
            "containerProperties": _CONTAINER,
        },
        {
            "parameters": st.dictionaries(st.just("x"), st.sampled_from(["v", "w"]), max_size=1),
            "retryStrategy": _RETRY,
            "timeout": _TIMEOUT,
            "tags": _TAGS,
            "propagateTags": st.booleans(),
            "schedulingPriority": st.integers(0, 9999),
            "consumableResourceProperties": _consumables(),
        },
    ),
    "SubmitJob": (
        {"jobName": st.sampled_from(["j", "job-1", "J_2"]), "jobQueue": _QUEUE, "jobDefinition": _DEFINITION},
        {
            "arrayProperties": st.fixed_dictionaries({"size": st.integers(2, 12)}),
            "dependsOn": st.lists(st.fixed_dictionaries({"jobId": _JOB_IDS}), max_size=2),
            "parameters": st.dictionaries(st.just("x"), st.sampled_from(["1", "2"]), max_size=1),
            "containerOverrides": st.fixed_dictionaries(
                {}, optional={"command": _COMMAND, "environment": _ENV_VARS}
            ),
            "retryStrategy": _RETRY,
            "timeout": _TIMEOUT,
            "tags": _TAGS,
            "propagateTags": st.booleans(),
        },
    ),
    "SubmitServiceJob": (
        {
            "jobName": st.sampled_from(["t", "train-1"]),
            "jobQueue": st.sampled_from(["sq", arn("job-queue", "sq")]),
            "serviceJobType": st.just(SERVICE),
            "serviceRequestPayload": _PAYLOAD,
        },
        {
            "schedulingPriority": st.integers(0, 9999),
            "timeoutConfig": _TIMEOUT,
            "tags": _TAGS,
            "retryStrategy": st.fixed_dictionaries({"attempts": st.integers(1, 3)}),
        },
    ),
    "UpdateComputeEnvironment": (
        {"computeEnvironment": _CE_NAMES},
        {
            "state": st.just("ENABLED"),
            "computeResources": st.fixed_dictionaries({"maxvCpus": st.integers(8, 64)}),
        },
    ),
    "UpdateJobQueue": (
        {"jobQueue": _QUEUE},
        {"priority": st.integers(0, 1000), "state": st.just("ENABLED")},
    ),
    "UpdateSchedulingPolicy": ({"arn": st.just(arn("scheduling-policy", "sp"))}, {"fairsharePolicy": _FAIR}),
    "UpdateConsumableResource": (
        {
            "consumableResource": st.sampled_from(["cr", arn("consumable-resource", "cr")]),
            "quantity": st.integers(0, 20),
        },
        {"operation": st.sampled_from(["SET", "ADD"])},
    ),
    "UpdateServiceEnvironment": (
        {"serviceEnvironment": st.sampled_from(["se", arn("service-environment", "se")])},
        {"state": st.just("ENABLED"), "capacityLimits": _SERVICE_LIMITS},
    ),
    "UpdateQuotaShare": (
        {"quotaShareArn": _SHARE},
        {
            "capacityLimits": _QUOTA_LIMITS,
            "resourceSharingConfiguration": _SHARING,
            "preemptionConfiguration": _PREEMPTION,
        },
    ),
    "UpdateServiceJob": ({"jobId": _HELD_SERVICE_JOB, "schedulingPriority": st.integers(0, 9999)}, {}),
    "DeleteComputeEnvironment": (
        {"computeEnvironment": st.sampled_from(["ce-off", arn("compute-environment", "ce-off")])},
        {},
    ),
    "DeleteJobQueue": ({"jobQueue": st.sampled_from(["q-off", arn("job-queue", "q-off")])}, {}),
    "DeleteSchedulingPolicy": ({"arn": st.just(arn("scheduling-policy", "sp-spare"))}, {}),
    "DeleteConsumableResource": (
        {"consumableResource": st.sampled_from(["cr-spare", arn("consumable-resource", "cr-spare")])},
        {},
    ),
    "DeleteServiceEnvironment": (
        {"serviceEnvironment": st.sampled_from(["se-off", arn("service-environment", "se-off")])},
        {},
    ),
    "DeleteQuotaShare": ({"quotaShareArn": st.just(Ref("quota_share_arn", 1))}, {}),
    "DeregisterJobDefinition": (
        {"jobDefinition": st.sampled_from(["def:1", arn("job-definition", "def:1")])},
        {},
    ),
    "DescribeComputeEnvironments": (
        {},
        {"computeEnvironments": st.lists(_CE_NAMES, max_size=2), "maxResults": _SMALL},
    ),
    "DescribeJobQueues": (
        {},
        {"jobQueues": st.lists(st.sampled_from(["q", "sq", "qq"]), max_size=2), "maxResults": _SMALL},
    ),
    "DescribeJobDefinitions": (
        {},
        {
            "jobDefinitionName": st.just("def"),
            "status": st.sampled_from(["ACTIVE", "INACTIVE"]),
            "maxResults": _SMALL,
        },
    ),
    "DescribeSchedulingPolicies": (
        {"arns": st.lists(st.just(arn("scheduling-policy", "sp")), min_size=1, max_size=1)},
        {},
    ),
    "DescribeConsumableResource": (
        {"consumableResource": st.sampled_from(["cr", arn("consumable-resource", "cr")])},
        {},
    ),
    "DescribeServiceEnvironments": (
        {},
        {"serviceEnvironments": st.lists(st.just("se"), max_size=1), "maxResults": _SMALL},
    ),
    "DescribeQuotaShare": ({"quotaShareArn": _SHARE}, {}),
    "DescribeJobs": ({"jobs": st.lists(_JOB_IDS, min_size=1, max_size=3)}, {}),
    "DescribeServiceJob": ({"jobId": _SERVICE_JOB_IDS}, {}),
    "GetJobQueueSnapshot": ({"jobQueue": _QUEUE}, {}),
    "ListJobs": (
        {"jobQueue": _QUEUE},
        {
            "jobStatus": st.sampled_from(["SUCCEEDED", "RUNNABLE", "FAILED"]),
            "maxResults": _SMALL,
            "filters": st.lists(
                st.fixed_dictionaries({"name": st.just("JOB_NAME"), "values": st.just(["j*"])}), max_size=1
            ),
        },
    ),
    "ListServiceJobs": (
        {},
        {
            "jobQueue": st.just("sq"),
            "jobStatus": st.sampled_from(["RUNNABLE", "SUCCEEDED"]),
            "maxResults": _SMALL,
        },
    ),
    "ListSchedulingPolicies": ({}, {"maxResults": _SMALL}),
    "ListConsumableResources": ({}, {"maxResults": _SMALL}),
    "ListJobsByConsumableResource": ({"consumableResource": st.just("cr")}, {"maxResults": _SMALL}),
    "ListQuotaShares": ({"jobQueue": st.just("qq")}, {"maxResults": _SMALL}),
    "ListTagsForResource": ({"resourceArn": _ANY_ARN}, {}),
    "TagResource": (
        {
            "resourceArn": _ANY_ARN,
            "tags": st.dictionaries(st.sampled_from(["team", "env"]), st.just("a"), min_size=1),
        },
        {},
    ),
    "UntagResource": (
        {
            "resourceArn": _ANY_ARN,
            "tagKeys": st.lists(st.sampled_from(["team", "env"]), min_size=1, max_size=2),
        },
        {},
    ),
    "CancelJob": ({"jobId": _JOB_IDS, "reason": _REASON}, {}),
    "TerminateJob": ({"jobId": _JOB_IDS, "reason": _REASON}, {}),
    "CancelJobs": ({"jobs": st.lists(_JOB_IDS, min_size=1, max_size=3), "reason": _REASON}, {}),
    "TerminateJobs": ({"jobs": st.lists(_JOB_IDS, min_size=1, max_size=3), "reason": _REASON}, {}),
    "TerminateServiceJob": ({"jobId": _SERVICE_JOB_IDS, "reason": _REASON}, {}),
    "TerminateServiceJobs": (
        {"jobs": st.lists(_SERVICE_JOB_IDS, min_size=1, max_size=2), "reason": _REASON},
        {},
    ),
}
_LOGS: dict[str, tuple[dict[str, _S], dict[str, _S]]] = {
    "GetLogEvents": (
        {"logGroupName": st.just(LOG_GROUP), "logStreamName": _STREAMS},
        {"startFromHead": st.booleans()},
    ),
    "FilterLogEvents": (
        {"logGroupName": st.just(LOG_GROUP)},
        {"logStreamNames": st.lists(_STREAMS, min_size=1, max_size=2)},
    ),
    "DescribeLogStreams": (
        {"logGroupName": st.just(LOG_GROUP)},
        {"logStreamNamePrefix": st.sampled_from(["def", "def/default/"])},
    ),
}


def _params(operation: str, table: dict[str, tuple[dict[str, _S], dict[str, _S]]], known: Any) -> _S:
    required, optional = table[operation]
    keep = (lambda m: True) if known is None else (lambda m: m in known)
    return st.fixed_dictionaries(
        {m: s for m, s in required.items() if keep(m)},
        optional={m: s for m, s in optional.items() if keep(m)},
    )


VALID_OPERATIONS = tuple(op for op in BATCH_MODEL.operation_names if op in _BATCH)


def _sequential(params: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An array submit whose children may run in index order (SEQUENTIAL takes no jobId)."""
    if "arrayProperties" not in params:
        return st.just(params)
    return st.booleans().map(
        lambda chain: (
            {**params, "dependsOn": [*params.get("dependsOn", []), {"type": "SEQUENTIAL"}]}
            if chain
            else params
        )
    )


def valid_request(operation: str) -> st.SearchStrategy[Request]:
    """A valid request for ``operation`` (a Batch operation or a Logs one of ``_LOGS``)."""
    if operation in _LOGS:
        return _params(operation, _LOGS, None).map(lambda p: Request("logs", operation, p))
    members = BATCH_MODEL.operation_model(operation).input_shape.members
    params = _params(operation, _BATCH, members)
    if operation == "SubmitJob":
        params = params.flatmap(_sequential)
    return params.map(lambda p: Request("batch", operation, p))


def any_valid_request() -> st.SearchStrategy[Request]:
    """A valid request to any operation the installed model has, or to the job logs."""
    return st.sampled_from([*VALID_OPERATIONS, *LOGS_OPERATIONS]).flatmap(valid_request)


def sequences(front: str, hostile: int = 1) -> st.SearchStrategy[list[Request]]:
    """A valid request to every operation (and job-log read) in a drawn order, each followed by
    up to ``hostile`` shape-driven ones of :func:`fuzz_strategies.requests`: the valid ones
    reach what lies behind acceptance and leave state for the next, the others probe the
    rejections. Each example visits every operation, so a run reaches all of them however
    unevenly Hypothesis spreads its choices."""
    every = (*VALID_OPERATIONS, *LOGS_OPERATIONS)

    @st.composite
    def build(draw: st.DrawFn) -> list[Request]:
        sent: list[Request] = []
        for operation in draw(st.permutations(every)):
            sent.append(draw(valid_request(operation)))
            sent += draw(st.lists(requests(front), max_size=hostile))
        return sent

    return build()


__all__ = ["VALID_OPERATIONS", "any_valid_request", "sequences", "valid_request"]
