"""DescribeJobs, ListJobs, CancelJob and TerminateJob, and how a job looks from outside."""

from __future__ import annotations

from typing import Any

from ._jobs import (
    FAILED,
    PENDING,
    RUNNABLE,
    RUNNING,
    STARTING,
    STATUSES,
    SUBMITTED,
    TERMINAL,
    Job,
    array_summary,
    observed_status,
)
from ._lifecycle import set_status
from ._ordering import offer_capacity
from ._params import paged
from ._router import Call, Response, batch_operation

_UNSTARTED = frozenset({SUBMITTED, PENDING, RUNNABLE})
_FILTERS = ("JOB_NAME", "JOB_DEFINITION", "BEFORE_CREATED_AT", "AFTER_CREATED_AT")


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
        "attempts": [_attempt_detail(a) for a in job.attempts],
        "createdAt": job.created_at,
        "dependsOn": spec.request.get("dependsOn", []),
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
    else:
        if job.index is not None:
            detail["arrayProperties"] = {"index": job.index}
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
        detail["attempts"] = [_attempt_detail(a) for a in main_job.attempts]
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
        detail["taskArn"] = _task_arn(job, attempt)
        if attempt.exit_code is not None:
            detail["exitCode"] = attempt.exit_code
        if attempt.reason is not None:
            detail["reason"] = attempt.reason
    return detail


def _task_arn(job: Job, attempt: Any) -> str:
    region = job.arn.split(":")[3]
    account = job.arn.split(":")[4]
    return f"arn:aws:ecs:{region}:{account}:task/{attempt.log_stream.rsplit('/', 1)[-1]}"


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


@batch_operation("DescribeJobs")
def describe_jobs(call: Call) -> Response:
    p, region = call.p, call.region
    ids = p.str_list("jobs")
    if not 1 <= len(ids) <= 100:
        raise p.fail(f"jobs takes 1 to 100 job ids, got {len(ids)}")
    jobs = [region.jobs[i] for i in dict.fromkeys(ids) if i in region.jobs]
    return {"jobs": [job_detail(job, region.tags) for job in jobs]}


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
    if job.attempts:
        last = job.attempts[-1]
        container: Response = {}
        if last.exit_code is not None:
            container["exitCode"] = last.exit_code
        if last.reason is not None:
            container["reason"] = last.reason
        summary["container"] = container
    return summary


@batch_operation("ListJobs")
def list_jobs(call: Call) -> Response:
    p, region = call.p, call.region
    selectors = [k for k in ("jobQueue", "arrayJobId", "multiNodeJobId") if p.opt_str(k)]
    if len(selectors) != 1:
        raise p.fail(
            f"give exactly one of jobQueue, arrayJobId and multiNodeJobId (got {selectors or 'none'})"
        )
    selector = selectors[0]
    if selector == "jobQueue":
        queue = region.job_queue(p.op, p.text("jobQueue"))
        jobs = [j for j in region.jobs.values() if j.parent is None and j.spec.queue is queue]
    else:
        multinode = selector == "multiNodeJobId"
        parent = region.jobs.get(p.text(selector))
        if parent is None or not parent.children or parent.is_multinode != multinode:
            kind = "multi-node job" if multinode else "array job"
            raise p.fail(f"{kind} '{p.text(selector)}' does not exist in {region.region}")
        jobs = list(parent.children)
    filters = _filters(call)
    if filters:
        for check in filters:
            jobs = [j for j in jobs if check(j)]
    else:
        status = p.choice("jobStatus", STATUSES, RUNNING)
        jobs = [j for j in jobs if observed_status(j) == status]
    if selector == "jobQueue":  # newest first; an array's children keep their index order
        jobs.sort(key=lambda j: (j.created_at, j.seq), reverse=True)
    return paged(p, "jobSummaryList", jobs, job_summary, limit=1000, default=100)


def _filters(call: Call) -> list[Any]:
    p = call.p
    raw = p.opt_list("filters") or []
    if len(raw) > 1:
        raise p.fail(f"only one filter can be used at a time, got {len(raw)}")
    checks = []
    for i, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else None
        values = entry.get("values") if isinstance(entry, dict) else None
        if name not in _FILTERS:
            raise p.fail(f"filters[{i}].name must be one of {', '.join(_FILTERS)}, got {name!r}")
        if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
            raise p.fail(f"filters[{i}].values must hold exactly one string")
        checks.append(_filter(call, name, values[0]))
    return checks


def _filter(call: Call, name: str, value: str) -> Any:
    if name == "JOB_NAME":
        wanted = value.lower()
        if wanted.endswith("*"):
            return lambda j: j.spec.name.lower().startswith(wanted[:-1])
        return lambda j: j.spec.name.lower() == wanted
    if name == "JOB_DEFINITION":
        prefix = value.endswith("*")
        text = value[:-1] if prefix else value

        def matches(job: Job) -> bool:
            d = job.spec.definition
            names = (d.arn, f"{d.name}:{d.revision}", d.name)
            return any(n.startswith(text) if prefix else n == text for n in names)

        return matches
    if not value.isdigit():
        raise call.p.fail(f"filter {name} takes a time in epoch milliseconds, got '{value}'")
    moment = int(value)
    if name == "BEFORE_CREATED_AT":
        return lambda j: j.created_at < moment
    return lambda j: j.created_at > moment


def _stop_jobs(call: Call, *, terminate: bool) -> Response:
    p, region = call.p, call.region
    job_id = p.text("jobId")
    reason = p.text("reason")
    if not reason.strip():
        raise p.fail("reason must not be empty")
    job = region.jobs.get(job_id)
    if job is None:
        raise p.fail(f"job '{job_id}' does not exist in {region.region}")
    targets = job.children or [job]
    now = call.now()
    for target in targets:
        if target.status == PENDING and not terminate:
            # AWS cancels a PENDING job once its dependencies complete
            target.is_cancelled = True
            target.status_reason = reason
            region.recheck.append(target)
        elif target.status in _UNSTARTED:
            target.is_cancelled = True
            set_status(region, target, FAILED, now, reason)
        elif terminate and target.status in (STARTING, RUNNING):
            target.is_terminated = True
            call.scheduler.stop(region, target, reason)
    if job.children and any(c.is_cancelled or c.is_terminated for c in job.children):
        job.status_reason = reason
        job.is_cancelled = job.is_cancelled or any(c.is_cancelled for c in job.children)
        job.is_terminated = job.is_terminated or (terminate and any(c.is_terminated for c in job.children))
    return {}


@batch_operation("CancelJob")
def cancel_job(call: Call) -> Response:
    return _stop_jobs(call, terminate=False)


@batch_operation("TerminateJob")
def terminate_job(call: Call) -> Response:
    return _stop_jobs(call, terminate=True)


@batch_operation("GetJobQueueSnapshot")
def get_job_queue_snapshot(call: Call) -> Response:
    """The first 100 RUNNABLE jobs of a queue, in the order they will get capacity."""
    region = call.region
    queue = region.job_queue(call.op, call.p.text("jobQueue"))
    waiting = [j for j in region.active.get(RUNNABLE, {}).values() if j.spec.queue is queue]
    running = [j for s in (STARTING, RUNNING) for j in region.active.get(s, {}).values()]
    order: list[Job] = []

    def note(job: Job) -> bool:  # records the order; starts nothing
        order.append(job)
        return False

    offer_capacity(region, waiting, running, note)
    return {
        "frontOfQueue": {
            "jobs": [{"jobArn": j.arn, "earliestTimeAtPosition": j.created_at} for j in order[:100]],
            "lastUpdatedAt": call.now(),
        }
    }
