"""CancelJobs and TerminateJobs: CancelJob and TerminateJob for up to 50 jobs at once.

AWS Batch API reference, "CancelJobs" / "TerminateJobs": the result is reported per job, in
``successful`` (job ids) and ``errors`` (``job``, ``code``, ``message``), with HTTP 200 even
when some jobs failed; "Jobs that can't be found are treated as successfully processed", and
``ValidationException`` is the code of "a job identifier in the request [that] is malformed or
isn't valid". The per-job rules are CancelJob's and TerminateJob's own (``jobs.stop_job``).
"""

from __future__ import annotations

import re

from ..shared.reasons import stop_reason
from ..shared.router import Call, Response, batch_operation
from .jobs import stop_job

_MAX_JOBS = 50  # "An array of up to 50 Batch job IDs"
# a job id as Batch makes them: a UUID, an array child's ":<index>", a node's "#<index>"
_JOB_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:[0-9]{1,5})?(#[0-9]{1,5})?"
)


def _stop_many(call: Call, *, terminate: bool) -> Response:
    p, region = call.p, call.region
    ids = p.str_list("jobs")
    if not 1 <= len(ids) <= _MAX_JOBS:
        raise p.fail(f"jobs takes 1 to {_MAX_JOBS} job ids, got {len(ids)}")
    reason = stop_reason(call)
    successful: list[str] = []
    errors: list[Response] = []
    seen: set[str] = set()
    for i, job_id in enumerate(ids):
        if job_id in seen:
            continue
        seen.add(job_id)
        if _JOB_ID.fullmatch(job_id) is None:
            errors.append(
                {
                    "job": job_id,
                    "code": "ValidationException",
                    "message": f"{p.op}: jobs[{i}] '{job_id[:100]}' is not a job id (a UUID, "
                    "with ':<index>' for an array child or '#<node>' for a multi-node job's node)",
                }
            )
            continue
        job = region.jobs.get(job_id)
        if job is not None:
            stop_job(call, job, reason, terminate=terminate)
        successful.append(job_id)  # an unknown job counts as processed, as AWS documents
    return {"successful": successful, "errors": errors}


@batch_operation("CancelJobs")
def cancel_jobs(call: Call) -> Response:
    return _stop_many(call, terminate=False)


@batch_operation("TerminateJobs")
def terminate_jobs(call: Call) -> Response:
    return _stop_many(call, terminate=True)
