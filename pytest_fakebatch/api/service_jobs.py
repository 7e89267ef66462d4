"""Service jobs: SubmitServiceJob, DescribeServiceJob, ListServiceJobs, UpdateServiceJob,
TerminateServiceJob and TerminateServiceJobs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import ClientError
from ..model.numbers import whole_number
from ..model.service import RUNNING, SERVICE_STATUSES, TERMINAL, ServiceJob
from ..scheduling.retry import glob_matches
from .checks import parse_retry_strategy
from .jobs import stop_reason
from .params import Position, check_name, check_tags, paged_walk
from .quota_shares import quota_queue
from .router import Call, Response, batch_operation
from .service_views import service_job_detail, service_job_summary

_FILTERS = ("JOB_NAME", "BEFORE_CREATED_AT", "AFTER_CREATED_AT", "SHARE_IDENTIFIER", "QUOTA_SHARE_NAME")
_EPOCH_MS_DIGITS = 19


@batch_operation("SubmitServiceJob")
def submit_service_job(call: Call) -> Response:
    p, region = call.p, call.region
    name = check_name(p.op, "jobName", p.text("jobName"))
    queue = region.job_queue(p.op, p.text("jobQueue"))
    if not queue.is_service:
        raise p.fail(
            f"job queue '{queue.name}' runs container jobs: submit service jobs to a job queue of "
            "type SAGEMAKER_TRAINING"
        )
    if queue.state != "ENABLED":
        raise p.fail(f"job queue '{queue.name}' is DISABLED: enable it before submitting jobs to it")
    kind = p.choice("serviceJobType", ("SAGEMAKER_TRAINING",))
    payload = _payload(call)
    resources = payload.get("ResourceConfig") or {}
    instances = resources.get("InstanceCount", 1) if isinstance(resources, dict) else None
    if not isinstance(instances, int) or isinstance(instances, bool) or instances < 1:
        raise p.fail(
            f"serviceRequestPayload ResourceConfig.InstanceCount must be 1 or more, got {instances!r}"
        )
    retry = parse_retry_strategy(p.op, p.raw.get("retryStrategy"))
    attempts, rules = retry if retry is not None else (1, [])
    timeout = (p.opt_dict("timeoutConfig") or {}).get("attemptDurationSeconds")
    if timeout is not None and timeout < 60:
        raise p.fail(f"timeoutConfig.attemptDurationSeconds must be at least 60, got {timeout}")
    priority = p.opt_int("schedulingPriority")
    if priority is not None and not 0 <= priority <= 9999:
        raise p.fail(f"schedulingPriority must be between 0 and 9999, got {priority}")
    retries = (p.opt_dict("preemptionConfiguration") or {}).get("preemptionRetriesBeforeTermination")
    if retries is not None and retries < 0:
        raise p.fail(
            f"preemptionConfiguration.preemptionRetriesBeforeTermination must be 0 or more, got {retries}"
        )
    share_identifier, quota_share = _shares(call, queue)
    tags = check_tags(p.op, p.str_map("tags"))
    job_id = str(uuid.uuid4())
    job = ServiceJob(
        id=job_id,
        arn=region.arn("service-job", job_id),
        name=name,
        queue=queue,
        type=kind,
        payload=p.text("serviceRequestPayload"),
        request=dict(p.raw),
        instance_type=str(resources.get("InstanceType", "")),
        instances=instances,
        attempts_allowed=attempts,
        retry_rules=rules,
        timeout=timeout,
        share_identifier=share_identifier,
        quota_share=quota_share,
        scheduling_priority=priority or 0,
        created_at=call.now(),
        seq=call.next_seq(),
    )
    if tags:
        region.tags[job.arn] = tags
    region.service_jobs[job_id] = job
    return {"jobArn": job.arn, "jobName": name, "jobId": job_id}


def _payload(call: Call) -> dict[str, Any]:
    text = call.p.text("serviceRequestPayload")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise call.p.fail(
            "serviceRequestPayload must be a JSON object: the SageMaker CreateTrainingJob request, "
            "e.g. json.dumps({'TrainingJobName': ..., 'AlgorithmSpecification': ..., 'ResourceConfig': ...})"
        )
    return payload


def _shares(call: Call, queue: Any) -> tuple[str | None, Any]:
    """shareIdentifier for fair-share queues, quotaShareName for quota-management queues."""
    p, region = call.p, call.region
    share_identifier, quota_name = p.opt_str("shareIdentifier"), p.opt_str("quotaShareName")
    quota = quota_queue(call, queue)
    fair = queue.scheduling_policy_arn is not None and not quota
    if share_identifier is not None and not fair:
        raise p.fail("shareIdentifier can only be given for a job queue with a fair-share scheduling policy")
    if fair and share_identifier is None:
        raise p.fail("the job queue has a fair-share scheduling policy: give a shareIdentifier")
    if quota_name is not None and not quota:
        raise p.fail("quotaShareName can only be given for a job queue with a quota-share scheduling policy")
    if not quota:
        return share_identifier, None
    shares = {s.name: s for s in region.quota_shares.values() if s.queue is queue}
    if quota_name is None:
        raise p.fail(
            f"job queue '{queue.name}' manages quotas: give a quotaShareName (known: {sorted(shares)})"
        )
    if quota_name not in shares:
        raise p.fail(
            f"quota share '{quota_name}' does not exist in job queue '{queue.name}' (known: {sorted(shares)})"
        )
    return None, shares[quota_name]


@batch_operation("DescribeServiceJob")
def describe_service_job(call: Call) -> Response:
    job = call.region.service_job(call.op, call.p.text("jobId"))
    return service_job_detail(job, call.region.tags)


@batch_operation("ListServiceJobs")
def list_service_jobs(call: Call) -> Response:
    """A queue's service jobs (every queue's without jobQueue), newest first, a page at a time;
    the token holds the (createdAt, seq) of the last job answered."""
    p, region = call.p, call.region
    queue = region.job_queue(p.op, p.text("jobQueue")) if p.opt_str("jobQueue") else None
    checks = _filters(call)
    status = p.choice("jobStatus", SERVICE_STATUSES, RUNNING)
    if not checks or all(name in ("SHARE_IDENTIFIER", "QUOTA_SHARE_NAME") for name, _ in checks):
        checks.append(("jobStatus", lambda j: j.status == status))
    jobs = list(region.service_jobs.values())  # submission order

    def after(position: Position | None) -> Iterator[tuple[Position, ServiceJob]]:
        for job in reversed(jobs):
            key = (job.created_at, job.seq)
            if position is not None and key >= position:
                continue
            if (queue is None or job.queue is queue) and all(check(job) for _, check in checks):
                yield key, job

    return paged_walk(p, "jobSummaryList", after, service_job_summary, width=2, limit=1000, default=100)


def _filters(call: Call) -> list[tuple[str, Callable[[ServiceJob], bool]]]:
    p = call.p
    raw = p.opt_list("filters") or []
    if len(raw) > 1:
        raise p.fail(f"only one filter can be used at a time, got {len(raw)}")
    checks = []
    for i, entry in enumerate(raw):
        name, values = entry.get("name"), entry.get("values")
        if name not in _FILTERS:
            raise p.fail(f"filters[{i}].name must be one of {', '.join(_FILTERS)}, got {name!r}")
        if not isinstance(values, list) or len(values) != 1:
            raise p.fail(f"filters[{i}].values must hold exactly one string")
        checks.append((name, _filter(call, name, values[0])))
    return checks


def _filter(call: Call, name: str, value: str) -> Callable[[ServiceJob], bool]:
    if name == "JOB_NAME":  # case-insensitive; a trailing '*' matches a prefix
        return lambda j: glob_matches(value.lower(), j.name.lower())
    if name == "SHARE_IDENTIFIER":
        return lambda j: glob_matches(value, j.share_identifier)
    if name == "QUOTA_SHARE_NAME":
        return lambda j: j.quota_share is not None and glob_matches(value, j.quota_share.name)
    moment = whole_number(value, _EPOCH_MS_DIGITS)
    if moment is None:
        raise call.p.fail(f"filter {name} takes a time in epoch milliseconds, got '{value[:40]}'")
    if name == "BEFORE_CREATED_AT":
        return lambda j: j.created_at < moment
    return lambda j: j.created_at > moment


@batch_operation("UpdateServiceJob")
def update_service_job(call: Call) -> Response:
    p = call.p
    job = call.region.service_job(p.op, p.text("jobId"))
    priority = p.integer("schedulingPriority")
    if not 0 <= priority <= 9999:
        raise p.fail(f"schedulingPriority must be between 0 and 9999, got {priority}")
    if job.status in TERMINAL:
        raise p.fail(f"service job '{job.id}' is {job.status}: only unfinished jobs can be updated")
    job.scheduling_priority = priority
    return {"jobArn": job.arn, "jobName": job.name, "jobId": job.id}


@batch_operation("TerminateServiceJob")
def terminate_service_job(call: Call) -> Response:
    job = call.region.service_job(call.op, call.p.text("jobId"))
    call.scheduler.services.terminate(call.region, job, stop_reason(call))
    return {}


@batch_operation("TerminateServiceJobs")
def terminate_service_jobs(call: Call) -> Response:
    """Each job terminated as TerminateServiceJob would, or an error entry for it."""
    p, region = call.p, call.region
    ids = p.str_list("jobs")
    if not 1 <= len(ids) <= 100:
        raise p.fail(f"jobs takes 1 to 100 service job ids, got {len(ids)}")
    reason = stop_reason(call)
    successful: list[str] = []
    errors: list[dict[str, str]] = []
    for job_id in dict.fromkeys(ids):
        try:
            job = region.service_job(p.op, job_id)
        except ClientError as error:
            errors.append({"job": job_id, "code": error.code, "message": str(error)})
            continue
        call.scheduler.services.terminate(region, job, reason)
        successful.append(job_id)
    return {"successful": successful, "errors": errors}
