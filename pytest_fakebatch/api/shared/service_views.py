"""How a service job looks from outside: DescribeServiceJob's detail and ListServiceJobs's summary."""

from __future__ import annotations

from typing import Any

from ...model.resources import JobQueue
from ...model.service import IN_FLIGHT, ServiceAttempt, ServiceJob
from .router import Response


def _resource_id(attempt: ServiceAttempt) -> dict[str, str]:
    return {"name": "TrainingJobArn", "value": attempt.training_job_arn}


def _attempt(attempt: ServiceAttempt) -> Response:
    detail: Response = {"serviceResourceId": _resource_id(attempt), "startedAt": attempt.started_at}
    if attempt.stopped_at is not None:
        detail["stoppedAt"] = attempt.stopped_at
    if attempt.status_reason is not None:
        detail["statusReason"] = attempt.status_reason
    return detail


def _common(job: ServiceJob) -> Response:
    """What the detail and the summary share."""
    view: Response = {
        "jobArn": job.arn,
        "jobId": job.id,
        "jobName": job.name,
        "serviceJobType": job.type,
        "status": job.status,
        "createdAt": job.created_at,
    }
    if job.is_terminated:  # "This field is only present when the value is true" (ServiceJobSummary)
        view["isTerminated"] = True
    tried = job.attempts[-1:] + ([job.capacity_attempt] if job.capacity_attempt is not None else [])
    latest = job.running or max(tried, key=lambda a: a.started_at, default=None)
    if latest is not None:
        view["latestAttempt"] = {"serviceResourceId": _resource_id(latest)}
    if job.status in IN_FLIGHT:  # capacityUnit: "For service jobs, this is the instance type."
        view["capacityUsage"] = [capacity_usage(job)]
    optional: dict[str, Any] = {
        "statusReason": job.status_reason,
        "scheduledAt": job.scheduled_at,
        "startedAt": job.started_at,
        "stoppedAt": job.stopped_at,
        "shareIdentifier": job.share_identifier,
        "quotaShareName": job.quota_share.name if job.quota_share is not None else None,
    }
    view.update({k: v for k, v in optional.items() if v is not None})
    return view


def capacity_usage(job: ServiceJob) -> Response:
    """What the job holds: ``ResourceConfig.InstanceCount`` instances of its ``InstanceType``."""
    return {"capacityUnit": job.instance_type, "quantity": float(job.instances)}


def service_job_detail(job: ServiceJob, region_tags: dict[str, dict[str, str]]) -> Response:
    detail = _common(job)
    detail.update(
        jobQueue=job.queue.arn,
        serviceRequestPayload=job.payload,
        attempts=[_attempt(a) for a in job.attempts],
    )
    # echoed as given (the User Guide's answers leave out what the request left out)
    for key in ("retryStrategy", "timeoutConfig", "preemptionConfiguration", "schedulingPriority"):
        if key in job.request:
            detail[key] = job.request[key]
    if job.preempted:
        detail["preemptionSummary"] = {
            "preemptedAttemptCount": len(job.preempted),
            "recentPreemptedAttempts": [_attempt(a) for a in job.preempted[-5:]],
        }
    tags = region_tags.get(job.arn)
    if tags:
        detail["tags"] = dict(tags)
    return detail


def service_job_summary(job: ServiceJob) -> Response:
    return _common(job)


def _usage_by_type(jobs: list[ServiceJob]) -> list[Response]:
    totals: dict[str, float] = {}
    for job in jobs:
        totals[job.instance_type] = totals.get(job.instance_type, 0.0) + job.instances
    return [{"capacityUnit": unit, "quantity": quantity} for unit, quantity in sorted(totals.items())]


def _top(groups: dict[str, list[ServiceJob]], key: str, most: int) -> list[Response]:
    """Each group's usage, the largest first (ties by name), at most ``most`` of them."""
    ranked = sorted(groups.items(), key=lambda item: (-sum(j.instances for j in item[1]), item[0]))
    return [{key: name, "capacityUsage": _usage_by_type(jobs)} for name, jobs in ranked[:most]]


def service_queue_snapshot(
    queue: JobQueue, waiting: list[ServiceJob], held: list[ServiceJob], now: int, *, quota: bool
) -> Response:
    """GetJobQueueSnapshot of a SAGEMAKER_TRAINING queue: ``waiting`` are its RUNNABLE jobs in
    dispatch order, ``held`` its jobs holding capacity (SCHEDULED, STARTING, RUNNING); ``quota``
    whether the queue manages quotas (its jobs each belong to a quota share)."""

    def entry(job: ServiceJob) -> Response:
        return {"jobArn": job.arn, "earliestTimeAtPosition": job.runnable_at or job.created_at}

    answer: Response = {"frontOfQueue": {"jobs": [entry(j) for j in waiting[:100]], "lastUpdatedAt": now}}
    utilization: Response = {"totalCapacityUsage": _usage_by_type(held), "lastUpdatedAt": now}
    if quota:
        first: dict[str, list[Response]] = {}
        for job in waiting:
            assert job.quota_share is not None
            first.setdefault(job.quota_share.name, [entry(job)])
        answer["frontOfQuotaShares"] = {"quotaShares": first, "lastUpdatedAt": now}
        by_share: dict[str, list[ServiceJob]] = {}
        for job in held:
            assert job.quota_share is not None
            by_share.setdefault(job.quota_share.name, []).append(job)
        top = _top(by_share, "quotaShareName", 100)
        utilization["quotaShareUtilization"] = {"topCapacityUtilization": top}
    elif queue.scheduling_policy_arn is not None:
        by_identifier: dict[str, list[ServiceJob]] = {}
        for job in held:
            by_identifier.setdefault(job.share_identifier or "", []).append(job)
        # "A list of the top 20 shares with the highest capacity utilization, ordered by usage amount"
        utilization["fairshareUtilization"] = {
            "activeShareCount": len(by_identifier),
            "topCapacityUtilization": _top(by_identifier, "shareIdentifier", 20),
        }
    answer["queueUtilization"] = utilization
    return answer
