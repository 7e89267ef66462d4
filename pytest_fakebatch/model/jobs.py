"""Jobs, their attempts, and the one table of legal status changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .consumables import ConsumableResource
from .numbers import decimal_amount
from .resources import JobDefinition, JobQueue
from .retry_rules import RetryRule
from .tasks import ContainerRun, Pod, TaskPlan

SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED = (
    "SUBMITTED",
    "PENDING",
    "RUNNABLE",
    "STARTING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
)
STATUSES = (SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED)
TERMINAL = frozenset({SUCCEEDED, FAILED})

# Every status change goes through set_status, and only along these edges.
TRANSITIONS: dict[str, frozenset[str]] = {
    SUBMITTED: frozenset({PENDING, RUNNABLE, FAILED}),
    PENDING: frozenset({RUNNABLE, FAILED}),
    RUNNABLE: frozenset({STARTING, FAILED}),
    STARTING: frozenset({RUNNING, FAILED, RUNNABLE}),  # RUNNABLE: a retry of a failed start
    RUNNING: frozenset({SUCCEEDED, FAILED, RUNNABLE}),  # RUNNABLE: a retry
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
}


class IllegalTransition(RuntimeError):
    """A status change the table does not allow: always a bug in the fake."""


@dataclass(eq=False, slots=True)
class JobSpec:
    """What was submitted: shared by an array parent and all its children."""

    name: str
    queue: JobQueue
    definition: JobDefinition
    # dependsOn as sent, (jobId, type) each (None where absent): DescribeJobs echoes it. Plain
    # values, so the garbage collector need not walk them for each of 100,000 jobs
    dependencies_sent: tuple[tuple[str | None, str | None], ...]
    parameters: dict[str, str]
    container: dict[str, Any]  # definition container properties with overrides applied
    vcpus: float
    timeout: int | None
    attempts: int
    retry_rules: tuple[RetryRule, ...]
    tags: dict[str, str]
    propagate_tags: bool
    share_identifier: str | None
    scheduling_priority: int
    array_size: int | None
    log_group: str
    main_node: int | None = None  # multi-node parallel jobs: the node whose exit decides
    # what each leaf job (an array child, a node, a plain job) holds while it runs, and the
    # consumableResourceProperties DescribeJobs shows (the definition's, or the override)
    consumables: tuple[tuple[ConsumableResource, int], ...] = ()
    consumable_properties: dict[str, Any] | None = None
    task: TaskPlan | None = None  # ECS- and EKS-properties jobs: their containers


@dataclass(eq=False, slots=True)
class Attempt:
    started_at: int
    stopped_at: int | None = None
    exit_code: int | None = None
    reason: str | None = None
    status_reason: str | None = None
    log_stream: str = ""
    compute_environment: str = ""
    handle: Any = None  # the executor's handle while the attempt runs
    containers: tuple[ContainerRun, ...] = ()  # of an ECS task or EKS pod
    pod: Pod | None = None  # an EKS attempt's pod
    # asked to stop (TerminateJob, a timeout, its main node's exit): the status reason it ends
    # with, and for a timeout the time it ends at, once the executor says it has stopped
    stopping: str | None = None
    stop_at: int | None = None


@dataclass(eq=False, slots=True)
class Dependency:
    job: Job
    type: str | None  # None, N_TO_N or SEQUENTIAL


@dataclass(eq=False, slots=True)
class Job:
    id: str
    arn: str
    spec: JobSpec
    created_at: int
    seq: int  # creation order, breaks ties between equal timestamps
    status: str = SUBMITTED
    status_reason: str | None = None
    started_at: int | None = None
    stopped_at: int | None = None
    parent: Job | None = None
    index: int | None = None
    # an array's children or a multi-node job's nodes; a leaf job's, like its dependencies, is the
    # shared empty tuple (no list each for 10,000 children)
    children: Sequence[Job] = ()
    depends_on: Sequence[Dependency] = ()
    attempts: list[Attempt] = field(default_factory=list)
    running: Attempt | None = None
    is_cancelled: bool = False
    is_terminated: bool = False
    unfinished_children: int = 0  # an index for the scheduler; statusSummary is counted anew
    rank: tuple[int, int, int] = (0, 0, 0)  # order within a queue or share, set by add_job
    node_container: dict[str, Any] | None = None  # a multi-node job's node: its range's container
    node_vcpus: float | None = None
    blocked_since: int | None = None  # RUNNABLE at the head of its queue, unable to ever fit
    waiting_token: int = 0  # while RUNNABLE: its entry in the region's Waiting lines (else 0)
    # the resources (and quantities) it took at its first STARTING, held until it is
    # SUCCEEDED or FAILED; a resource deleted meanwhile is no longer the region's
    held_consumables: tuple[tuple[ConsumableResource, int], ...] = ()
    # a multi-node job's node whose node range names consumable resources: what it needs, and
    # the consumableResourceProperties naming them (None: the job's own)
    node_consumables: tuple[tuple[ConsumableResource, int], ...] | None = None
    node_consumable_properties: dict[str, Any] | None = None

    @property
    def container(self) -> dict[str, Any]:
        """The container this job runs (a node's own, for multi-node jobs)."""
        return self.node_container if self.node_container is not None else self.spec.container

    @property
    def consumables(self) -> tuple[tuple[ConsumableResource, int], ...]:
        """The consumable resources (and quantities) this job needs to start."""
        return self.node_consumables if self.node_consumables is not None else self.spec.consumables

    @property
    def vcpus(self) -> float:
        return self.node_vcpus if self.node_vcpus is not None else self.spec.vcpus

    @property
    def is_multinode(self) -> bool:
        return self.spec.main_node is not None

    @property
    def top(self) -> Job:
        """The job a user submitted: the parent of an array child, else the job itself."""
        return self.parent if self.parent is not None else self


def creation_key(job: Job) -> tuple[int, int]:
    """The order jobs were created in: createdAt, ties broken by submission order."""
    return (job.created_at, job.seq)


def array_summary(parent: Job) -> dict[str, int]:
    """Children per status, the array's ``statusSummary``."""
    counts = dict.fromkeys(STATUSES, 0)
    for child in parent.children:
        counts[child.status] += 1
    return counts


def observed_status(job: Job) -> str:
    """A job's status as AWS shows it; an array parent's follows its children.

    The parent is terminal only when every child is, SUCCEEDED only when every child
    succeeded; while children are in flight it is PENDING (SUBMITTED before its first tick).
    """
    if not job.children:
        return job.status
    if job.spec.main_node is not None:  # a multi-node job follows its main node
        return job.children[job.spec.main_node].status
    failed = False
    for child in job.children:
        if child.status == FAILED:
            failed = True
        elif child.status != SUCCEEDED:
            return SUBMITTED if job.status == SUBMITTED else PENDING
    return FAILED if failed else SUCCEEDED


DEFAULT_LOG_GROUP = "/aws/batch/job"


def resource_amount(value: object) -> float | None:
    """A VCPU or MEMORY requirement's value (``"0.25"``, ``"2048"``) as a number; None unless
    it is a plain decimal above 0."""
    return decimal_amount(value)


def requirement(container: dict[str, Any], kind: str) -> float | None:
    """The container's ``resourceRequirements`` value of ``kind`` (VCPU, MEMORY), if any."""
    for entry in container.get("resourceRequirements") or []:
        if entry.get("type") == kind:
            return resource_amount(entry.get("value", ""))
    return None


def container_vcpus(container: dict[str, Any]) -> float:
    vcpus = requirement(container, "VCPU")
    if vcpus is None:
        vcpus = float(container.get("vcpus") or 1)
    return vcpus


def container_memory(container: dict[str, Any]) -> int | None:
    memory = requirement(container, "MEMORY")
    if memory is None:
        memory = container.get("memory")
    return int(memory) if memory else None


def log_group(container: dict[str, Any]) -> str:
    """Where a container's output goes: its awslogs group, else Batch's default group."""
    config = container.get("logConfiguration") or {}
    group = (config.get("options") or {}).get("awslogs-group")
    return group if config.get("logDriver") == "awslogs" and isinstance(group, str) else DEFAULT_LOG_GROUP
