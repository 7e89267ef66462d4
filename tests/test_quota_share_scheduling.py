"""How quota shares share a quota management enabled service environment, through boto3 on the
fake's clock: borrowing up to borrowLimit, RESERVE, in-share and cross-share preemption, and the
misconfiguration a job shows when it can never start."""

from __future__ import annotations

from typing import Any

import pytest
from quota_resources import (
    M5,
    NEEDS_QUOTA_SHARES,
    quota_queue,
    share,
    statuses,
    submit,
    trains,
)

from pytest_fakebatch import FakeBatch

pytestmark = NEEDS_QUOTA_SHARES
__all__ = ["trains"]  # the fixture


@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "The maximum percentage of additional capacity that the quota share can borrow from other shares. "
    "... if the borrowLimit is 200, the quota share can borrow up to 200% of its configured maxCapacity "
    "for each capacity unit. The default borrowLimit is -1, which indicates unlimited borrowing.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob"),
)
@pytest.mark.parametrize(
    ("borrow", "running"),
    [
        ({"borrowLimit": 100}, 4),
        ({"borrowLimit": 50}, 3),
        ({"borrowLimit": 0}, 2),
        ({}, 6),
        ({"borrowLimit": -1}, 6),
    ],
)
def test_a_share_borrows_up_to_its_borrow_limit(
    fake_batch: FakeBatch, batch: Any, trains: None, borrow: dict[str, int], running: int
) -> None:
    quota_queue(batch, most=10)
    share(batch, "lender", 6, strategy="LEND")  # idle: 6 instances to lend
    share(batch, "borrower", 2, strategy="LEND_AND_BORROW", **borrow)

    jobs = [submit(batch, f"b{i}", "borrower") for i in range(6)]

    assert statuses(batch, *jobs) == ["RUNNING"] * running + ["RUNNABLE"] * (6 - running)
    fake_batch.advance(100)  # the first ones finish: as many of the rest start
    later = min(running, 6 - running)
    assert statuses(batch, *jobs) == ["SUCCEEDED"] * running + ["RUNNING"] * later + ["RUNNABLE"] * (
        6 - running - later
    )


@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "The RESERVE strategy allows a quota share to reserve idle capacity for itself. LEND configures "
    "the share to lend its idle capacity to another share in need of capacity.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob"),
)
@pytest.mark.parametrize(("owner", "running"), [("RESERVE", 2), ("LEND", 4), ("LEND_AND_BORROW", 4)])
def test_a_reserve_share_keeps_its_idle_capacity_from_borrowers(
    batch: Any, trains: None, owner: str, running: int
) -> None:
    quota_queue(batch, most=4)
    share(batch, "owner", 2, strategy=owner)  # idle throughout
    share(batch, "borrower", 2, strategy="LEND_AND_BORROW")

    jobs = [submit(batch, f"b{i}", "borrower") for i in range(4)]

    assert statuses(batch, *jobs) == ["RUNNING"] * running + ["RUNNABLE"] * (4 - running)
    mine = submit(batch, "mine", "owner")  # the owner's own capacity is there for it either way
    assert statuses(batch, mine) == ["RUNNING"]


@pytest.mark.aws_doc(
    "UG: Creating quota shares",
    "Select Reserve if the quota share should not lend or borrow idle compute. Select Lend if the "
    "quota share can lend idle compute to other quota shares.",
    family="Quota shares",
    ops=("SubmitServiceJob",),
)
@pytest.mark.parametrize("strategy", ["RESERVE", "LEND"])
def test_only_a_lend_and_borrow_share_borrows(batch: Any, trains: None, strategy: str) -> None:
    quota_queue(batch, most=4)
    share(batch, "idle", 2, strategy="LEND")
    share(batch, "team", 2, strategy=strategy)

    jobs = [submit(batch, f"t{i}", "team") for i in range(3)]

    assert statuses(batch, *jobs) == ["RUNNING", "RUNNING", "RUNNABLE"]


@pytest.mark.aws_doc(
    "UG: Preemption",
    "Quota shares can be configured to enable in-share preemption, which allows higher priority "
    "RUNNABLE jobs to trigger preemptions of lower priority jobs within the same quota share that "
    "have entered SCHEDULED, STARTING, or RUNNING.",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob"),
)
@pytest.mark.parametrize(
    ("preemption", "urgent_priority", "preempted"),
    [("ENABLED", 9, True), ("DISABLED", 9, False), ("ENABLED", 1, False)],
)
def test_in_share_preemption_makes_room_for_a_higher_priority_job(
    fake_batch: FakeBatch, batch: Any, trains: None, preemption: str, urgent_priority: int, preempted: bool
) -> None:
    quota_queue(batch, most=4)
    share(batch, "team", 2, preemption=preemption)
    low = [submit(batch, f"low{i}", "team", priority=1) for i in range(2)]

    urgent = submit(batch, "urgent", "team", priority=urgent_priority)

    if preempted:
        assert statuses(batch, urgent) == ["RUNNING"]
        assert sorted(statuses(batch, *low)) == ["RUNNABLE", "RUNNING"]
        (victim,) = [j for j in low if statuses(batch, j) == ["RUNNABLE"]]
        assert batch.describe_service_job(jobId=victim)["preemptionSummary"]["preemptedAttemptCount"] == 1
    else:
        assert statuses(batch, *low, urgent) == ["RUNNING", "RUNNING", "RUNNABLE"]
        fake_batch.advance(100)
        assert statuses(batch, *low, urgent) == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]


@pytest.mark.aws_doc(
    "API: CapacityLimit",
    "In a quota management enabled service environment with capacityUnit=ml.m5.large, only ml.m5.large "
    "instances count against this limit, and jobs requiring other instance types wait until a matching "
    "capacity limit is configured.",
    family="Service environments",
    ops=("SubmitServiceJob", "UpdateServiceEnvironment"),
)
def test_a_job_of_an_instance_type_the_environment_does_not_limit_waits(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=1)
    share(batch, "team", 2)
    batch.create_quota_share(
        quotaShareName="gpu",
        jobQueue="qm-queue",
        capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.g5.xlarge"}],
        resourceSharingConfiguration={"strategy": "RESERVE"},
        preemptionConfiguration={"inSharePreemption": "DISABLED"},
    )
    g5 = submit(batch, "g5", "gpu", kind="ml.g5.xlarge")
    m5 = [submit(batch, f"m5-{i}", "team") for i in range(2)]
    assert statuses(batch, g5, *m5) == ["RUNNABLE", "RUNNING", "RUNNABLE"]  # one ml.m5.large, no ml.g5.xlarge

    batch.update_service_environment(
        serviceEnvironment="qm-env",
        capacityLimits=[
            {"maxCapacity": 1, "capacityUnit": M5},
            {"maxCapacity": 1, "capacityUnit": "ml.g5.xlarge"},
        ],
    )
    fake_batch.advance(200)
    assert statuses(batch, g5, *m5) == ["SUCCEEDED"] * 3


@pytest.mark.aws_doc(
    "UG: Quota shares",
    "Administrators lowering a quota share's capacity limits can also make SCHEDULED, STARTING, or "
    "RUNNING jobs within that quota share eligible for preemption even if LEND or RESERVE was selected "
    "as the resource sharing strategy, if the capacity already consumed by that quota share is above its "
    "lowered capacity limits.",
    family="Quota shares",
    ops=("UpdateQuotaShare",),
)
def test_lowering_a_share_limits_lets_another_share_reclaim_what_it_holds_beyond(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=3)
    first = share(batch, "first", 2)
    second = share(batch, "second", 1)
    mine = [submit(batch, f"f{i}", "first") for i in range(2)]
    theirs = [submit(batch, f"s{i}", "second") for i in range(2)]
    assert statuses(batch, *mine, *theirs) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]

    batch.update_quota_share(quotaShareArn=first, capacityLimits=[{"maxCapacity": 1, "capacityUnit": M5}])
    assert statuses(batch, *mine, *theirs) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]  # none needs it
    batch.update_quota_share(quotaShareArn=second, capacityLimits=[{"maxCapacity": 2, "capacityUnit": M5}])
    fake_batch.step()

    assert statuses(batch, *mine, *theirs) == ["RUNNING", "RUNNABLE", "RUNNING", "RUNNING"]
    assert batch.describe_service_job(jobId=mine[1])["preemptionSummary"]["preemptedAttemptCount"] == 1


@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to misconfiguration",
    "When a job submitted to AWS Batch via SubmitServiceJob reaches the front of the queue, and it "
    "requires more instances than the quota share's capacity limits allow, then AWS Batch will infer a "
    "misconfiguration due to exceeding quota share capacity limits.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob", "UpdateQuotaShare"),
)
@pytest.mark.parametrize(
    ("strategy", "sharing", "own", "lender", "instances", "reason"),
    [
        (
            "RESERVE",
            {},
            4,
            None,
            5,
            "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED - Job requirements exceed quota share capacity "
            "limits.",
        ),
        (
            "LEND",
            {},
            4,
            None,
            5,
            "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED - Job requirements exceed quota share capacity "
            "limits.",
        ),
        (
            "LEND_AND_BORROW",
            {"borrowLimit": 100},
            2,
            None,
            5,
            "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED - Job requirements exceed quota share capacity "
            "limits and borrow limits.",
        ),
        (
            "LEND_AND_BORROW",
            {"borrowLimit": 200},
            4,
            4,
            10,
            "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED - Job requires borrowing that exceeds all "
            "configured borrowable capacity.",
        ),
    ],
)
def test_a_job_its_quota_share_can_never_hold_says_why(
    fake_batch: FakeBatch,
    batch: Any,
    trains: None,
    strategy: str,
    sharing: dict[str, int],
    own: int,
    lender: int | None,
    instances: int,
    reason: str,
) -> None:
    quota_queue(batch, most=20)
    arn = share(batch, "team", own, strategy=strategy, **sharing)
    if lender is not None:  # the User Guide's example: two LEND_AND_BORROW shares of 4, borrowLimit 200
        share(batch, "other", lender, strategy="LEND_AND_BORROW", borrowLimit=200)
    big = submit(batch, "big", "team", instances=instances)

    job = batch.describe_service_job(jobId=big)
    assert (job["status"], job["statusReason"]) == ("RUNNABLE", reason)

    batch.update_quota_share(quotaShareArn=arn, capacityLimits=[{"maxCapacity": 12, "capacityUnit": M5}])
    job = batch.describe_service_job(jobId=big)
    assert (job["status"], job.get("statusReason")) == ("RUNNING", None)


def test_a_job_that_fits_once_others_finish_shows_no_misconfiguration(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=4)
    share(batch, "team", 4)
    first = submit(batch, "first", "team", instances=3)
    waiting = submit(batch, "waiting", "team", instances=2)
    job = batch.describe_service_job(jobId=waiting)
    assert (job["status"], job.get("statusReason")) == ("RUNNABLE", None)
    fake_batch.advance(100)
    assert statuses(batch, first, waiting) == ["SUCCEEDED", "RUNNING"]


@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "The LEND_AND_BORROW strategy configures the share to borrow idle capacity from an underutilized "
    "share, as well as lend to another share.",
    family="Quota shares",
    ops=("SubmitServiceJob",),
)
def test_capacity_no_quota_share_is_given_is_not_lent(batch: Any, trains: None) -> None:
    quota_queue(batch, most=10)  # 8 of its 10 instances belong to no share
    share(batch, "team", 2, strategy="LEND_AND_BORROW")

    jobs = [submit(batch, f"t{i}", "team") for i in range(3)]

    assert statuses(batch, *jobs) == ["RUNNING", "RUNNING", "RUNNABLE"]
