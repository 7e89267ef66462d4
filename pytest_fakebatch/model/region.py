"""Everything one account has in one region: the model's root. No I/O, no threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ClientError
from .consumables import ConsumableResource
from .jobs import Job
from .journal import Journal
from .resources import (
    ComputeEnvironment,
    JobDefinition,
    JobQueue,
    SchedulingPolicy,
    ServiceEnvironment,
    definition_ref,
    lookup,
)
from .service import QuotaShare, ServiceJob
from .waiting import Waiting


@dataclass(eq=False)
class Region:
    """Everything one account has in one region."""

    account: str
    region: str
    compute_environments: dict[str, ComputeEnvironment] = field(default_factory=dict)
    job_queues: dict[str, JobQueue] = field(default_factory=dict)
    job_definitions: dict[str, list[JobDefinition]] = field(default_factory=dict)
    scheduling_policies: dict[str, SchedulingPolicy] = field(default_factory=dict)
    consumable_resources: dict[str, ConsumableResource] = field(default_factory=dict)
    # consumable resource name -> the leaf jobs that require it, in submission order
    consumable_jobs: dict[str, list[Job]] = field(default_factory=dict)
    # UpdateConsumableResource clientToken -> (request digest, when, answer)
    update_tokens: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)  # every job, array children included
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # resource ARN -> tags
    logs: dict[str, dict[str, list[tuple[int, str]]]] = field(
        default_factory=dict
    )  # group -> stream -> events
    # Indexes the scheduler keeps so that a tick touches only jobs that can move:
    active: dict[str, dict[str, Job]] = field(default_factory=dict)  # status -> unfinished leaf jobs
    waiting: Waiting = field(default_factory=Waiting)  # the RUNNABLE ones, by queue in offer order
    dependents: dict[str, list[Job]] = field(default_factory=dict)  # job id -> jobs waiting on it
    recheck: list[Job] = field(default_factory=list)  # PENDING jobs whose dependencies moved
    service_environments: dict[str, ServiceEnvironment] = field(default_factory=dict)
    quota_shares: dict[str, QuotaShare] = field(default_factory=dict)  # by ARN
    service_jobs: dict[str, ServiceJob] = field(default_factory=dict)  # submission order
    # the unfinished ones, in submission order: what a service round looks at
    service_active: dict[str, ServiceJob] = field(default_factory=dict)
    blocked: dict[str, Job] = field(default_factory=dict)  # job id -> job with a blocked_since
    # ListJobs's index: queue ARN -> its top-level jobs, ascending by (createdAt, seq)
    queue_jobs: dict[str, list[Job]] = field(default_factory=dict)
    # every job's status changes in order (the fake's events), shared by the fake's regions;
    # None: not kept (events are off)
    journal: Journal | None = None

    def is_empty(self) -> bool:
        """Whether nothing was ever made here (such a region need not be kept)."""
        return not (
            self.compute_environments
            or self.job_queues
            or self.job_definitions
            or self.scheduling_policies
            or self.consumable_resources
            or self.jobs
            or self.tags
            or self.logs
            or self.service_environments
            or self.service_jobs
        )

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:batch:{self.region}:{self.account}:{kind}/{name}"

    def _resolve(self, op: str, what: str, ref: str, by_name: dict[str, Any]) -> Any:
        found = lookup(ref, by_name)
        if found is None:
            known = ", ".join(f"'{n}'" for n in by_name) or "none"
            raise ClientError(f"{op}: {what} '{ref}' does not exist in {self.region} (known: {known})")
        return found

    def compute_environment(self, op: str, ref: str) -> ComputeEnvironment:
        env: ComputeEnvironment = self._resolve(op, "compute environment", ref, self.compute_environments)
        return env

    def job_queue(self, op: str, ref: str) -> JobQueue:
        queue: JobQueue = self._resolve(op, "job queue", ref, self.job_queues)
        return queue

    def service_environment(self, op: str, ref: str) -> ServiceEnvironment:
        env: ServiceEnvironment = self._resolve(op, "service environment", ref, self.service_environments)
        return env

    def quota_share(self, op: str, arn: str) -> QuotaShare:
        share = self.quota_shares.get(arn)
        if share is None:
            known = ", ".join(f"'{a}'" for a in self.quota_shares) or "none"
            raise ClientError(f"{op}: quota share '{arn}' does not exist in {self.region} (known: {known})")
        return share

    def service_job(self, op: str, job_id: str) -> ServiceJob:
        job = self.service_jobs.get(job_id)
        if job is None:
            raise ClientError(f"{op}: service job '{job_id}' does not exist in {self.region}")
        return job

    def scheduling_policy(self, op: str, ref: str) -> SchedulingPolicy:
        policy: SchedulingPolicy = self._resolve(op, "scheduling policy", ref, self.scheduling_policies)
        return policy

    def consumable_resource(self, op: str, ref: str) -> ConsumableResource:
        resource: ConsumableResource = self._resolve(
            op, "consumable resource", ref, self.consumable_resources
        )
        return resource

    def job_definition(self, op: str, ref: str) -> JobDefinition:
        """A definition by name or ARN (latest ACTIVE revision), ``name:revision`` or ARN
        with revision."""
        name, revision = definition_ref(op, ref)
        revisions = self.job_definitions.get(name, [])
        if revision is not None:
            found = next((d for d in revisions if d.revision == revision), None)
        else:
            found = next((d for d in reversed(revisions) if d.status == "ACTIVE"), None)
        if found is None or (ref.startswith("arn:") and not found.arn.startswith(ref)):
            known = (
                ", ".join(
                    f"'{d.name}:{d.revision}'"
                    for defs in self.job_definitions.values()
                    for d in defs
                    if d.status == "ACTIVE"
                )
                or "none"
            )
            raise ClientError(
                f"{op}: job definition '{ref}' does not exist or is INACTIVE in {self.region} "
                f"(active: {known})"
            )
        return found

    def is_taggable(self, arn: str) -> bool:
        """Whether ``arn`` names a resource of this region that carries tags."""
        prefix = f"arn:aws:batch:{self.region}:{self.account}:"
        if not arn.startswith(prefix):
            return False
        kind, _, name = arn[len(prefix) :].partition("/")
        found: Any
        if kind == "compute-environment":
            found = self.compute_environments.get(name)
        elif kind == "job-queue" and "/quota-share/" in name:  # job-queue/<queue>/quota-share/<name>
            found = self.quota_shares.get(arn)
        elif kind == "job-queue":
            found = self.job_queues.get(name)
        elif kind == "scheduling-policy":
            found = self.scheduling_policies.get(name)
        elif kind == "consumable-resource":
            found = self.consumable_resources.get(name)
        elif kind == "job-definition":
            base, _, revision = name.partition(":")
            found = next((d for d in self.job_definitions.get(base, []) if str(d.revision) == revision), None)
        elif kind == "job":
            job = self.jobs.get(name)
            found = job if job is not None and job.parent is None else None
        elif kind == "service-environment":
            found = self.service_environments.get(name)
        elif kind == "service-job":
            found = self.service_jobs.get(name)
        else:
            found = None
        return found is not None and found.arn == arn
