"""How a job looks from outside: the JobDetail and JobSummary shapes AWS answers with."""

from __future__ import annotations

from typing import Any

from ...model.jobs import TERMINAL, Job, array_summary, observed_status
from .router import Response
from .task_views import task_arn, task_detail


def job_detail(job: Job, region_tags: dict[str, dict[str, str]]) -> Response:
    """The full JobDetail shape, as DescribeJobs answers it."""
    spec = job.spec
    status = observed_status(job)
    detail: Response = {
        "jobArn": job.arn,
        "jobName": spec.name,
        "jobId": job.id,
        "jobQueue": spec.queue.arn,
        "status": status,
        "attempts": _finished_attempts(job),
        "createdAt": job.created_at,
        "dependsOn": [
            {k: v for k, v in (("jobId", job_id), ("type", kind)) if v is not None}
            for job_id, kind in spec.dependencies_sent
        ],
        "jobDefinition": spec.definition.arn,
        "parameters": spec.parameters,
        "tags": region_tags.get(job.top.arn, {}),
        "propagateTags": spec.propagate_tags,
        "platformCapabilities": spec.definition.body.get("platformCapabilities", ["EC2"]),
        "isCancelled": job.is_cancelled,
        "isTerminated": job.is_terminated,
        "schedulingPriority": spec.scheduling_priority,
    }
    detail.update(_progress(job, status))
    if spec.consumable_properties is not None:
        detail["consumableResourceProperties"] = spec.consumable_properties
    if spec.timeout is not None:
        detail["timeout"] = {"attemptDurationSeconds": spec.timeout}
    if spec.attempts > 1 or spec.retry_rules:
        detail["retryStrategy"] = {
            "attempts": spec.attempts,
            "evaluateOnExit": [
                {
                    k: v
                    for k, v in (
                        ("action", r.action),
                        ("onExitCode", r.on_exit_code),
                        ("onReason", r.on_reason),
                        ("onStatusReason", r.on_status_reason),
                    )
                    if v is not None
                }
                for r in spec.retry_rules
            ],
        }
    if job.is_multinode:
        _multinode_detail(job, detail)
    elif job.children:
        detail["arrayProperties"] = {
            "size": len(job.children),
            "statusSummary": array_summary(job),
            "statusSummaryLastUpdatedAt": job.stopped_at or job.created_at,
        }
        detail["container"] = _container_detail(job, None)
        if spec.task is not None:
            detail.pop("container")
            task_detail(job, detail)
    else:
        if job.index is not None:
            detail["arrayProperties"] = {"index": job.index}
        if spec.task is not None:
            task_detail(job, detail)
        else:
            detail["container"] = _container_detail(job, job.attempts[-1] if job.attempts else None)
    return detail


def _progress(job: Job, status: str) -> Response:
    """What JobDetail and JobSummary both say of how far a job got: share, reason, times."""
    fields: Response = {}
    if job.spec.share_identifier is not None:
        fields["shareIdentifier"] = job.spec.share_identifier
    reason = _status_reason(job, status)
    if reason is not None:
        fields["statusReason"] = reason
    started = job.started_at if not job.children else _array_started(job)
    if started is not None:
        fields["startedAt"] = started
    if status in TERMINAL and job.stopped_at is not None:
        fields["stoppedAt"] = job.stopped_at
    return fields


def _multinode_detail(job: Job, detail: Response) -> None:
    main = job.spec.main_node
    if job.parent is None:
        detail["nodeProperties"] = {
            **job.spec.definition.body["nodeProperties"],
            "numNodes": len(job.children),
        }
        main_job = job.children[main] if main is not None else job
        detail["container"] = _container_detail(
            main_job, main_job.attempts[-1] if main_job.attempts else None
        )
        detail["attempts"] = _finished_attempts(main_job)
        if main_job.status_reason is not None:
            detail["statusReason"] = main_job.status_reason
        return
    detail["nodeDetails"] = {"nodeIndex": job.index, "isMainNode": job.index == main}
    detail["container"] = _container_detail(job, job.attempts[-1] if job.attempts else None)


def _status_reason(job: Job, status: str) -> str | None:
    if job.children and not job.is_multinode:
        if job.is_cancelled or job.is_terminated:
            return job.status_reason
        return None
    return job.status_reason


def _array_started(job: Job) -> int | None:
    starts = [c.started_at for c in job.children if c.started_at is not None]
    return min(starts) if starts else None


def _container_detail(job: Job, attempt: Any) -> Response:
    container = job.container
    detail: Response = {
        key: container[key]
        for key in (
            "image",
            "vcpus",
            "memory",
            "command",
            "jobRoleArn",
            "executionRoleArn",
            "volumes",
            "environment",
            "mountPoints",
            "readonlyRootFilesystem",
            "ulimits",
            "privileged",
            "user",
            "instanceType",
            "resourceRequirements",
            "linuxParameters",
            "logConfiguration",
            "secrets",
            "networkConfiguration",
            "fargatePlatformConfiguration",
            "ephemeralStorage",
            "runtimePlatform",
            "repositoryCredentials",
            "enableExecuteCommand",
        )
        if key in container
    }
    detail.setdefault("command", [])
    detail.setdefault("environment", [])
    detail.setdefault("volumes", [])
    detail.setdefault("mountPoints", [])
    detail.setdefault("ulimits", [])
    detail.setdefault("resourceRequirements", [])
    detail.setdefault("secrets", [])
    detail["networkInterfaces"] = []
    if attempt is not None:
        detail["logStreamName"] = attempt.log_stream
        detail["taskArn"] = task_arn(job, attempt)
        if attempt.exit_code is not None:
            detail["exitCode"] = attempt.exit_code
        if attempt.reason is not None:
            detail["reason"] = attempt.reason
    return detail


def _finished_attempts(job: Job) -> list[Response]:
    """``attempts`` lists finished attempts only: real Batch answers ``attempts: []`` for a job
    RUNNING its first attempt and shows that attempt's ``logStreamName`` in ``container``
    (reported in meta-pytorch/torchx#542, "Get logs from running job with aws_batch scheduler":
    "In a running job, the attempts list is empty")."""
    return [_attempt_detail(a) for a in job.attempts if a.stopped_at is not None]


def _attempt_detail(attempt: Any) -> Response:
    container: Response = {"logStreamName": attempt.log_stream, "networkInterfaces": []}
    if attempt.exit_code is not None:
        container["exitCode"] = attempt.exit_code
    if attempt.reason is not None:
        container["reason"] = attempt.reason
    detail: Response = {"container": container, "startedAt": attempt.started_at}
    if attempt.stopped_at is not None:
        detail["stoppedAt"] = attempt.stopped_at
        detail["statusReason"] = attempt.status_reason
    return detail


def job_summary(job: Job) -> Response:
    status = observed_status(job)
    summary: Response = {
        "jobArn": job.arn,
        "jobId": job.id,
        "jobName": job.spec.name,
        "createdAt": job.created_at,
        "status": status,
        "jobDefinition": job.spec.definition.arn,
        **_progress(job, status),
    }
    if job.is_multinode:
        summary["nodeProperties"] = (
            {"numNodes": len(job.children)}
            if job.parent is None
            else {"isMainNode": job.index == job.spec.main_node, "nodeIndex": job.index}
        )
    elif job.children:
        summary["arrayProperties"] = {"size": len(job.children)}
    elif job.index is not None:
        summary["arrayProperties"] = {"index": job.index}
    # "This field is only present when the value is true" (JobSummary, AWS Batch API reference)
    if job.is_cancelled:
        summary["isCancelled"] = True
    if job.is_terminated:
        summary["isTerminated"] = True
    if job.attempts:
        last = job.attempts[-1]
        container: Response = {}
        if last.exit_code is not None:
            container["exitCode"] = last.exit_code
        if last.reason is not None:
            container["reason"] = last.reason
        summary["container"] = container
    return summary
