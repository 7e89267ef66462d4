"""Service environments, quota shares and service jobs (SageMaker training jobs scheduled by
Batch), and the one table of legal service-job status changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .resources import NUM_INSTANCES, JobQueue, ServiceEnvironment
from .retry_rules import RetryRule

SUBMITTED, RUNNABLE, SCHEDULED, STARTING, RUNNING, SUCCEEDED, FAILED = (
    "SUBMITTED",
    "RUNNABLE",
    "SCHEDULED",
    "STARTING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
)
# the model's enum; service jobs have no dependencies, so PENDING is never entered
SERVICE_STATUSES = (SUBMITTED, "PENDING", RUNNABLE, SCHEDULED, STARTING, RUNNING, SUCCEEDED, FAILED)
TERMINAL = frozenset({SUCCEEDED, FAILED})
IN_FLIGHT = (SCHEDULED, STARTING, RUNNING)  # holding service environment capacity

# Every service job status change goes through scheduling.service_jobs.set_service_status.
SERVICE_TRANSITIONS: dict[str, frozenset[str]] = {
    SUBMITTED: frozenset({RUNNABLE, FAILED}),
    RUNNABLE: frozenset({SCHEDULED, FAILED}),
    SCHEDULED: frozenset({STARTING, FAILED, RUNNABLE}),  # RUNNABLE: preempted
    STARTING: frozenset({RUNNING, FAILED, RUNNABLE}),
    RUNNING: frozenset({SUCCEEDED, FAILED, RUNNABLE}),  # RUNNABLE: a retry, or preempted
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
}


@dataclass(eq=False)
class QuotaShare:
    name: str
    arn: str
    queue: JobQueue
    capacity_limits: list[dict[str, Any]]
    sharing: dict[str, Any]  # resourceSharingConfiguration: strategy, borrowLimit
    preemption: dict[str, Any]  # preemptionConfiguration: inSharePreemption
    state: str

    @property
    def strategy(self) -> str:
        return str(self.sharing["strategy"])


@dataclass(eq=False, slots=True)
class ServiceAttempt:
    training_job_arn: str
    started_at: int
    stopped_at: int | None = None
    status_reason: str | None = None
    log_stream: str = ""
    finishes_at: int | None = None  # when the handler's simulated work ends
    outcome: str | None = None  # SUCCEEDED | FAILED once the handler returned
    outcome_reason: str | None = None
    logs: list[tuple[int, str]] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class ServiceJob:
    id: str
    arn: str
    name: str
    queue: JobQueue
    type: str  # SAGEMAKER_TRAINING
    payload: str  # serviceRequestPayload, echoed as sent
    request: dict[str, Any]  # the SubmitServiceJob body, for the fields AWS echoes
    instance_type: str
    instances: int  # capacity the job holds while SCHEDULED, STARTING or RUNNING
    attempts_allowed: int
    retry_rules: tuple[RetryRule, ...]  # evaluateOnExit: onStatusReason only
    timeout: int | None
    share_identifier: str | None
    quota_share: QuotaShare | None
    scheduling_priority: int
    created_at: int
    seq: int
    status: str = SUBMITTED
    status_reason: str | None = None
    scheduled_at: int | None = None
    runnable_at: int | None = None  # when it last became RUNNABLE (its place in the queue)
    started_at: int | None = None
    stopped_at: int | None = None
    environment: ServiceEnvironment | None = None  # where it holds capacity while in flight
    borrowing: bool = False  # started on capacity lent by other quota shares
    attempts: list[ServiceAttempt] = field(default_factory=list)
    running: ServiceAttempt | None = None
    preempted: list[ServiceAttempt] = field(default_factory=list)
    is_terminated: bool = False
    blocked_since: int | None = None  # since when a MISCONFIGURATION statusReason keeps it waiting
    capacity_wait_ms: int = 0  # how long its training jobs waited for capacity SageMaker lacked
    capacity_attempt: ServiceAttempt | None = None  # the last training job failed for capacity

    def usage(self, unit: str) -> int:
        """The capacity this job counts against a limit in ``unit`` (NUM_INSTANCES or an
        instance type)."""
        return self.instances if unit in (NUM_INSTANCES, self.instance_type) else 0
