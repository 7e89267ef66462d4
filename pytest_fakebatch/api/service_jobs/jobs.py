"""Service jobs: SubmitServiceJob, DescribeServiceJob, ListServiceJobs, UpdateServiceJob,
TerminateServiceJob and TerminateServiceJobs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ...model.retry_rules import RetryRule
from ...model.service import RUNNING, SERVICE_STATUSES, TERMINAL, ServiceJob
from ...scheduling.retry import glob_matches
from ...scheduling.service_jobs import add_service_job
from ..shared.params import Position, check_name, check_tags, created_at_filter, one_filter, paged_walk
from ..shared.quota_management import quota_queue
from ..shared.reasons import stop_reason
from ..shared.router import Call, Response, batch_operation
from ..shared.service_views import service_job_detail, service_job_summary

_FILTERS = ("JOB_NAME", "BEFORE_CREATED_AT", "AFTER_CREATED_AT", "SHARE_IDENTIFIER", "QUOTA_SHARE_NAME")
# "Maximum job service request payload size (for SubmitServiceJob API operations): 10 KiB"
# (User Guide, AWS Batch service quotas)
_MAX_PAYLOAD_BYTES = 10 * 1024
_MAX_BULK = 50  # TerminateServiceJobs: "Terminates up to 50 service jobs"
_PATTERN_MAX = 512  # onStatusReason: "up to 512 characters ... all printable characters"


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
    _check_client_token(call)
    payload = _payload(call)
    resources = payload.get("ResourceConfig") or {}
    instances = resources.get("InstanceCount", 1) if isinstance(resources, dict) else None
    if not isinstance(instances, int) or isinstance(instances, bool) or instances < 1:
        raise p.fail(
            f"serviceRequestPayload ResourceConfig.InstanceCount must be 1 or more, got {instances!r}"
        )
    attempts, rules = _retry_strategy(call)
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
    add_service_job(region, job)
    return {"jobArn": job.arn, "jobName": name, "jobId": job_id}


def _payload(call: Call) -> dict[str, Any]:
    text = call.p.text("serviceRequestPayload")
    size = len(text.encode("utf-8"))
    if size > _MAX_PAYLOAD_BYTES:
        raise call.p.fail(
            f"serviceRequestPayload is {size} bytes, over AWS's limit of 10 KiB ({_MAX_PAYLOAD_BYTES} "
            "bytes): keep large settings (hyperparameter files, channel manifests) in S3"
        )
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


def _check_client_token(call: Call) -> None:
    """ "If this parameter is specified and two submit requests with identical payloads and
    clientTokens are received, these requests are considered the same request and the second
    request is rejected" (SubmitServiceJob)."""
    token = call.p.opt_str("clientToken")
    if token is None:
        return
    for job in call.region.service_jobs.values():
        if job.request.get("clientToken") == token and job.request == call.p.raw:
            raise call.p.fail(
                f"a request with clientToken '{token}' and the same payload was already accepted "
                f"(service job {job.id}): AWS rejects the repeat; use a new clientToken for a new job"
            )


def _retry_strategy(call: Call) -> tuple[int, tuple[RetryRule, ...]]:
    """ServiceJobRetryStrategy: ``attempts`` 1 to 10, at most 5 ``evaluateOnExit`` rules of an
    ``action`` (RETRY or EXIT, any case) and an ``onStatusReason`` glob of up to 512 printable
    characters."""
    p = call.p
    strategy = p.opt_dict("retryStrategy")
    if strategy is None:
        return 1, ()
    attempts = strategy.get("attempts")
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
        raise p.fail(f"retryStrategy.attempts must be between 1 and 10, got {attempts!r}")
    raw_rules = strategy.get("evaluateOnExit") or []
    if not isinstance(raw_rules, list) or len(raw_rules) > 5:
        raise p.fail("retryStrategy.evaluateOnExit takes at most 5 rules")
    rules: list[RetryRule] = []
    for i, raw in enumerate(raw_rules):
        where = f"retryStrategy.evaluateOnExit[{i}]"
        action = raw.get("action") if isinstance(raw, dict) else None
        if not isinstance(action, str) or action.upper() not in ("RETRY", "EXIT"):
            raise p.fail(f"{where}.action must be RETRY or EXIT (any case), got {action!r}")
        pattern = raw.get("onStatusReason")
        if pattern is not None and (
            not isinstance(pattern, str) or len(pattern) > _PATTERN_MAX or not pattern.isprintable()
        ):
            raise p.fail(f"{where}.onStatusReason must be up to {_PATTERN_MAX} printable characters")
        rules.append(RetryRule(action.upper(), None, None, pattern))
    return attempts, tuple(rules)


def service_job(call: Call, ref: str) -> ServiceJob:
    """A service job by its ID or its ARN (the SageMaker Python SDK always passes the ARN)."""
    region = call.region
    job_id = ref.rsplit(":service-job/", 1)[1] if ref.startswith("arn:") and ":service-job/" in ref else ref
    job = region.service_jobs.get(job_id)
    if job is None or (job_id != ref and job.arn != ref):
        raise call.p.fail(
            f"service job '{ref}' does not exist in {region.region}: give the jobId or jobArn "
            "that SubmitServiceJob answered"
        )
    return job


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
    if shares[quota_name].state != "ENABLED":  # AWS: DISABLED, "new jobs won't be accepted"
        raise p.fail(
            f"quota share '{quota_name}' is DISABLED and accepts no new jobs: enable it with "
            "UpdateQuotaShare(state='ENABLED') or submit to another quota share"
        )
    return None, shares[quota_name]


@batch_operation("DescribeServiceJob")
def describe_service_job(call: Call) -> Response:
    job = service_job(call, call.p.text("jobId"))
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

    # maxResults: "This value can be between 1 and 100" (ListServiceJobs)
    return paged_walk(p, "jobSummaryList", after, service_job_summary, width=2, limit=100, default=100)


def _filters(call: Call) -> list[tuple[str, Callable[[ServiceJob], bool]]]:
    found = one_filter(call.p, _FILTERS)
    return [] if found is None else [(found[0], _filter(call, *found))]


def _filter(call: Call, name: str, value: str) -> Callable[[ServiceJob], bool]:
    if name == "JOB_NAME":  # case-insensitive; a trailing '*' matches a prefix
        return lambda j: glob_matches(value.lower(), j.name.lower())
    if name == "SHARE_IDENTIFIER":
        return lambda j: glob_matches(value, j.share_identifier)
    if name == "QUOTA_SHARE_NAME":
        return lambda j: j.quota_share is not None and glob_matches(value, j.quota_share.name)
    return created_at_filter(call.p, name, value)


@batch_operation("UpdateServiceJob")
def update_service_job(call: Call) -> Response:
    p = call.p
    job = service_job(call, p.text("jobId"))
    priority = p.integer("schedulingPriority")
    if not 0 <= priority <= 9999:
        raise p.fail(f"schedulingPriority must be between 0 and 9999, got {priority}")
    if job.status in TERMINAL:
        raise p.fail(f"service job '{job.id}' is {job.status}: only unfinished jobs can be updated")
    job.scheduling_priority = priority
    job.request["schedulingPriority"] = priority  # DescribeServiceJob shows it from now on
    return {"jobArn": job.arn, "jobName": job.name, "jobId": job.id}


@batch_operation("TerminateServiceJob")
def terminate_service_job(call: Call) -> Response:
    job = service_job(call, call.p.text("jobId"))
    call.scheduler.services.terminate(call.region, job, stop_reason(call))
    return {}


@batch_operation("TerminateServiceJobs")
def terminate_service_jobs(call: Call) -> Response:
    """Each job terminated as TerminateServiceJob would. "Service jobs that can't be found are
    treated as successfully processed"; an identifier that cannot name a service job (blank, or
    the ARN of something else) is a ``ValidationException`` entry: "A service job identifier in
    the request is malformed or isn't valid" (TerminateServiceJobs)."""
    p, region = call.p, call.region
    ids = p.str_list("jobs")
    if not 1 <= len(ids) <= _MAX_BULK:
        raise p.fail(f"jobs takes 1 to {_MAX_BULK} service job ids, got {len(ids)}")
    reason = stop_reason(call)
    successful: list[str] = []
    errors: list[dict[str, str]] = []
    for ref in dict.fromkeys(ids):
        if not ref.strip() or (ref.startswith("arn:") and ":service-job/" not in ref):
            message = f"'{ref[:200]}' is not a service job ID or service job ARN"
            errors.append({"job": ref, "code": "ValidationException", "message": message})
            continue
        job = region.service_jobs.get(ref.rsplit(":service-job/", 1)[-1])
        if job is not None and ref in (job.id, job.arn):
            call.scheduler.services.terminate(region, job, reason)
        successful.append(ref)
    return {"successful": successful, "errors": errors}
