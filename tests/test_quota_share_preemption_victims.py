"""Which job in-share preemption stops, through boto3: the lowest-priority job of the share,
the newest of those first (it has run the least), and never a job of equal priority. AWS
names what its heuristic weighs ("relative priorities of the jobs and the duration of the
jobs") without the order; the fake's choice is this one. Written to kill the mutants mutmut
left alive in ``scheduling/service_capacity.py``."""

from __future__ import annotations

from typing import Any

import pytest
from quota_resources import NEEDS_QUOTA_SHARES, quota_queue, share, statuses, submit, trains  # noqa: F401  (fixture)

from pytest_fakebatch import FakeBatch

pytestmark = NEEDS_QUOTA_SHARES


def _preempted(batch: Any, job_id: str) -> int:
    summary = batch.describe_service_job(jobId=job_id).get("preemptionSummary") or {}
    return int(summary.get("preemptedAttemptCount", 0))


@pytest.mark.aws_doc(
    "UG: Preemption",
    "When choosing which jobs to preempt, AWS Batch considers the number and type of instances a job "
    "is borrowing, relative priorities of the jobs and the duration of the jobs, and applies a custom "
    "heuristic.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob", "DescribeServiceJob"),
)
def test_in_share_preemption_stops_the_newest_lower_priority_job_never_an_equal_one(
    fake_batch: FakeBatch,
    batch: Any,
    trains: None,  # noqa: F811
) -> None:
    quota_queue(batch, most=4)
    share(batch, "team", 2, preemption="ENABLED")
    oldest = submit(batch, "oldest", "team", priority=1)
    newest = submit(batch, "newest", "team", priority=1)
    peer = submit(batch, "peer", "team", priority=1)  # no higher than those it could stop: waits
    assert statuses(batch, oldest, newest, peer) == ["RUNNING", "RUNNING", "RUNNABLE"]

    urgent = submit(batch, "urgent", "team", priority=9)

    assert statuses(batch, urgent, oldest, newest, peer) == ["RUNNING", "RUNNING", "RUNNABLE", "RUNNABLE"]
    assert [_preempted(batch, j) for j in (oldest, newest, peer)] == [0, 1, 0]
