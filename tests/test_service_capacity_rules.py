"""Which waiting service job gets service-environment capacity, through boto3 on the fake's clock:
queue priority, FIFO and fair-share order (share usage times weightFactor) in SAGEMAKER_TRAINING
queues, and in quota-managed queues what a share may take, borrow, or reclaim by preemption.
Written to kill the mutants mutmut left alive in ``scheduling/service_capacity.py``."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_operation
from quota_resources import M5, NEEDS_QUOTA_SHARES, quota_queue, share, statuses, trains
from quota_resources import submit as submit_to_share
from service_job_calls import payload, service_queue, submit

from pytest_fakebatch import FakeBatch

pytestmark = needs_operation("SubmitServiceJob")
__all__ = ["trains"]  # the fixture: every training job takes 100 simulated seconds
G5 = "ml.g5.xlarge"
BEYOND_LIMITS = (
    "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED - Job requirements exceed quota share capacity limits."
)


def fair_share_queue(batch: Any, name: str, instances: int, **weights: float) -> str:
    """A SAGEMAKER_TRAINING queue with a fair-share policy (``weights``: weightFactor by share)."""
    shares = [{"shareIdentifier": s, "weightFactor": w} for s, w in weights.items()]
    policy = batch.create_scheduling_policy(
        name=f"{name}-fs", fairsharePolicy={"shareDecaySeconds": 0, "shareDistribution": shares}
    )
    return service_queue(batch, name, instances=instances, schedulingPolicyArn=policy["arn"])


def needs_quota_shares(test: Any) -> Any:
    for mark in NEEDS_QUOTA_SHARES:
        test = mark(test)
    return test


def ids(*answers: dict[str, Any]) -> list[str]:
    return [a["jobId"] for a in answers]


def preempted(batch: Any, *job_ids: str) -> list[int]:
    summaries = [batch.describe_service_job(jobId=j).get("preemptionSummary") or {} for j in job_ids]
    return [int(s.get("preemptedAttemptCount", 0)) for s in summaries]


# -- order of waiting jobs in queues without quota shares ------------------------------------


@pytest.mark.aws_doc(
    "UG: Use share identifiers to identify workloads",
    "The AWS Batch scheduler tracks usage for each share identifier by using the (T * weightFactor) "
    "formula, where T is the vCPU usage over time. The scheduler picks jobs with the lowest usage from "
    "the share identifier.",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_fair_share_queue_starts_the_next_job_from_the_share_using_the_fewest_instances(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    fair_share_queue(batch, "fs", instances=2)
    fake_batch.autorun = False  # all four wait RUNNABLE before the first round places any
    jobs = ids(*(submit(batch, f"a{i}", "fs", shareIdentifier="A") for i in range(3)))
    jobs += ids(submit(batch, "b0", "fs", shareIdentifier="B"))
    fake_batch.run_until_idle()

    # a0 first (no share uses anything: submission order), then B's job: A holds an instance
    assert statuses(batch, *jobs) == ["RUNNING", "RUNNABLE", "RUNNABLE", "RUNNING"]
    fake_batch.autorun = True
    fake_batch.advance(100)
    assert statuses(batch, *jobs) == ["SUCCEEDED", "RUNNING", "RUNNING", "SUCCEEDED"]


@pytest.mark.aws_doc(
    "botocore: ShareAttributes",
    "weightFactor ... A lower value has a higher priority for compute resources. For example, jobs that "
    "use a share identifier with a weight factor of 0.125 (1/8) get 8 times the compute resources of "
    "jobs that use a share identifier with a weight factor of 1.",
    family="Service jobs",
    ops=("CreateSchedulingPolicy", "GetJobQueueSnapshot"),
)
@pytest.mark.parametrize(
    ("weight_a", "running_a", "weight_b", "running_b"),
    [
        (2.0, 1, 4.0, 1),  # 1 x 2 before 1 x 4: the lower weight first at equal usage
        (2.0, 1, 0.8, 3),  # 1 x 2 before 3 x 0.8: usage times weight, not weight alone
    ],
)
def test_a_fair_share_queue_weighs_each_shares_usage_by_its_weight_factor(
    batch: Any, trains: None, weight_a: float, running_a: int, weight_b: float, running_b: int
) -> None:
    fair_share_queue(batch, "fs", instances=running_a + running_b, A=weight_a, B=weight_b)
    for i in range(running_a):
        submit(batch, f"a-running{i}", "fs", shareIdentifier="A")
    for i in range(running_b):
        submit(batch, f"b-running{i}", "fs", shareIdentifier="B")
    b_waits = submit(batch, "b-waits", "fs", shareIdentifier="B")  # submitted first
    a_waits = submit(batch, "a-waits", "fs", shareIdentifier="A")

    front = batch.get_job_queue_snapshot(jobQueue="fs")["frontOfQueue"]["jobs"]
    assert [j["jobArn"] for j in front] == [a_waits["jobArn"], b_waits["jobArn"]]


def two_queues_on_one_environment(batch: Any, fair_share: str) -> None:
    """Queues 'high' (priority 10) and 'low' (priority 1) on one environment of 3 instances;
    ``fair_share`` names the one with a fair-share policy, the other is FIFO."""
    policy = batch.create_scheduling_policy(name="fs", fairsharePolicy={"shareDecaySeconds": 0})["arn"]
    service_queue(
        batch, "high", instances=3, **({"schedulingPolicyArn": policy} if fair_share == "high" else {})
    )
    batch.update_job_queue(jobQueue="high", priority=10)
    batch.create_job_queue(
        jobQueueName="low",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "high-se"}],
        **({"schedulingPolicyArn": policy} if fair_share == "low" else {}),
    )


@pytest.mark.aws_doc(
    "UG: Create a SageMaker Training job queue in AWS Batch",
    "for Priority, enter a value between 0 and 1000. A Job queue with a higher priority is given "
    "preference for service environments.",
    family="Service jobs",
    ops=("CreateJobQueue", "SubmitServiceJob"),
)
@pytest.mark.parametrize("fair_share", ["high", "low"])
def test_the_higher_priority_queue_is_served_first_then_the_next_one(
    fake_batch: FakeBatch, batch: Any, trains: None, fair_share: str
) -> None:
    two_queues_on_one_environment(batch, fair_share)
    fake_batch.autorun = False
    shares = {q: ({"shareIdentifier": "A"} if q == fair_share else {}) for q in ("high", "low")}
    low = ids(*(submit(batch, f"l{i}", "low", **shares["low"]) for i in range(2)))  # submitted first
    high = ids(*(submit(batch, f"h{i}", "high", **shares["high"]) for i in range(2)))
    fake_batch.run_until_idle()

    # both of the high queue's jobs, then the first of the low queue's in the one instance left
    assert statuses(batch, *high, *low) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]


@pytest.mark.aws_doc(
    "botocore: JobQueueDetail",
    "priority ... A job is dispatched from a queue only if resources are available when the queue is "
    "evaluated. If there are insufficient resources available at that time, the cycle proceeds to the next "
    "queue.",
    family="Service jobs",
    ops=("CreateJobQueue", "SubmitServiceJob"),
)
def test_a_job_the_higher_priority_queue_cannot_place_lets_the_next_queue_dispatch(
    batch: Any, trains: None
) -> None:
    two_queues_on_one_environment(batch, fair_share="low")
    first = submit(batch, "h0", "high", serviceRequestPayload=payload(instances=2))["jobId"]
    waits = submit(batch, "h1", "high", serviceRequestPayload=payload(instances=2))["jobId"]  # 1 left

    low = submit(batch, "l0", "low", shareIdentifier="A")["jobId"]

    assert statuses(batch, first, waits, low) == ["RUNNING", "RUNNABLE", "RUNNING"]


@pytest.mark.aws_doc(
    "UG: Fair-share scheduling policies",
    "If you don't specify a scheduling policy when you create a job queue, the AWS Batch job scheduler "
    "defaults to a first-in, first-out (FIFO) strategy.",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_a_fifo_queue_ignores_scheduling_priority(fake_batch: FakeBatch, batch: Any, trains: None) -> None:
    service_queue(batch, "fifo", instances=1)
    fake_batch.autorun = False
    first = submit(batch, "first", "fifo", schedulingPriority=1)["jobId"]
    urgent = submit(batch, "urgent", "fifo", schedulingPriority=9)["jobId"]
    fake_batch.run_until_idle()

    assert statuses(batch, first, urgent) == ["RUNNING", "RUNNABLE"]


# -- quota shares --------------------------------------------------------------------------


def two_type_queue(batch: Any, m5: int, g5: int) -> None:
    """quota_queue's 'qm-queue', on an environment of ``m5`` ml.m5.large and ``g5`` ml.g5.xlarge."""
    quota_queue(batch, most=m5)
    batch.update_service_environment(
        serviceEnvironment="qm-env",
        capacityLimits=[{"maxCapacity": m5, "capacityUnit": M5}, {"maxCapacity": g5, "capacityUnit": G5}],
    )


def two_type_share(
    batch: Any, name: str, m5: int, g5: int, strategy: str = "RESERVE", preemption: str = "DISABLED"
) -> None:
    limits = [{"maxCapacity": most, "capacityUnit": unit} for unit, most in ((M5, m5), (G5, g5)) if most]
    batch.create_quota_share(
        quotaShareName=name,
        jobQueue="qm-queue",
        capacityLimits=limits,
        resourceSharingConfiguration={"strategy": strategy},
        preemptionConfiguration={"inSharePreemption": preemption},
    )


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Preemption",
    "Quota shares can be configured to enable in-share preemption, which allows higher priority RUNNABLE "
    "jobs to trigger preemptions of lower priority jobs within the same quota share that have entered "
    "SCHEDULED, STARTING, or RUNNING.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_in_share_preemption_stops_as_many_lower_priority_jobs_as_the_share_needs(
    batch: Any, trains: None
) -> None:
    quota_queue(batch, most=3)
    share(batch, "team", 2, preemption="ENABLED")
    share(batch, "other", 2)
    low = [submit_to_share(batch, f"low{i}", "team", priority=1) for i in range(2)]

    urgent = submit_to_share(batch, "urgent", "team", priority=9, instances=2)

    # one stopped job would make room in the environment, not in the share's 2 instances
    assert statuses(batch, urgent, *low) == ["RUNNING", "RUNNABLE", "RUNNABLE"]
    assert preempted(batch, *low) == [1, 1]
    theirs = [submit_to_share(batch, f"o{i}", "other") for i in range(2)]
    assert statuses(batch, *theirs) == ["RUNNING", "RUNNABLE"]  # urgent holds 2 of the 3 instances


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Preemption",
    "Quota management uses cross-share preemption to restore borrowed capacity back to a quota share "
    "when jobs arrive.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_lender_takes_back_as_many_borrowed_instances_as_its_job_needs_newest_first(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=4)
    share(batch, "lender", 3, strategy="LEND")
    share(batch, "borrower", 1, strategy="LEND_AND_BORROW")
    share(batch, "reserved", 1)
    mine = submit_to_share(batch, "mine", "lender")
    borrowed = [submit_to_share(batch, f"b{i}", "borrower") for i in range(3)]  # b1, b2 borrow
    assert statuses(batch, mine, *borrowed) == ["RUNNING"] * 4

    big = submit_to_share(batch, "big", "lender", instances=2)

    assert statuses(batch, mine, big, *borrowed) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE", "RUNNABLE"]
    assert preempted(batch, *borrowed) == [0, 1, 1]  # b0 is within the borrower's own instance
    # every instance is held within its share's limits now: the reserved share's job waits
    waits = submit_to_share(batch, "waits", "reserved")
    assert statuses(batch, waits) == ["RUNNABLE"]
    assert preempted(batch, mine, big, borrowed[0]) == [0, 0, 0]
    fake_batch.advance(100)
    assert statuses(batch, waits) == ["RUNNING"]


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Quota shares",
    "Amazon Batch will perform cross-share preemption to restore borrowed capacity back to a quota "
    "share when jobs arrive.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_job_within_its_quota_preempts_no_job_within_its_own(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=2)  # three shares of one instance each on two instances
    for name in ("first", "second", "third"):
        share(batch, name, 1)
    held = [submit_to_share(batch, name, name) for name in ("first", "second")]

    third = submit_to_share(batch, "third", "third")

    assert statuses(batch, *held, third) == ["RUNNING", "RUNNING", "RUNNABLE"]
    assert preempted(batch, *held) == [0, 0]
    fake_batch.advance(100)
    assert statuses(batch, third) == ["RUNNING"]


@needs_quota_shares
@pytest.mark.aws_doc(
    "API: QuotaShareResourceSharingConfiguration",
    "The LEND_AND_BORROW strategy configures the share to borrow idle capacity from an underutilized "
    "share, as well as lend to another share.",
    family="Quota shares",
    ops=("SubmitServiceJob",),
)
def test_idle_capacity_lent_to_one_share_is_not_lent_again(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=10)  # room enough: what the shares may lend is the bound
    share(batch, "first", 1, strategy="LEND_AND_BORROW")
    share(batch, "lender", 1, strategy="LEND")
    share(batch, "second", 1, strategy="LEND_AND_BORROW")
    firsts = [submit_to_share(batch, f"f{i}", "first") for i in range(2)]  # f1 borrows the lender's
    seconds = [submit_to_share(batch, f"s{i}", "second") for i in range(2)]

    assert statuses(batch, *firsts, *seconds) == ["RUNNING", "RUNNING", "RUNNING", "RUNNABLE"]
    assert "statusReason" not in batch.describe_service_job(jobId=seconds[1])
    fake_batch.advance(100)  # f1 gives the lender's instance back: s1 borrows it
    assert statuses(batch, *firsts, *seconds) == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "RUNNING"]


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to misconfiguration",
    "When a job submitted to AWS Batch via SubmitServiceJob reaches the front of the queue, and it "
    "requires more instances than the quota share's capacity limits allow, then AWS Batch will infer a "
    "misconfiguration due to exceeding quota share capacity limits.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_job_that_can_borrow_once_lenders_are_idle_shows_no_misconfiguration(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=6)
    share(batch, "team", 2, strategy="LEND_AND_BORROW")
    share(batch, "lender", 4, strategy="LEND")
    for i in range(4):
        submit_to_share(batch, f"l{i}", "lender")

    big = submit_to_share(batch, "big", "team", instances=3)  # 2 of its own and 1 the lender's

    job = batch.describe_service_job(jobId=big)
    assert (job["status"], job.get("statusReason")) == ("RUNNABLE", None)
    fake_batch.advance(100)
    assert statuses(batch, big) == ["RUNNING"]


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to misconfiguration",
    "When a job submitted to AWS Batch via SubmitServiceJob reaches the front of the queue, and it "
    "requires more instances than the quota share's capacity limits allow, then AWS Batch will infer a "
    "misconfiguration due to exceeding quota share capacity limits.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob", "UpdateQuotaShare"),
)
def test_raised_limits_clear_the_misconfiguration_while_the_job_waits_for_room(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    quota_queue(batch, most=4)
    team = share(batch, "team", 2)
    share(batch, "other", 2)
    for i in range(2):
        submit_to_share(batch, f"o{i}", "other")
    big = submit_to_share(batch, "big", "team", instances=3)
    assert batch.describe_service_job(jobId=big)["statusReason"] == BEYOND_LIMITS

    batch.update_quota_share(quotaShareArn=team, capacityLimits=[{"maxCapacity": 4, "capacityUnit": M5}])

    job = batch.describe_service_job(jobId=big)  # the other share's 2 instances are its own
    assert (job["status"], "statusReason" in job) == ("RUNNABLE", False)
    fake_batch.advance(100)
    assert statuses(batch, big) == ["RUNNING"]


@needs_quota_shares
@pytest.mark.aws_doc(
    "API: CapacityLimit",
    "In a quota management enabled service environment with capacityUnit=ml.m5.large, only ml.m5.large "
    "instances count against this limit",
    family="Quota shares",
    ops=("CreateQuotaShare", "SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_job_of_an_instance_type_its_share_has_no_limit_for_waits(batch: Any, trains: None) -> None:
    two_type_queue(batch, m5=2, g5=2)
    two_type_share(batch, "team", m5=2, g5=0)  # no ml.g5.xlarge in the share

    gpu = submit_to_share(batch, "gpu", "team", kind=G5)

    job = batch.describe_service_job(jobId=gpu)
    assert (job["status"], job["statusReason"]) == ("RUNNABLE", BEYOND_LIMITS)


@needs_quota_shares
def test_a_share_waiting_for_one_instance_starts_no_later_job_of_as_many_instances(
    fake_batch: FakeBatch, batch: Any, trains: None
) -> None:
    """AWS says nothing on a share's later jobs; the fake keeps a quota share's order (a virtual
    queue, as AWS calls it): behind a job waiting for n instances, only smaller jobs start."""
    two_type_queue(batch, m5=1, g5=1)
    two_type_share(batch, "team", m5=2, g5=2)
    first = submit_to_share(batch, "g0", "team", kind=G5)
    waiting = submit_to_share(batch, "g1", "team", kind=G5)  # the only ml.g5.xlarge is busy

    behind = submit_to_share(batch, "m0", "team")  # an idle ml.m5.large, but it comes after g1

    assert statuses(batch, first, waiting, behind) == ["RUNNING", "RUNNABLE", "RUNNABLE"]
    fake_batch.advance(100)
    assert statuses(batch, first, waiting, behind) == ["SUCCEEDED", "RUNNING", "RUNNING"]


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Preemption",
    "Quota management is the only AWS Batch scheduling algorithm to incorporate preemption, where AWS "
    "Batch stops a SCHEDULED, STARTING, or RUNNING job to create capacity for a RUNNABLE job.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_a_lender_preempts_no_borrowed_job_of_another_instance_type(batch: Any, trains: None) -> None:
    two_type_queue(batch, m5=2, g5=2)
    two_type_share(batch, "lender", m5=1, g5=1, strategy="LEND")
    two_type_share(batch, "borrower", m5=1, g5=1, strategy="LEND_AND_BORROW")
    borrowed = [submit_to_share(batch, f"m{i}", "borrower") for i in range(2)]
    borrowed += [submit_to_share(batch, f"g{i}", "borrower", kind=G5) for i in range(2)]
    assert statuses(batch, *borrowed) == ["RUNNING"] * 4  # m1 and g1 borrow the lender's

    mine = submit_to_share(batch, "mine", "lender")  # ml.m5.large

    assert statuses(batch, mine, *borrowed) == ["RUNNING", "RUNNING", "RUNNABLE", "RUNNING", "RUNNING"]
    assert preempted(batch, *borrowed) == [0, 1, 0, 0]


@needs_quota_shares
@pytest.mark.aws_doc(
    "UG: Preemption",
    "Quota management is the only AWS Batch scheduling algorithm to incorporate preemption, where AWS "
    "Batch stops a SCHEDULED, STARTING, or RUNNING job to create capacity for a RUNNABLE job.",
    family="Quota shares",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_in_share_preemption_stops_no_job_of_another_instance_type(batch: Any, trains: None) -> None:
    two_type_queue(batch, m5=1, g5=1)
    two_type_share(batch, "team", m5=1, g5=1, preemption="ENABLED")
    low_m5 = submit_to_share(batch, "low-m5", "team", priority=1)
    low_g5 = submit_to_share(batch, "low-g5", "team", priority=1, kind=G5)  # the newer one

    urgent = submit_to_share(batch, "urgent", "team", priority=9)  # ml.m5.large

    assert statuses(batch, urgent, low_m5, low_g5) == ["RUNNING", "RUNNABLE", "RUNNING"]
    assert preempted(batch, low_m5, low_g5) == [1, 0]


@needs_quota_shares
@pytest.mark.aws_doc(
    "API: CapacityLimit",
    "In a quota management enabled service environment with capacityUnit=ml.m5.large, only ml.m5.large "
    "instances count against this limit",
    family="Service environments",
    ops=("UpdateServiceEnvironment", "SubmitServiceJob"),
)
def test_a_lowered_limit_of_one_instance_type_holds_back_no_other_type(batch: Any, trains: None) -> None:
    two_type_queue(batch, m5=1, g5=2)
    two_type_share(batch, "team", m5=1, g5=2)
    gpus = [submit_to_share(batch, f"g{i}", "team", kind=G5) for i in range(2)]
    batch.update_service_environment(
        serviceEnvironment="qm-env",
        capacityLimits=[{"maxCapacity": 1, "capacityUnit": M5}, {"maxCapacity": 1, "capacityUnit": G5}],
    )

    cpu = submit_to_share(batch, "cpu", "team")  # ml.m5.large: its own limit has room

    assert statuses(batch, *gpus, cpu) == ["RUNNING", "RUNNING", "RUNNING"]
