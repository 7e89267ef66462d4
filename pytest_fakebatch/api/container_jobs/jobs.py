"""DescribeJobs, ListJobs, CancelJob, TerminateJob and GetJobQueueSnapshot."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from ...model.jobs import (
    FAILED,
    PENDING,
    RUNNABLE,
    RUNNING,
    STARTING,
    STATUSES,
    SUBMITTED,
    Job,
    creation_key,
    observed_status,
)
from ...model.resources import JobQueue
from ...model.service import IN_FLIGHT
from ...scheduling.lifecycle import set_status
from ...scheduling.ordering import queue_order
from ...scheduling.service_jobs import front_of_queue
from ..shared.params import Position, created_at_filter, name_filter, one_filter, paged_walk
from ..shared.quota_management import quota_queue
from ..shared.reasons import stop_reason
from ..shared.router import Call, Response, batch_operation
from ..shared.service_views import service_queue_snapshot
from ..shared.views import job_detail, job_summary

_UNSTARTED = frozenset({SUBMITTED, PENDING, RUNNABLE})
_FILTERS = ("JOB_NAME", "JOB_DEFINITION", "BEFORE_CREATED_AT", "AFTER_CREATED_AT", "SHARE_IDENTIFIER")


@batch_operation("DescribeJobs")
def describe_jobs(call: Call) -> Response:
    p, region = call.p, call.region
    ids = p.str_list("jobs")
    if not 1 <= len(ids) <= 100:
        raise p.fail(f"jobs takes 1 to 100 job ids, got {len(ids)}")
    jobs = [region.jobs[i] for i in dict.fromkeys(ids) if i in region.jobs]
    return {"jobs": [job_detail(job, region.tags) for job in jobs]}


@batch_operation("ListJobs")
def list_jobs(call: Call) -> Response:
    """A queue's top-level jobs newest first, or an array's (multi-node job's) children in
    index order, one page at a time.

    The token holds the position of the last job answered ((createdAt, seq) in a queue, the
    index among children), so each page starts where the last one stopped: a full listing
    costs O(jobs), and jobs submitted between pages are neither repeated nor cause skips. A
    job whose status changed after it was passed is not listed again; the next page always
    continues after the token's position, whether or not that job still matches.
    """
    p, region = call.p, call.region
    selectors = [k for k in ("jobQueue", "arrayJobId", "multiNodeJobId") if p.opt_str(k)]
    if len(selectors) != 1:
        raise p.fail(
            f"give exactly one of jobQueue, arrayJobId and multiNodeJobId (got {selectors or 'none'})"
        )
    selector = selectors[0]
    filters, by_share = _filters(call)
    if not filters or (by_share and p.opt_str("jobStatus") is not None):
        # "jobStatus is ignored with the exception that SHARE_IDENTIFIER and jobStatus can be
        # used together" (ListJobs, AWS Batch API reference)
        status = p.choice("jobStatus", STATUSES, RUNNING)
        filters.append(lambda j: observed_status(j) == status)

    def every(job: Job) -> bool:
        return all(check(job) for check in filters)

    matches = filters[0] if len(filters) == 1 else every  # one filter (the usual): called directly

    if selector == "jobQueue":
        queue = region.job_queue(p.op, p.text("jobQueue"))
        newest_last = region.queue_jobs.get(queue.arn, [])

        def after(position: Position | None) -> Iterator[tuple[Position, Job]]:
            end = len(newest_last)
            if position is not None:
                end = bisect_left(newest_last, position, key=creation_key)
            for i in range(end - 1, -1, -1):  # newest first
                job = newest_last[i]
                if job.spec.queue is queue and matches(job):
                    yield creation_key(job), job

        return paged_walk(p, "jobSummaryList", after, job_summary, width=2, limit=1000, default=100)
    multinode = selector == "multiNodeJobId"
    parent = region.jobs.get(p.text(selector))
    if parent is None or not parent.children or parent.is_multinode != multinode:
        kind = "multi-node job" if multinode else "array job"
        raise p.fail(f"{kind} '{p.text(selector)}' does not exist in {region.region}")
    children = parent.children

    def after_index(position: Position | None) -> Iterator[tuple[Position, Job]]:
        start = 0 if position is None else max(0, position[0] + 1)
        for i in range(start, len(children)):  # index order
            if matches(children[i]):
                yield (i,), children[i]

    return paged_walk(p, "jobSummaryList", after_index, job_summary, width=1, limit=1000, default=100)


def _filters(call: Call) -> tuple[list[Any], bool]:
    """The request's filter as a check on jobs, and whether it is SHARE_IDENTIFIER."""
    found = one_filter(call.p, _FILTERS)
    if found is None:
        return [], False
    name, value = found
    return [_filter(call, name, value)], name == "SHARE_IDENTIFIER"


def _filter(call: Call, name: str, value: str) -> Any:
    if name == "JOB_NAME":
        by_name = name_filter(value)
        return lambda j: by_name(j.spec.name)
    if name == "SHARE_IDENTIFIER":
        # The docs name no wildcard; a trailing "*" matches as a prefix, as in a fair-share
        # policy's shareDistribution (a job's own shareIdentifier cannot hold "*").
        if value.endswith("*"):
            start = value[:-1]
            return lambda j: j.spec.share_identifier is not None and j.spec.share_identifier.startswith(start)
        return lambda j: j.spec.share_identifier == value
    if name == "JOB_DEFINITION":
        prefix = value.endswith("*")
        text = value[:-1] if prefix else value

        def matches(job: Job) -> bool:
            d = job.spec.definition
            names = (d.arn, f"{d.name}:{d.revision}", d.name)
            return any(n.startswith(text) if prefix else n == text for n in names)

        return matches
    return created_at_filter(call.p, name, value)


def stop_job(call: Call, job: Job, reason: str, *, terminate: bool) -> None:
    """CancelJob's (``terminate=False``) or TerminateJob's rules applied to one job, as the
    single and the bulk operations share them: SUBMITTED, PENDING and RUNNABLE jobs are
    cancelled (a PENDING one once its dependencies complete); TerminateJob also stops STARTING
    and RUNNING jobs; finished jobs are left alone. An array (multi-node) parent passes the
    request on to its children."""
    region = call.region
    targets = job.children or [job]
    now = call.now()
    cancels = [t for t in targets if (t.status == PENDING and not terminate) or t.status in _UNSTARTED]
    stops = [t for t in targets if terminate and t.status in (STARTING, RUNNING)]
    if job.children and (cancels or stops):  # before the children move: the parent's events show it
        job.status_reason = reason
        job.is_cancelled = job.is_cancelled or bool(cancels)
        job.is_terminated = job.is_terminated or bool(stops)
    for target in cancels:
        if target.status == PENDING and not terminate:
            # AWS cancels a PENDING job once its dependencies complete
            target.is_cancelled = True
            target.status_reason = reason
            region.recheck.append(target)
        else:
            target.is_cancelled = True
            target.running = None  # a multi-node job's node may hold capacity while RUNNABLE
            set_status(region, target, FAILED, now, reason)
    for target in stops:
        target.is_terminated = True
        call.scheduler.stop(region, target, reason)


def _stop_one(call: Call, *, terminate: bool) -> Response:
    p, region = call.p, call.region
    job_id = p.text("jobId")
    reason = stop_reason(call)
    job = region.jobs.get(job_id)
    if job is None:
        raise p.fail(f"job '{job_id}' does not exist in {region.region}")
    stop_job(call, job, reason, terminate=terminate)
    return {}


@batch_operation("CancelJob")
def cancel_job(call: Call) -> Response:
    return _stop_one(call, terminate=False)


@batch_operation("TerminateJob")
def terminate_job(call: Call) -> Response:
    return _stop_one(call, terminate=True)


@batch_operation("GetJobQueueSnapshot")
def get_job_queue_snapshot(call: Call) -> Response:
    """The first 100 RUNNABLE jobs of a queue, in the order they will get capacity."""
    region = call.region
    queue = region.job_queue(call.op, call.p.text("jobQueue"))
    if queue.is_service:  # "This command shows the order of upcoming service jobs in your queue."
        held = [j for j in region.service_active.values() if j.queue is queue and j.status in IN_FLIGHT]
        front = front_of_queue(region, queue)
        return service_queue_snapshot(queue, front, held, call.now(), quota=quota_queue(call, queue))
    running = [j for s in (STARTING, RUNNING) for j in region.active.get(s, {}).values()]
    order = queue_order(region, queue, running, 100)
    return {
        "frontOfQueue": {
            "jobs": [{"jobArn": j.arn, "earliestTimeAtPosition": j.created_at} for j in order],
            "lastUpdatedAt": call.now(),
        },
        "queueUtilization": _utilization(queue, [j for j in running if j.spec.queue is queue], call.now()),
    }


def _utilization(queue: JobQueue, running: list[Job], now: int) -> Response:
    """queueUtilization of a container queue: the vCPUs its STARTING and RUNNING jobs hold
    ("For compute jobs, this is VCPU for Amazon EC2 and cpu for Amazon EKS"), and in a fair-share
    queue each share's ("the top 20 shares with the highest capacity utilization, ordered by
    usage amount")."""
    eks = any("eksConfiguration" in env.extra for _, env in queue.compute_environments)
    unit = "cpu" if eks else "VCPU"

    def usage(jobs: list[Job]) -> list[Response]:
        return [{"capacityUnit": unit, "quantity": float(sum(j.vcpus for j in jobs))}] if jobs else []

    detail: Response = {"totalCapacityUsage": usage(running), "lastUpdatedAt": now}
    if queue.scheduling_policy_arn is not None:
        shares: dict[str, list[Job]] = {}
        for job in running:
            shares.setdefault(job.spec.share_identifier or "", []).append(job)
        ranked = sorted(shares.items(), key=lambda item: (-sum(j.vcpus for j in item[1]), item[0]))
        detail["fairshareUtilization"] = {
            "activeShareCount": len(shares),
            "topCapacityUtilization": [
                {"shareIdentifier": share, "capacityUsage": usage(jobs)} for share, jobs in ranked[:20]
            ],
        }
    return detail
