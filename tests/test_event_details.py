"""An event's detail is the job as DescribeJobs shows it at that moment: checked after every
step of the scheduler, for every kind of job, and for changes an API call makes (terminating an
array, tagging a job)."""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_member, needs_shape_member
from job_calls import submit

from pytest_fakebatch import FakeBatch, JobRun
from pytest_fakebatch.frontends.shapes import fitted

pytestmark = pytest.mark.usefixtures("queue", "definition")


def as_described(detail: dict[str, Any]) -> dict[str, Any]:
    """An event's detail as DescribeJobs answers on the installed botocore: an older model's
    answers leave out members AWS added since (events, which botocore does not parse, keep them)."""
    return fitted({"jobs": [detail]}, "batch", "DescribeJobs")["jobs"][0]  # type: ignore[no-any-return]


def latest_events(fake: FakeBatch) -> dict[str, Any]:
    latest: dict[str, Any] = {}
    for event in fake.events.filter(detail_type="Batch Job State Change"):
        latest[event.job_id] = event
    return latest


def drive_and_compare(fake: FakeBatch, batch: Any, *, seconds: int = 5, rounds: int = 200) -> int:
    """Step the scheduler (and the clock when nothing moves) until every job ended; after each
    step, each job whose status changed must have an event whose detail is its DescribeJobs.
    Returns how many details were compared."""
    seen: dict[str, str] = {}
    compared = 0
    for _ in range(rounds):
        moved = fake.step()
        latest = latest_events(fake)
        jobs = [j.id for j in fake.jobs()]
        for job in batch.describe_jobs(jobs=jobs[:100])["jobs"] if jobs else []:
            if job["status"] != seen.get(job["jobId"], "SUBMITTED"):
                event = latest[job["jobId"]]
                assert event.status == job["status"]
                assert as_described(event.detail) == job, job["jobId"]
                compared += 1
            seen[job["jobId"]] = job["status"]
        if all(s in ("SUCCEEDED", "FAILED") for s in seen.values()) and len(seen) == len(jobs):
            return compared
        if not moved:
            fake.advance(seconds)
    raise AssertionError("the jobs did not end")


def test_a_retried_job_s_details_match_each_step(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False

    @fake_batch.handler(definition="work")
    def flaky(job: JobRun) -> int:
        job.sleep(3)
        return 0 if job.attempt == 3 else 2

    submit(batch, "flaky", retryStrategy={"attempts": 3})
    assert drive_and_compare(fake_batch, batch) == 10


def test_an_array_s_details_match_each_step(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False

    @fake_batch.handler(definition="work")
    def shard(job: JobRun) -> int:
        job.sleep(3 * (1 + (job.array_index or 0)))
        return 1 if job.array_index == 1 else 0

    submit(batch, "fan", arrayProperties={"size": 3})
    assert drive_and_compare(fake_batch, batch) == 2 + 3 * 4


def test_a_multinode_job_s_details_match_each_step(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    batch.register_job_definition(
        jobDefinitionName="mnp",
        type="multinode",
        nodeProperties={
            "numNodes": 2,
            "mainNode": 0,
            "nodeRangeProperties": [
                {"targetNodes": "0", "container": {"image": "main", "vcpus": 1, "memory": 64}},
                {"targetNodes": "1", "container": {"image": "worker", "vcpus": 1, "memory": 64}},
            ],
        },
    )

    @fake_batch.handler("*")
    def node(job: JobRun) -> int:
        job.sleep(600 if job.image == "worker" else 5)
        return 4 if job.image == "main" else 0

    submit(batch, "mpi", jobDefinition="mnp")
    assert drive_and_compare(fake_batch, batch) > 8


@needs_member("RegisterJobDefinition", "ecsProperties")
def test_an_ecs_task_s_details_match_each_step(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    resources = [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]
    containers = [
        {"name": name, "image": "app", "command": [name], "resourceRequirements": resources}
        for name in ("main", "side")
    ]
    batch.register_job_definition(
        jobDefinitionName="task",
        type="container",
        ecsProperties={"taskProperties": [{"containers": containers}]},
    )
    submit(batch, "ecs", jobDefinition="task")
    assert drive_and_compare(fake_batch, batch) == 4


@needs_member("RegisterJobDefinition", "eksProperties")
def test_an_eks_pod_s_details_match_each_step(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    resources = {"limits": {"cpu": "1", "memory": "512Mi"}}
    pod = {"containers": [{"name": "main", "image": "app", "resources": resources}]}
    batch.register_job_definition(
        jobDefinitionName="pod", type="container", eksProperties={"podProperties": pod}
    )

    @fake_batch.handler("*")
    def fails_once(job: JobRun) -> int:
        return 0 if job.attempt == 2 else 1

    submit(batch, "eks", jobDefinition="pod", retryStrategy={"attempts": 2})
    assert drive_and_compare(fake_batch, batch) == 7


@needs_member("RegisterJobDefinition", "ecsProperties")
@pytest.mark.aws_doc(
    "UG: Job states",
    "Image pull duration, Amazon EKS initContainer completion duration, and Amazon ECS "
    "containerDependency resolution duration occur in the STARTING state.",
    family="ECS properties jobs",
    ops=("DescribeJobs",),
)
def test_a_task_starting_its_dependencies_s_details_match_each_step(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.autorun = False
    resources = [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]
    setup = {"name": "setup", "image": "setup", "essential": False, "resourceRequirements": resources}
    main = {"name": "main", "image": "app", "resourceRequirements": resources}
    main["dependsOn"] = [{"containerName": "setup", "condition": "SUCCESS"}]
    batch.register_job_definition(
        jobDefinitionName="task",
        type="container",
        ecsProperties={"taskProperties": [{"containers": [setup, main]}]},
    )

    @fake_batch.handler("setup")
    def prepares(job: JobRun) -> None:
        job.sleep(5)

    job_id = submit(batch, "ecs", jobDefinition="task")
    assert drive_and_compare(fake_batch, batch) == 4
    starting, running = (
        e for e in fake_batch.events.filter(job=job_id) if e.status in ("STARTING", "RUNNING")
    )
    assert running.time_ms - starting.time_ms == 5000


@needs_member("RegisterJobDefinition", "eksProperties")
@pytest.mark.aws_doc(
    "UG: Job states",
    "Image pull duration, Amazon EKS initContainer completion duration, and Amazon ECS "
    "containerDependency resolution duration occur in the STARTING state.",
    family="EKS properties jobs",
    ops=("DescribeJobs",),
)
@needs_shape_member("EksPodProperties", "initContainers")
def test_a_pod_running_its_init_containers_s_details_match_each_step(
    fake_batch: FakeBatch, batch: Any
) -> None:
    fake_batch.autorun = False
    pod = {
        "initContainers": [{"name": "fetch", "image": "fetch"}],
        "containers": [
            {"name": "main", "image": "app", "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}
        ],
    }
    batch.register_job_definition(
        jobDefinitionName="pod", type="container", eksProperties={"podProperties": pod}
    )

    @fake_batch.handler("fetch")
    def fetches(job: JobRun) -> None:
        job.sleep(5)

    job_id = submit(batch, "eks", jobDefinition="pod")
    assert drive_and_compare(fake_batch, batch) == 4
    running = next(e for e in fake_batch.events.filter(job=job_id) if e.status == "RUNNING")
    assert running.detail["startedAt"] == running.time_ms


def test_a_terminated_array_s_last_event_says_so(fake_batch: FakeBatch, batch: Any) -> None:
    @fake_batch.handler(definition="work")
    def slow(job: JobRun) -> None:
        job.sleep(600)

    parent = submit(batch, "fan", arrayProperties={"size": 2})
    batch.describe_jobs(jobs=[parent])
    batch.terminate_job(jobId=parent, reason="not needed")
    (shown,) = batch.describe_jobs(jobs=[parent])["jobs"]

    last = fake_batch.events.filter(job=parent)[-1]
    assert last.status == "FAILED"
    assert as_described(last.detail) == shown
    assert last.detail["isTerminated"] is True
    assert last.detail["statusReason"] == "not needed"


def test_an_event_keeps_the_tags_the_job_had_then(fake_batch: FakeBatch, batch: Any) -> None:
    fake_batch.autorun = False
    job_id = submit(batch, "tagged", tags={"a": "1"})
    fake_batch.step()
    arn = batch.describe_jobs(jobs=[job_id])["jobs"][0]["jobArn"]
    batch.tag_resource(resourceArn=arn, tags={"b": "2"})
    batch.untag_resource(resourceArn=arn, tagKeys=["a"])
    fake_batch.run_until_idle()

    first, *_, last = fake_batch.events.filter(job=job_id)
    assert first.detail["tags"] == {"a": "1"}
    assert last.detail["tags"] == {"b": "2"}


def test_the_marker_takes_a_bool_for_events(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakebatch(events="false")
        def test_it(fake_batch):
            pass
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*@pytest.mark.fakebatch(events=...) takes True or False, not 'false'*"])
    assert result.ret != 0
