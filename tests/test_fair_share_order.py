"""Which fair-share job gets capacity next: the share using the least vCPUs relative to its
weightFactor, counting the jobs of that queue already running and those started in the same
round; and a FIFO queue in submission order, skipping what does not fit."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_operation

from pytest_fakebatch import FakeBatch, JobRun

WEIGHT_PAGE = "API: ShareAttributes"
WEIGHT = (
    "The weight factor for the fair share identifier. The default value is 1.0. A lower value has a higher "
    "priority for compute resources. For example, jobs that use a share identifier with a weight factor of "
    "0.125 (1/8) get 8 times the compute resources of jobs that use a share identifier with a weight "
    "factor of 1."
)


@pytest.fixture
def started(fake_batch: FakeBatch) -> list[str]:
    """Names of the jobs in the order their attempts started. A job runs for as many simulated
    seconds as its name's number after the underscore (``a_600``), 1 second without one."""
    fake_batch.clock.freeze()
    order: list[str] = []

    @fake_batch.handler("*")
    def work(job: JobRun) -> None:
        order.append(job.job_name)
        job.sleep(float(job.job_name.partition("_")[2] or 1))

    return order


def fair_share_queue(
    batch: Any, slots: int, weights: dict[str, float] | None = None, name: str = "fair"
) -> str:
    """A fair-share queue on its own environment with ``slots`` vCPUs; the shares' weights."""
    batch.create_compute_environment(
        computeEnvironmentName=f"{name}-ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": slots, "subnets": ["subnet-1"]},
    )
    distribution = [{"shareIdentifier": s, "weightFactor": w} for s, w in (weights or {}).items()]
    arn = batch.create_scheduling_policy(
        name=f"{name}-policy", fairsharePolicy={"shareDistribution": distribution}
    )["arn"]
    batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        schedulingPolicyArn=arn,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": f"{name}-ce"}],
    )
    return name


@pytest.fixture
def unit(batch: Any) -> str:
    batch.register_job_definition(
        jobDefinitionName="unit",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "memory": 128},
    )
    return "unit"


def submit(batch: Any, queue: str, name: str, share: str, vcpus: int = 1) -> str:
    job_id: str = batch.submit_job(
        jobName=name,
        jobQueue=queue,
        jobDefinition="unit",
        shareIdentifier=share,
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": str(vcpus)}]},
    )["jobId"]
    return job_id


def statuses(batch: Any, ids: list[str]) -> list[str]:
    jobs = {j["jobId"]: j["status"] for j in batch.describe_jobs(jobs=ids)["jobs"]}
    return [jobs[i] for i in ids]


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_the_jobs_already_running_count_for_their_share(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fair_share_queue(batch, 6)
    for i in range(3):
        submit(batch, queue, f"a{i}_600", "a")  # share a runs 3 vCPUs
    submit(batch, queue, "b0_600", "b", vcpus=2)  # share b runs 2
    assert started == ["a0_600", "a1_600", "a2_600", "b0_600"]
    fake_batch.autorun = False
    submit(batch, queue, "a-next", "a")
    submit(batch, queue, "b-next", "b")
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    # one slot is free: b uses 2 vCPUs, a uses 3, so b's turn though a submitted first
    assert started[4:] == ["b-next"]


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_running_usage_is_weighed_by_the_weight_factor(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fair_share_queue(batch, 4, {"a": 2.0, "b": 1.2})
    submit(batch, queue, "a0_600", "a")  # a: 1 vCPU x 2.0 = 2.0
    submit(batch, queue, "b0_600", "b", vcpus=2)  # b: 2 vCPUs x 1.2 = 2.4
    fake_batch.autorun = False
    submit(batch, queue, "b-next_600", "b")
    submit(batch, queue, "a-next_600", "a")
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    assert started == ["a0_600", "b0_600", "a-next_600"]


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
@pytest.mark.parametrize("weights", [{}, {"b": 1.6}], ids=["equal weights", "b weighs 1.6"])
def test_jobs_started_in_one_round_count_for_their_share(
    fake_batch: FakeBatch, batch: Any, started: list[str], weights: dict[str, float]
) -> None:
    queue = fair_share_queue(batch, 4, weights)
    fake_batch.autorun = False
    for name in ("a0", "a1", "a2"):
        submit(batch, queue, name, "a")
    for name in ("b0", "b1"):
        submit(batch, queue, name, "b")
    fake_batch.autorun = True

    fake_batch.advance(5)

    # usage adds up within the round: a0 (a: 1.0), b0 (b: 1.0 or 1.6), a1 (a: 2.0), b1 (b below
    # 2.0 either way), then a2 once a slot is free
    assert started == ["a0", "b0", "a1", "b1", "a2"]


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_one_share_fills_every_free_slot_in_one_step(fake_batch: FakeBatch, batch: Any) -> None:
    queue = fair_share_queue(batch, 3)
    fake_batch.autorun = False
    ids = [submit(batch, queue, f"a{i}", "a") for i in range(3)]

    fake_batch.step()  # SUBMITTED -> RUNNABLE
    fake_batch.step()  # RUNNABLE -> STARTING, as many as fit

    assert statuses(batch, ids) == ["STARTING"] * 3


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_jobs_of_another_queue_do_not_count_for_a_share(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fair_share_queue(batch, 3)
    other = fair_share_queue(batch, 2, name="other")
    submit(batch, other, "other-b0_600", "b")
    submit(batch, other, "other-b1_600", "b")  # share b is busy in the other queue only
    submit(batch, queue, "a0_600", "a")  # a uses 1 vCPU here
    fake_batch.autorun = False
    submit(batch, queue, "a-next_600", "a")
    submit(batch, queue, "b-next_600", "b")
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    assert started[3:] == ["b-next_600", "a-next_600"]  # b uses nothing in this queue


# -- FIFO queues -------------------------------------------------------------------------------


FIFO_PAGE = "API: JobQueueDetail"
FIFO = (
    "A job is dispatched from a queue only if resources are available when the queue is evaluated. If there "
    "are insufficient resources available at that time, the cycle proceeds to the next queue."
)


def fifo_queue(batch: Any, slots: int, name: str = "fifo", priority: int = 1) -> str:
    batch.create_compute_environment(
        computeEnvironmentName=f"{name}-ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": slots, "subnets": ["subnet-1"]},
    )
    batch.create_job_queue(
        jobQueueName=name,
        priority=priority,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": f"{name}-ce"}],
    )
    return name


def submit_fifo(batch: Any, queue: str, name: str, vcpus: int = 1, **extra: Any) -> str:
    job_id: str = batch.submit_job(
        jobName=name,
        jobQueue=queue,
        jobDefinition="unit",
        containerOverrides={"resourceRequirements": [{"type": "VCPU", "value": str(vcpus)}]},
        **extra,
    )["jobId"]
    return job_id


@pytest.mark.aws_doc(FIFO_PAGE, FIFO, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_a_fifo_queue_starts_smaller_jobs_behind_one_that_does_not_fit(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fifo_queue(batch, 4)
    submit_fifo(batch, queue, "first_600", vcpus=2)
    fake_batch.autorun = False
    submit_fifo(batch, queue, "wide_600", vcpus=3)  # does not fit beside the first
    submit_fifo(batch, queue, "also-wide_600", vcpus=3)
    submit_fifo(batch, queue, "small_600", vcpus=1)
    submit_fifo(batch, queue, "small2_600", vcpus=1)
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    assert started == ["first_600", "small_600", "small2_600"]


@pytest.mark.aws_doc(FIFO_PAGE, FIFO, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_a_fifo_queue_starts_every_job_that_fits_in_submission_order(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fifo_queue(batch, 4)
    fake_batch.autorun = False
    for name, vcpus in (("one", 1), ("two", 2), ("three", 3), ("last", 1)):
        submit_fifo(batch, queue, name, vcpus=vcpus)
    fake_batch.autorun = True

    fake_batch.advance(5)

    # one + two fill 3 of 4; three waits; last (1) still fits; three runs once they are done
    assert started == ["one", "two", "last", "three"]


@pytest.mark.aws_doc(
    "API: CreateJobQueue",
    "Job queues with a higher priority (or a higher integer value for the priority parameter) are evaluated "
    "first when associated with the same compute environment.",
    family="Scheduling",
    ops=("CreateJobQueue", "SubmitJob"),
)
@pytest.mark.usefixtures("unit")
def test_queues_sharing_an_environment_are_served_highest_priority_first(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    fifo_queue(batch, 1, name="shared")
    for name, priority in (("low", 1), ("high", 50), ("middle", 10)):
        batch.create_job_queue(
            jobQueueName=name,
            priority=priority,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "shared-ce"}],
        )
    fake_batch.autorun = False
    for queue in ("low", "middle", "high"):
        submit_fifo(batch, queue, queue)
    fake_batch.autorun = True

    fake_batch.advance(5)

    assert started == ["high", "middle", "low"]


@pytest.mark.aws_doc(
    "API: JobQueueDetail",
    "Queues are evaluated in cycles, in descending order by priority.",
    family="Scheduling",
    ops=("CreateJobQueue", "SubmitJob"),
)
@pytest.mark.usefixtures("unit")
def test_queues_of_equal_priority_are_served_by_their_oldest_waiting_job(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    # AWS does not say how queues of equal priority take turns: the fake serves first the queue
    # whose first waiting job was submitted first
    fifo_queue(batch, 1, name="shared")
    for name in ("a", "b"):
        batch.create_job_queue(
            jobQueueName=name,
            priority=5,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "shared-ce"}],
        )
    fake_batch.autorun = False
    submit_fifo(batch, "b", "b-first")
    submit_fifo(batch, "a", "a-first")
    submit_fifo(batch, "b", "b-second")
    submit_fifo(batch, "a", "a-second")
    fake_batch.autorun = True

    fake_batch.advance(10)

    assert started == ["b-first", "a-first", "b-second", "a-second"]


@pytest.mark.aws_doc(
    "API: GetJobQueueSnapshot",
    "Provides a list of the first 100 RUNNABLE jobs associated to a single job queue.",
    family="Scheduling",
    ops=("GetJobQueueSnapshot",),
)
@pytest.mark.usefixtures("unit")
@needs_operation("GetJobQueueSnapshot")
def test_the_front_of_the_queue_shows_a_job_the_moment_it_is_runnable(
    fake_batch: FakeBatch, batch: Any
) -> None:
    queue = fifo_queue(batch, 1)
    batch.update_compute_environment(computeEnvironment=f"{queue}-ce", state="DISABLED")  # nothing starts
    fake_batch.autorun = False
    ids = [submit_fifo(batch, queue, f"j{i}") for i in range(3)]

    assert fake_batch.step() is True  # SUBMITTED -> RUNNABLE, and nothing more

    front = batch.get_job_queue_snapshot(jobQueue=queue)["frontOfQueue"]["jobs"]
    assert [j["jobArn"].rsplit("/", 1)[-1] for j in front] == ids


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_a_share_whose_only_job_is_being_retried_does_not_hold_up_the_others(
    fake_batch: FakeBatch, batch: Any, recwarn: pytest.WarningsRecorder
) -> None:
    fake_batch.clock.freeze()
    order: list[str] = []

    @fake_batch.handler(definition="unit")
    def work(job: JobRun) -> int:
        order.append(f"{job.job_name}#{job.attempt}")
        job.sleep(10)
        return 1 if job.job_name == "a1" and job.attempt == 1 else 0

    queue = fair_share_queue(batch, 1)
    batch.submit_job(
        jobName="a1", jobQueue=queue, jobDefinition="unit", shareIdentifier="a", retryStrategy={"attempts": 2}
    )
    submit(batch, queue, "b1", "b")

    fake_batch.advance(60)

    # a1's failed attempt frees the slot in the round it goes back to RUNNABLE: b1 gets it then
    assert order == ["a1#1", "b1#1", "a1#2"]
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.aws_doc(
    "API: GetJobQueueSnapshot",
    "frontOfQueue ... For fair-share scheduling (FSS) job queues, jobs are ordered based on their job "
    "priority and share usage.",
    family="Scheduling",
    ops=("GetJobQueueSnapshot",),
)
@pytest.mark.usefixtures("unit")
@needs_operation("GetJobQueueSnapshot")
def test_the_front_of_a_fair_share_queue_counts_only_the_usage_of_running_jobs(
    fake_batch: FakeBatch, batch: Any
) -> None:
    # the snapshot lists the jobs as capacity would go to them were none to start: the shares'
    # usage is what runs now, not what the listed jobs would add
    queue = fair_share_queue(batch, 1)
    batch.update_compute_environment(computeEnvironment=f"{queue}-ce", state="DISABLED")
    ids = [submit(batch, queue, name, name[0]) for name in ("a1", "a2", "a3", "b1")]

    front = batch.get_job_queue_snapshot(jobQueue=queue)["frontOfQueue"]["jobs"]

    assert [j["jobArn"].rsplit("/", 1)[-1] for j in front] == ids


@pytest.fixture
def licenses(batch: Any) -> str:
    """A consumable resource 'licenses' of 1."""
    batch.create_consumable_resource(consumableResourceName="licenses", totalQuantity=1)
    return "licenses"


@pytest.mark.aws_doc(
    "UG: Specify the resources needed to run a job",
    "If a consumable resource for the job is not available when the job reaches the head of the queue, the "
    "job will wait in RUNNABLE state until all the required resources become available",
    family="Consumable resources",
    ops=("SubmitJob",),
)
@pytest.mark.usefixtures("unit", "licenses")
@needs_operation("CreateConsumableResource")
def test_a_job_waiting_for_a_resource_holds_back_the_jobs_as_large_behind_it(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fifo_queue(batch, 8)
    licensed = {"consumableResourceList": [{"consumableResource": "licenses", "quantity": 1}]}
    submit_fifo(batch, queue, "holder_600", consumableResourcePropertiesOverride=licensed)
    fake_batch.autorun = False
    submit_fifo(batch, queue, "waits_600", vcpus=2, consumableResourcePropertiesOverride=licensed)
    submit_fifo(batch, queue, "as-large_600", vcpus=2)  # no resource needed, but as large
    submit_fifo(batch, queue, "smaller_600", vcpus=1)
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    # the FIFO queue offers nothing as large as the waiting job behind it, only smaller ones
    assert started == ["holder_600", "smaller_600"]


@pytest.mark.aws_doc(WEIGHT_PAGE, WEIGHT, family="Scheduling", ops=("SubmitJob",))
@pytest.mark.usefixtures("unit")
def test_a_job_that_gets_no_capacity_adds_nothing_to_its_share_s_usage(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fair_share_queue(batch, 2)
    fake_batch.autorun = False
    submit(batch, queue, "a-huge_600", "a", vcpus=3)  # more than the environment has: never starts
    submit(batch, queue, "a1_600", "a")
    submit(batch, queue, "b1_600", "b")
    submit(batch, queue, "b2_600", "b")
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    assert started == ["a1_600", "b1_600"]  # a uses nothing yet: its next job goes first


@pytest.mark.aws_doc(
    "API: ShareAttributes", "The default value is 1.0.", family="Scheduling", ops=("CreateSchedulingPolicy",)
)
@pytest.mark.usefixtures("unit")
def test_a_share_listed_without_a_weight_factor_weighs_one(
    fake_batch: FakeBatch, batch: Any, started: list[str]
) -> None:
    queue = fair_share_queue(batch, 3)
    batch.update_scheduling_policy(
        arn=batch.describe_job_queues(jobQueues=[queue])["jobQueues"][0]["schedulingPolicyArn"],
        fairsharePolicy={
            "shareDistribution": [{"shareIdentifier": "a"}, {"shareIdentifier": "b", "weightFactor": 1.5}]
        },
    )
    submit(batch, queue, "a0_600", "a")  # a: 1 vCPU x 1.0
    submit(batch, queue, "b0_600", "b")  # b: 1 vCPU x 1.5
    fake_batch.autorun = False
    submit(batch, queue, "b-next_600", "b")
    submit(batch, queue, "a-next_600", "a")
    fake_batch.autorun = True

    fake_batch.run_until_idle()

    assert started == ["a0_600", "b0_600", "a-next_600"]
