"""How a service job looks from outside: DescribeServiceJob's detail and ListServiceJobs's summary."""

from __future__ import annotations

from typing import Any

from ..model.service import IN_FLIGHT, NUM_INSTANCES, ServiceAttempt, ServiceJob
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
        "isTerminated": job.is_terminated,
    }
    latest = job.running or (job.attempts[-1] if job.attempts else None)
    if latest is not None:
        view["latestAttempt"] = {"serviceResourceId": _resource_id(latest)}
    if job.status in IN_FLIGHT:
        view["capacityUsage"] = [{"capacityUnit": NUM_INSTANCES, "quantity": float(job.instances)}]
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


def service_job_detail(job: ServiceJob, region_tags: dict[str, dict[str, str]]) -> Response:
    detail = _common(job)
    detail.update(
        jobQueue=job.queue.arn,
        serviceRequestPayload=job.payload,
        schedulingPriority=job.scheduling_priority,
        attempts=[_attempt(a) for a in job.attempts],
    )
    for key in ("retryStrategy", "timeoutConfig", "preemptionConfiguration"):
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
