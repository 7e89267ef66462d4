"""ECS- and EKS-properties jobs move as AWS's Job states page says: containerDependency
resolution and init containers happen while the job is STARTING; startedAt is when it RUNs.

Everything here is on the fake's frozen clock: containers take simulated time (``job.sleep``).
"""

from __future__ import annotations

from typing import Any

import pytest
from installed_model import needs_member, needs_shape_member

from pytest_fakebatch import FakeBatch, JobRun

ecs = needs_member("RegisterJobDefinition", "ecsProperties")
init_containers = needs_shape_member("EksPodProperties", "initContainers")

STATES = "UG: Job states"
IN_STARTING = (
    "Image pull duration, Amazon EKS initContainer completion duration, and Amazon ECS "
    "containerDependency resolution duration occur in the STARTING state."
)
STARTED_AT = (
    "The Unix timestamp (in milliseconds) for when the job was started. More specifically, it's "
    "when the job transitioned from the STARTING state to the RUNNING state."
)


def _container(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"{name}:1",
        "command": [name],
        "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
        **extra,
    }


def _register_ecs(batch: Any, *containers: dict[str, Any], **extra: Any) -> str:
    batch.register_job_definition(
        jobDefinitionName="task",
        type="container",
        ecsProperties={"taskProperties": [{"containers": list(containers)}]},
        **extra,
    )
    return "task"


def _register_eks(batch: Any, pod: dict[str, Any], **extra: Any) -> str:
    batch.register_job_definition(
        jobDefinitionName="pod", type="container", eksProperties={"podProperties": pod}, **extra
    )
    return "pod"


def _describe(batch: Any, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    return job


def _submit(batch: Any, queue: str, definition: str, **extra: Any) -> str:
    job_id: str = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition, **extra)["jobId"]
    return job_id


def _takes(seconds: float, code: int = 0) -> Any:
    def handler(job: JobRun) -> int:
        job.sleep(seconds)
        return code

    return handler


# -- ECS ---------------------------------------------------------------------------------


@ecs
@pytest.mark.aws_doc(STATES, IN_STARTING, family="ECS properties jobs", ops=("SubmitJob", "DescribeJobs"))
@pytest.mark.aws_doc("API: JobDetail", STARTED_AT, family="ECS properties jobs", ops=("DescribeJobs",))
@pytest.mark.aws_doc(
    "botocore: ContainerDetail",
    "Each container attempt receives a task ARN when they reach the STARTING status.",
    family="ECS properties jobs",
    ops=("DescribeJobs",),
)
def test_an_ecs_job_is_starting_while_its_container_dependencies_resolve(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("setup:*")(_takes(10))
    fake_batch.handler("app:*")(_takes(5))
    definition = _register_ecs(
        batch,
        _container("setup", essential=False),
        _container("app", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
    )
    job_id = _submit(batch, queue, definition)
    created = _describe(batch, job_id)["createdAt"]

    starting = _describe(batch, job_id)
    assert starting["status"] == "STARTING"
    assert "startedAt" not in starting
    assert starting["attempts"] == []
    task = starting["ecsProperties"]["taskProperties"][0]
    assert task["taskArn"].startswith("arn:aws:ecs:eu-west-1:123456789012:task/")
    setup, app = task["containers"]
    assert "logStreamName" in setup
    assert "logStreamName" not in app
    listed = batch.list_jobs(jobQueue=queue, jobStatus="STARTING")["jobSummaryList"]
    assert [j["jobId"] for j in listed] == [job_id]

    fake_batch.advance(9)
    assert _describe(batch, job_id)["status"] == "STARTING"
    fake_batch.advance(1)
    running = _describe(batch, job_id)
    assert running["status"] == "RUNNING"
    assert running["startedAt"] == created + 10_000

    fake_batch.advance(5)
    done = _describe(batch, job_id)
    assert done["status"] == "SUCCEEDED"
    assert (done["startedAt"], done["stoppedAt"]) == (created + 10_000, created + 15_000)
    assert done["attempts"][0]["startedAt"] == created + 10_000
    statuses = [e.status for e in fake_batch.events.filter(job=job_id)]
    assert statuses[-3:] == ["STARTING", "RUNNING", "SUCCEEDED"]
    assert [e.time_ms for e in fake_batch.events.filter(job=job_id)][-2] == created + 10_000


@ecs
@pytest.mark.aws_doc(
    "API: TaskContainerDependency",
    "START - This condition emulates the behavior of links and volumes today. It validates that a "
    "dependent container is started before permitting other containers to start.",
    family="ECS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
def test_a_start_dependency_resolves_at_once(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    fake_batch.handler("proxy:*")(_takes(600))
    fake_batch.handler("app:*")(_takes(5))
    definition = _register_ecs(
        batch,
        _container("proxy", essential=False),
        _container("app", dependsOn=[{"containerName": "proxy", "condition": "START"}]),
    )
    job_id = _submit(batch, queue, definition)
    job = _describe(batch, job_id)
    assert job["status"] == "RUNNING"
    assert job["startedAt"] == job["createdAt"]


@ecs
@pytest.mark.aws_doc(
    "botocore: JobTimeout",
    "The job timeout time (in seconds) that's measured from the job attempt's startedAt timestamp.",
    family="ECS properties jobs",
    ops=("SubmitJob",),
)
def test_the_timeout_runs_from_startedat_not_from_starting(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("setup:*")(_takes(100))
    fake_batch.handler("app:*")(_takes(50))
    definition = _register_ecs(
        batch,
        _container("setup", essential=False),
        _container("app", dependsOn=[{"containerName": "setup", "condition": "COMPLETE"}]),
    )
    job_id = _submit(batch, queue, definition, timeout={"attemptDurationSeconds": 60})
    fake_batch.advance(150)
    job = _describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["stoppedAt"] - job["startedAt"] == 50_000


@ecs
@pytest.mark.aws_doc(
    "API: TerminateJob",
    "Jobs that are in the STARTING or RUNNING state are terminated, which causes them to "
    "transition to FAILED.",
    family="ECS properties jobs",
    ops=("TerminateJob",),
)
def test_terminating_a_starting_task_stops_its_containers(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    ran: list[str] = []
    fake_batch.handler("setup:*")(_takes(100))
    fake_batch.handler("app:*")(lambda job: ran.append("app"))
    definition = _register_ecs(
        batch,
        _container("setup", essential=False),
        _container("app", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
    )
    job_id = _submit(batch, queue, definition)
    assert _describe(batch, job_id)["status"] == "STARTING"

    batch.terminate_job(jobId=job_id, reason="not needed")
    job = _describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == "not needed"
    assert job["isTerminated"] is True
    fake_batch.advance(200)
    assert ran == []
    assert fake_batch.progress()[2] == 0  # nothing of it runs any more


@ecs
@pytest.mark.aws_doc(
    "botocore: TaskContainerDetails",
    "Each container attempt receives a log stream name when they reach the RUNNING status.",
    family="ECS properties jobs",
    ops=("DescribeJobs",),
)
@pytest.mark.aws_doc(
    "API: TaskContainerDependency",
    "SUCCESS - This condition is the same as COMPLETE, but it also requires that the container exits "
    "with a zero status.",
    family="ECS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
def test_a_container_whose_dependency_failed_never_starts(
    batch: Any, logs: Any, queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("setup:*")(_takes(3, code=1))
    definition = _register_ecs(
        batch,
        _container("setup", essential=False),
        _container("app", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
    )
    job_id = _submit(batch, queue, definition)
    fake_batch.advance(3)
    job = _describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == (
        "CannotStartContainerError: container 'app' depends on 'setup' with condition SUCCESS, "
        "which was not met"
    )
    setup, app = job["ecsProperties"]["taskProperties"][0]["containers"]
    assert setup["exitCode"] == 1
    assert "logStreamName" in setup
    assert "exitCode" not in app
    assert "logStreamName" not in app
    streams = logs.describe_log_streams(logGroupName="/aws/batch/job")["logStreams"]
    assert [s["logStreamName"] for s in streams] == [setup["logStreamName"]]


# -- EKS ---------------------------------------------------------------------------------


def _eks(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": f"{name}:1", "command": [name], **extra}


@init_containers
@pytest.mark.aws_doc(STATES, IN_STARTING, family="EKS properties jobs", ops=("SubmitJob", "DescribeJobs"))
@pytest.mark.aws_doc(
    "botocore: EksAttemptDetail",
    "The Unix timestamp (in milliseconds) for when the attempt was started (when the attempt "
    "transitioned from the STARTING state to the RUNNING state).",
    family="EKS properties jobs",
    ops=("DescribeJobs",),
)
def test_an_eks_job_is_starting_while_its_init_containers_run(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("fetch:*")(_takes(4))
    fake_batch.handler("migrate:*")(_takes(6))
    fake_batch.handler("main:*")(_takes(20))
    pod = {"initContainers": [_eks("fetch"), _eks("migrate")], "containers": [_eks("main")]}
    job_id = _submit(batch, queue, _register_eks(batch, pod))
    created = _describe(batch, job_id)["createdAt"]

    starting = _describe(batch, job_id)
    assert starting["status"] == "STARTING"
    assert starting["eksAttempts"] == []
    assert starting["eksProperties"]["podProperties"]["podName"].startswith("aws-batch.")
    fake_batch.advance(4)
    assert _describe(batch, job_id)["status"] == "STARTING"
    fake_batch.advance(6)
    running = _describe(batch, job_id)
    assert (running["status"], running["startedAt"]) == ("RUNNING", created + 10_000)

    fake_batch.advance(20)
    done = _describe(batch, job_id)
    assert done["status"] == "SUCCEEDED"
    (attempt,) = done["eksAttempts"]
    assert (attempt["startedAt"], attempt["stoppedAt"]) == (created + 10_000, created + 30_000)
    assert [c["exitCode"] for c in attempt["initContainers"]] == [0, 0]


@init_containers
@pytest.mark.aws_doc(
    "API: EksPodProperties",
    "These containers run before application containers, always runs to completion, and must "
    "complete successfully before the next container starts.",
    family="EKS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
def test_a_failing_init_container_ends_the_job_before_its_containers_start(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    ran: list[str] = []
    fake_batch.handler("fetch:*")(_takes(4, code=3))
    fake_batch.handler("main:*")(lambda job: ran.append("main"))
    pod = {"initContainers": [_eks("fetch")], "containers": [_eks("main")]}
    job_id = _submit(batch, queue, _register_eks(batch, pod))
    assert _describe(batch, job_id)["status"] == "STARTING"
    fake_batch.advance(4)
    job = _describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert ran == []
    (attempt,) = job["eksAttempts"]
    assert attempt["initContainers"][0]["exitCode"] == 3
    assert "exitCode" not in attempt["containers"][0]
    # AWS is silent on when a pod that never got up started: the fake shows it RUNNING for an
    # instant when it ends (Batch's jobs end from RUNNING)
    assert job["startedAt"] == job["stoppedAt"] == job["createdAt"] + 4_000


@ecs
def test_a_task_that_ends_before_every_container_started_shows_running_for_an_instant(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    """AWS is silent on a task whose essential container exits while another container still
    waits on its dependency: the job stays STARTING until then, and RUNs for an instant as it
    ends (Batch's jobs end from RUNNING); the waiting container never starts."""
    ran: list[str] = []
    fake_batch.handler("app:*")(_takes(5))
    fake_batch.handler("slow:*")(_takes(100))
    fake_batch.handler("late:*")(lambda job: ran.append("late"))
    definition = _register_ecs(
        batch,
        _container("app"),
        _container("slow", essential=False),
        _container("late", essential=False, dependsOn=[{"containerName": "slow", "condition": "COMPLETE"}]),
    )
    job_id = _submit(batch, queue, definition)
    assert _describe(batch, job_id)["status"] == "STARTING"
    fake_batch.advance(5)
    job = _describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["startedAt"] == job["stoppedAt"] == job["createdAt"] + 5_000
    exits = {c["name"]: c.get("exitCode") for c in job["ecsProperties"]["taskProperties"][0]["containers"]}
    assert exits == {"app": 0, "slow": None, "late": None}
    fake_batch.advance(200)
    assert ran == []


@ecs
@pytest.mark.aws_doc(
    "botocore: TaskContainerDetails",
    "Each container attempt receives a log stream name when they reach the RUNNING status.",
    family="ECS properties jobs",
    ops=("DescribeJobs",),
)
def test_a_starting_task_s_running_container_logs_as_it_goes(
    batch: Any, logs: Any, queue: str, fake_batch: FakeBatch
) -> None:
    @fake_batch.handler("setup:*")
    def setup(job: JobRun) -> None:
        job.log("downloading")
        job.sleep(10)
        job.log("downloaded")

    definition = _register_ecs(
        batch,
        _container("setup", essential=False),
        _container("app", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
    )
    job_id = _submit(batch, queue, definition)
    fake_batch.advance(5)
    job = _describe(batch, job_id)
    assert job["status"] == "STARTING"
    stream = job["ecsProperties"]["taskProperties"][0]["containers"][0]["logStreamName"]
    events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
    assert [e["message"] for e in events] == ["downloading"]


START_TIMEOUT = (
    "Time duration (in seconds) to wait before giving up on resolving dependencies for a container."
)


@ecs
@needs_shape_member("TaskContainerProperties", "startTimeout")
@pytest.mark.aws_doc(
    "botocore: TaskContainerProperties", START_TIMEOUT, family="ECS properties jobs", ops=("SubmitJob",)
)
def test_an_essential_container_gives_up_on_a_dependency_after_its_start_timeout(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    ran: list[str] = []
    fake_batch.handler("setup:*")(_takes(10))
    fake_batch.handler("app:*")(lambda job: ran.append("app"))
    definition = _register_ecs(
        batch,
        _container("setup", essential=False, startTimeout=5),
        _container("app", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
    )
    job_id = _submit(batch, queue, definition)
    fake_batch.advance(4)
    assert _describe(batch, job_id)["status"] == "STARTING"
    fake_batch.advance(1)
    job = _describe(batch, job_id)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == (
        "CannotStartContainerError: container 'app' depends on 'setup' with condition SUCCESS, "
        "which was not met within the startTimeout of 'setup' (5 seconds)"
    )
    assert job["stoppedAt"] == job["createdAt"] + 5_000
    setup, app = job["ecsProperties"]["taskProperties"][0]["containers"]
    assert "exitCode" not in setup  # stopped with the task
    assert "exitCode" not in app
    fake_batch.advance(60)
    assert ran == []


@ecs
@needs_shape_member("TaskContainerProperties", "startTimeout")
@pytest.mark.aws_doc(
    "botocore: TaskContainerProperties", START_TIMEOUT, family="ECS properties jobs", ops=("SubmitJob",)
)
def test_a_non_essential_container_that_gives_up_leaves_the_task_running(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    ran: list[str] = []
    fake_batch.handler("app:*")(_takes(20))
    fake_batch.handler("setup:*")(_takes(10))
    fake_batch.handler("late:*")(lambda job: ran.append("late"))
    definition = _register_ecs(
        batch,
        _container("app"),
        _container("setup", essential=False, startTimeout=5),
        _container("late", essential=False, dependsOn=[{"containerName": "setup", "condition": "COMPLETE"}]),
    )
    job_id = _submit(batch, queue, definition)
    fake_batch.advance(5)
    running = _describe(batch, job_id)
    assert (running["status"], running["startedAt"]) == ("RUNNING", running["createdAt"] + 5_000)
    fake_batch.advance(15)
    job = _describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    exits = {c["name"]: c.get("exitCode") for c in job["ecsProperties"]["taskProperties"][0]["containers"]}
    assert exits == {"app": 0, "setup": 0, "late": None}
    assert ran == []
