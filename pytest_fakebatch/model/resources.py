"""Batch's resources as plain typed data: compute and service environments, queues, definitions,
policies."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ClientError
from .numbers import whole_number

_DEFINITION_REF = re.compile(
    r"(?:arn:aws[a-z-]*:batch:[a-z0-9-]+:[0-9]{12}:job-definition/)?([A-Za-z0-9_-]{1,128})(?::([0-9]+))?",
    re.ASCII,
)
_REVISION_DIGITS = 10  # revisions are 32-bit integers on AWS


def definition_ref(op: str, ref: str) -> tuple[str, int | None]:
    """A job definition reference (name, ``name:revision``, or either as an ARN) split
    into its name and revision; None where no revision is given."""
    match = _DEFINITION_REF.fullmatch(ref)
    if match is None:
        raise ClientError(
            f"{op}: jobDefinition '{ref[:200]}' is not a job definition: give a name, name:revision, "
            "or a job definition ARN (arn:aws:batch:<region>:<account>:job-definition/<name>[:<revision>])"
        )
    name, revision = match.groups()
    if revision is None:
        return name, None
    number = whole_number(revision, _REVISION_DIGITS)
    if number is None:
        raise ClientError(f"{op}: jobDefinition '{ref[:80]}...' has a revision of over 10 digits")
    return name, number


def lookup(ref: str, by_name: dict[str, Any]) -> Any:
    """The resource ``ref`` names, by name or by ARN (which must match exactly); or None."""
    found = by_name.get(ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref)
    if found is None or (ref.startswith("arn:") and found.arn != ref):
        return None
    return found


def select(refs: list[str], by_name: dict[str, Any]) -> list[Any]:
    """Resources named (by name or ARN) in ``refs``, in their order; unknown ones are absent.
    No refs selects them all."""
    if not refs:
        return list(by_name.values())
    found = (lookup(ref, by_name) for ref in dict.fromkeys(refs))
    return [item for item in found if item is not None]


@dataclass(eq=False)
class ComputeEnvironment:
    name: str
    arn: str
    type: str  # MANAGED | UNMANAGED
    state: str  # ENABLED | DISABLED
    compute_resources: dict[str, Any] | None
    service_role: str | None
    unmanaged_vcpus: int | None
    uuid: str
    extra: dict[str, Any] = field(default_factory=dict)  # echoed fields the model does not use

    @property
    def max_vcpus(self) -> float | None:
        """How many vCPUs may run at once; None where AWS sets no bound (unmanaged)."""
        if self.compute_resources is None:
            return float(self.unmanaged_vcpus) if self.unmanaged_vcpus else None
        return float(self.compute_resources["maxvCpus"])


NUM_INSTANCES = "NUM_INSTANCES"


@dataclass(eq=False)
class ServiceEnvironment:
    name: str
    arn: str
    type: str  # SAGEMAKER_TRAINING
    state: str  # ENABLED | DISABLED
    capacity_limits: list[dict[str, Any]]  # {"maxCapacity": n, "capacityUnit": "NUM_INSTANCES"}

    @property
    def quota_managed(self) -> bool:
        """Quota management enabled: its capacity limits are in instance types (ml.m5.large),
        not NUM_INSTANCES."""
        return any(limit["capacityUnit"] != NUM_INSTANCES for limit in self.capacity_limits)


@dataclass(eq=False)
class JobQueue:
    name: str
    arn: str
    state: str
    priority: int
    compute_environments: list[tuple[int, ComputeEnvironment]]  # (order, environment)
    scheduling_policy_arn: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    # a SAGEMAKER_TRAINING queue's (order, service environment), instead of compute environments
    service_environments: list[tuple[int, ServiceEnvironment]] = field(default_factory=list)

    @property
    def is_service(self) -> bool:
        """Whether the queue takes service jobs (SubmitServiceJob) rather than container jobs."""
        return self.extra.get("jobQueueType") == "SAGEMAKER_TRAINING"


@dataclass(eq=False)
class JobDefinition:
    name: str
    revision: int
    arn: str
    status: str  # ACTIVE | INACTIVE
    type: str  # container | multinode
    body: dict[str, Any]  # every registered field, echoed back by DescribeJobDefinitions

    @property
    def container(self) -> dict[str, Any]:
        """The container properties, for multi-node jobs those of the main node's range (the
        registered ones themselves, for a container job: never to be changed in place)."""
        if "containerProperties" in self.body:
            properties: dict[str, Any] = self.body["containerProperties"]
            return properties
        if "ecsProperties" in self.body:  # an ECS task: its first essential container
            tasks = self.body["ecsProperties"].get("taskProperties") or [{}]
            containers = tasks[0].get("containers") or [{}]
            return dict(next((c for c in containers if c.get("essential", True)), containers[0]))
        nodes = self.body.get("nodeProperties") or {}
        ranges = nodes.get("nodeRangeProperties") or []
        return dict(ranges[0].get("container") or {}) if ranges else {}


@dataclass(eq=False)
class SchedulingPolicy:
    name: str
    arn: str
    fairshare_policy: dict[str, Any] | None
    quota_share_policy: dict[str, Any] | None = None
