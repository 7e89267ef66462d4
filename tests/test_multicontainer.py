"""ECS- and EKS-properties jobs run: every container of the task or pod, through boto3.

ECS: essential containers decide, ``dependsOn`` orders the starts, each container has its own
log stream. EKS: init containers first and in order, then the pod's containers; the pod is
echoed in DescribeJobs with ``eksAttempts``.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_shape_member

from pytest_fakebatch import Exit, FakeBatch, JobRun

ecs = needs_member("RegisterJobDefinition", "ecsProperties")
eks = needs_member("RegisterJobDefinition", "eksProperties")
init_containers = needs_shape_member("EksPodProperties", "initContainers")
named_overrides = needs_shape_member("EksContainerOverride", "name")


def _container(name: str, image: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "command": [name],
        "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
        **extra,
    }


def _register_ecs(batch: Any, *containers: dict[str, Any], name: str = "task", **extra: Any) -> str:
    batch.register_job_definition(
        jobDefinitionName=name,
        type="container",
        ecsProperties={"taskProperties": [{"containers": list(containers)}]},
        **extra,
    )
    return name


def _register_eks(batch: Any, pod: dict[str, Any], name: str = "pod", **extra: Any) -> str:
    batch.register_job_definition(
        jobDefinitionName=name, type="container", eksProperties={"podProperties": pod}, **extra
    )
    return name


def _describe(batch: Any, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    return job


def _submit(batch: Any, queue: str, definition: str, **extra: Any) -> str:
    job_id: str = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=definition, **extra)["jobId"]
    return job_id


# -- ECS ---------------------------------------------------------------------------------


@ecs
def test_every_container_runs_and_the_essential_one_decides(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    seen: dict[str, JobRun] = {}

    @fake_batch.handler("main:*")
    def main(job: JobRun) -> int:
        seen["main"] = job
        return 3

    @fake_batch.handler("sidecar:*")
    def sidecar(job: JobRun) -> int:
        seen["sidecar"] = job
        return 0

    definition = _register_ecs(
        batch,
        _container("app", "main:1", environment=[{"name": "ROLE", "value": "app"}]),
        _container("helper", "sidecar:1", essential=False),
    )
    job = _describe(batch, _submit(batch, queue, definition))

    assert job["status"] == "FAILED"
    assert "container" not in job
    task = job["ecsProperties"]["taskProperties"][0]
    by_name = {c["name"]: c for c in task["containers"]}
    assert by_name["app"]["exitCode"] == 3
    assert by_name["helper"]["exitCode"] == 0
    assert task["taskArn"].startswith("arn:aws:ecs:eu-west-1:123456789012:task/")
    assert job["attempts"][0]["taskProperties"][0]["containers"][0]["exitCode"] == 3
    assert seen["main"].container_name == "app"
    assert seen["sidecar"].container_name == "helper"
    assert seen["main"].env["ROLE"] == "app"
    assert "ROLE" not in seen["sidecar"].env
    assert seen["sidecar"].command == ["helper"]
    for run in seen.values():
        assert run.env["AWS_BATCH_JOB_ID"] == job["jobId"]
        assert run.env["AWS_BATCH_JQ_NAME"] == "q"


@pytest.mark.aws_doc(
    "API: TaskContainerProperties",
    "If the essential parameter of a container is marked as false, its failure doesn't affect the "
    "rest of the containers in a task.",
    family="ECS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
@ecs
def test_a_failing_non_essential_container_does_not_fail_the_job(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("sidecar:*")(lambda job: 9)
    definition = _register_ecs(
        batch, _container("app", "main:1"), _container("helper", "sidecar:1", essential=False)
    )
    job = _describe(batch, _submit(batch, queue, definition))
    assert job["status"] == "SUCCEEDED"
    exits = {c["name"]: c["exitCode"] for c in job["ecsProperties"]["taskProperties"][0]["containers"]}
    assert exits == {"app": 0, "helper": 9}


@pytest.mark.aws_doc(
    "API: TaskContainerProperties",
    "If the essential parameter of a container is marked as true, and that container fails or stops "
    "for any reason, all other containers that are part of the task are stopped.",
    family="ECS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
@ecs
def test_the_first_essential_exit_stops_the_task(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    def long(job: JobRun) -> int:
        job.sleep(600)
        return 0

    fake_batch.handler("server:*")(long)

    @fake_batch.handler("main:*")
    def main(job: JobRun) -> int:
        job.sleep(5)
        return 0

    definition = _register_ecs(batch, _container("app", "main:1"), _container("server", "server:1"))
    job_id = _submit(batch, queue, definition)
    assert _describe(batch, job_id)["status"] == "RUNNING"
    fake_batch.advance(5)
    job = _describe(batch, job_id)
    assert job["status"] == "SUCCEEDED"
    containers = {c["name"]: c for c in job["ecsProperties"]["taskProperties"][0]["containers"]}
    assert containers["app"]["exitCode"] == 0
    assert "exitCode" not in containers["server"]
    assert job["stoppedAt"] - job["startedAt"] == 5000


@pytest.mark.aws_doc(
    "API: TaskContainerDependency",
    "COMPLETE - This condition validates that a dependent container runs to completion (exits) "
    "before permitting other containers to start.",
    family="ECS properties jobs",
    ops=("SubmitJob",),
)
@ecs
def test_depends_on_orders_the_containers(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    order: list[tuple[str, int]] = []

    def record(job: JobRun) -> int:
        order.append((job.container_name or "", fake_batch.clock.now_ms()))
        job.sleep(10 if job.container_name == "setup" else 1)
        return 0

    fake_batch.handler("img:*")(record)
    start = fake_batch.clock.now_ms()
    definition = _register_ecs(
        batch,
        _container("app", "img:1", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
        _container(
            "logger", "img:1", essential=False, dependsOn=[{"containerName": "proxy", "condition": "START"}]
        ),
        _container("setup", "img:1", essential=False),
        _container(
            "proxy", "img:1", essential=False, dependsOn=[{"containerName": "setup", "condition": "COMPLETE"}]
        ),
    )
    job_id = _submit(batch, queue, definition)
    _describe(batch, job_id)
    assert [name for name, _ in order] == ["setup"]
    fake_batch.advance(10)
    job = _describe(batch, job_id)
    assert [name for name, _ in order] == ["setup", "app", "proxy", "logger"]
    assert [at - start for _, at in order] == [0, 10_000, 10_000, 10_000]
    fake_batch.advance(1)
    assert _describe(batch, job_id)["status"] == "SUCCEEDED"
    assert job["status"] == "RUNNING"


@pytest.mark.aws_doc(
    "API: TaskContainerDependency",
    "SUCCESS - This condition is the same as COMPLETE, but it also requires that the container exits "
    "with a zero status.",
    family="ECS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
@ecs
def test_an_unmet_success_dependency_stops_the_task(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    ran: list[str] = []
    fake_batch.handler("setup:*")(lambda job: 1)
    fake_batch.handler("main:*")(lambda job: ran.append("app"))
    definition = _register_ecs(
        batch,
        _container("setup", "setup:1", essential=False),
        _container("app", "main:1", dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}]),
    )
    job = _describe(batch, _submit(batch, queue, definition))
    assert job["status"] == "FAILED"
    assert ran == []
    assert "SUCCESS" in job["statusReason"]
    assert "'setup'" in job["statusReason"]


@ecs
def test_each_container_has_its_own_log_stream(
    batch: Any, logs: Any, queue: str, fake_batch: FakeBatch
) -> None:
    fake_batch.handler("main:*")(lambda job: print("from the app"))
    fake_batch.handler("sidecar:*")(lambda job: print("from the sidecar"))
    definition = _register_ecs(
        batch, _container("app", "main:1"), _container("sidecar", "sidecar:1", essential=False)
    )
    job = _describe(batch, _submit(batch, queue, definition))
    task = job["ecsProperties"]["taskProperties"][0]
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    streams = {c["name"]: c["logStreamName"] for c in task["containers"]}
    assert streams == {"app": f"task/app/{task_id}", "sidecar": f"task/sidecar/{task_id}"}
    for name, line in (("app", "from the app"), ("sidecar", "from the sidecar")):
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=streams[name])["events"]
        assert [e["message"] for e in events] == [line]
    listed = logs.describe_log_streams(logGroupName="/aws/batch/job")["logStreams"]
    assert sorted(s["logStreamName"] for s in listed) == sorted(streams.values())
    assert sorted(fake_batch.job(job["jobId"]).output) == ["from the app", "from the sidecar"]


@ecs
def test_an_ecs_array_job_runs_every_container_of_every_child(
    batch: Any, queue: str, fake_batch: FakeBatch
) -> None:
    seen: list[tuple[str | None, str]] = []
    fake_batch.handler("img:*")(
        lambda job: seen.append((job.container_name, job.env["AWS_BATCH_JOB_ARRAY_INDEX"]))
    )
    definition = _register_ecs(batch, _container("a", "img:1"), _container("b", "img:1", essential=False))
    parent = _describe(batch, _submit(batch, queue, definition, arrayProperties={"size": 3}))
    assert parent["status"] == "SUCCEEDED"
    assert parent["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 3
    assert sorted(seen) == sorted((name, str(i)) for name in "ab" for i in range(3))
    child = _describe(batch, parent["jobId"] + ":1")
    assert child["arrayProperties"] == {"index": 1}
    assert len(child["ecsProperties"]["taskProperties"][0]["containers"]) == 2


@pytest.mark.aws_doc(
    "botocore: TaskContainerOverrides",
    "A pointer to the container that you want to override.",
    family="ECS properties jobs",
    ops=("SubmitJob",),
)
@ecs
def test_ecs_overrides_change_the_named_container(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    seen: dict[str, JobRun] = {}
    fake_batch.handler("img:*")(lambda job: seen.__setitem__(job.container_name or "", job))
    definition = _register_ecs(
        batch, _container("a", "img:1"), _container("b", "img:1", essential=False), parameters={"x": "1"}
    )
    override = {
        "taskProperties": [
            {
                "containers": [
                    {"name": "b", "command": ["go", "Ref::x"], "environment": [{"name": "E", "value": "v"}]}
                ]
            }
        ]
    }
    job = _describe(batch, _submit(batch, queue, definition, ecsPropertiesOverride=override))
    assert seen["b"].command == ["go", "1"]
    assert seen["b"].env["E"] == "v"
    assert seen["a"].command == ["a"]
    assert job["ecsProperties"]["taskProperties"][0]["containers"][1]["command"] == ["go", "1"]
    bad = {"taskProperties": [{"containers": [{"name": "nope", "command": ["x"]}]}]}
    with pytest.raises(ClientError, match="names no container"):
        _submit(batch, queue, definition, ecsPropertiesOverride=bad)


@pytest.mark.aws_doc(
    "API: TaskContainerProperties",
    "If this parameter is omitted, a container is assumed to be essential. All jobs must have at "
    "least one essential container.",
    family="ECS properties jobs",
    ops=("RegisterJobDefinition",),
)
@pytest.mark.aws_doc(
    "API: TaskContainerDependency",
    "This condition can't be set on an essential container.",
    family="ECS properties jobs",
    ops=("RegisterJobDefinition",),
)
@ecs
@pytest.mark.parametrize(
    ("containers", "message"),
    [
        ([_container("a", "i", essential=False)], "at least one essential"),
        ([_container("a", "i"), _container("a", "i")], "used twice"),
        (
            [_container("a", "i", dependsOn=[{"containerName": "z", "condition": "START"}])],
            "no other container",
        ),
        (
            [
                _container("a", "i"),
                _container("b", "i", dependsOn=[{"containerName": "a", "condition": "SUCCESS"}]),
            ],
            "cannot be set on essential",
        ),
        (
            [
                _container("a", "i", dependsOn=[{"containerName": "b", "condition": "START"}]),
                _container("b", "i", dependsOn=[{"containerName": "a", "condition": "START"}]),
            ],
            "cycle",
        ),
        pytest.param(
            [_container("a", "i", startTimeout=1)],
            r"startTimeout is 1 seconds; the minimum is 2",
            marks=needs_shape_member("TaskContainerProperties", "startTimeout"),
        ),
        pytest.param(
            [_container("a", "i", stopTimeout=0)],
            r"stopTimeout is 0 seconds; the minimum is 2",
            marks=needs_shape_member("TaskContainerProperties", "stopTimeout"),
        ),
    ],
)
@pytest.mark.aws_doc(
    "botocore: TaskContainerProperties",
    "Time duration (in seconds) to wait before giving up on resolving dependencies for a "
    "container. The minimum value is 2 seconds",
    family="ECS properties jobs",
    ops=("RegisterJobDefinition",),
)
def test_ecs_definitions_are_checked(batch: Any, containers: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ClientError, match=message):
        _register_ecs(batch, *containers)


# -- EKS ---------------------------------------------------------------------------------


def _eks_container(name: str, image: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, "command": [name], **extra}


@pytest.mark.aws_doc(
    "UG: Amazon EKS jobs",
    "The podProperties of a running job have podName and nodeName parameters set for the current "
    "job attempt.",
    family="EKS properties jobs",
    ops=("DescribeJobs",),
)
@pytest.mark.aws_doc(
    "API: EksPodProperties",
    "These containers run before application containers, always runs to completion, and must "
    "complete successfully before the next container starts.",
    family="EKS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
@init_containers
def test_init_containers_run_first_and_in_order(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    order: list[str] = []

    def record(job: JobRun) -> None:
        order.append(job.container_name or "")

    fake_batch.handler("img:*")(record)
    pod = {
        "containers": [_eks_container("main", "img:1"), _eks_container("side", "img:1")],
        "initContainers": [_eks_container("first", "img:1"), _eks_container("second", "img:1")],
        "metadata": {"labels": {"team": "data"}},
    }
    definition = _register_eks(batch, pod)
    job = _describe(batch, _submit(batch, queue, definition))
    assert order == ["first", "second", "main", "side"]
    assert job["status"] == "SUCCEEDED"
    shown = job["eksProperties"]["podProperties"]
    assert shown["podName"].startswith("aws-batch.")
    assert shown["nodeName"].endswith(".ec2.internal")
    assert shown["metadata"] == {"labels": {"team": "data"}}
    assert [c["name"] for c in shown["initContainers"]] == ["first", "second"]
    assert [c["exitCode"] for c in shown["containers"]] == [0, 0]
    attempt = job["eksAttempts"][0]
    assert attempt["podName"] == shown["podName"]
    assert attempt["nodeName"] == shown["nodeName"]
    assert [c["exitCode"] for c in attempt["containers"]] == [0, 0]
    assert "container" not in job
    assert job["attempts"] == []


@pytest.mark.aws_doc(
    "API: EksPodProperties",
    "These containers run before application containers, always runs to completion, and must "
    "complete successfully before the next container starts.",
    family="EKS properties jobs",
    ops=("SubmitJob", "DescribeJobs"),
)
@init_containers
def test_a_failing_init_container_fails_the_pod(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    order: list[str] = []

    def record(job: JobRun) -> int:
        order.append(job.container_name or "")
        return 2 if job.container_name == "first" else 0

    fake_batch.handler("img:*")(record)
    pod = {
        "containers": [_eks_container("main", "img:1")],
        "initContainers": [_eks_container("first", "img:1"), _eks_container("second", "img:1")],
    }
    job = _describe(batch, _submit(batch, queue, _register_eks(batch, pod)))
    assert order == ["first"]
    assert job["status"] == "FAILED"
    init = job["eksProperties"]["podProperties"]["initContainers"]
    assert init[0]["exitCode"] == 2
    assert "exitCode" not in init[1]
    assert "exitCode" not in job["eksProperties"]["podProperties"]["containers"][0]


@eks
def test_any_failing_container_fails_the_pod(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    fake_batch.handler("bad:*")(lambda job: Exit(4, reason="broken"))
    pod = {"containers": [_eks_container("main", "img:1"), _eks_container("side", "bad:1")]}
    job = _describe(batch, _submit(batch, queue, _register_eks(batch, pod)))
    assert job["status"] == "FAILED"
    side = job["eksProperties"]["podProperties"]["containers"][1]
    assert side["exitCode"] == 4
    assert side["reason"] == "broken"


@pytest.mark.aws_doc(
    "UG: Amazon EKS jobs",
    "For a job with retries enabled, the podName and nodeName of every completed attempt is in the "
    "eksAttempts list parameter",
    family="EKS properties jobs",
    ops=("DescribeJobs",),
)
@eks
def test_a_retried_eks_job_gets_a_pod_per_attempt(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    attempts: list[str] = []

    def flaky(job: JobRun) -> int:
        attempts.append(job.env["AWS_BATCH_JOB_ATTEMPT"])
        assert job.env["AWS_BATCH_JOB_KUBERNETES_NODE_UID"]
        return 1 if job.attempt == 1 else 0

    fake_batch.handler("img:*")(flaky)
    definition = _register_eks(batch, {"containers": [_eks_container("main", "img:1")]})
    job = _describe(batch, _submit(batch, queue, definition, retryStrategy={"attempts": 2}))
    assert attempts == ["1", "2"]
    assert job["status"] == "SUCCEEDED"
    first, second = job["eksAttempts"]
    assert first["containers"][0]["exitCode"] == 1
    assert second["containers"][0]["exitCode"] == 0
    assert first["podName"] != second["podName"]
    assert job["eksProperties"]["podProperties"]["podName"] == second["podName"]


@pytest.mark.aws_doc(
    "botocore: EksContainerOverride",
    "You can add new environment variables, which are added to the container at launch. Or, you "
    "can override the existing environment variables from the Docker image or the job definition.",
    family="EKS properties jobs",
    ops=("SubmitJob",),
)
@named_overrides
def test_eks_overrides_and_parameters(batch: Any, queue: str, fake_batch: FakeBatch) -> None:
    seen: list[JobRun] = []
    fake_batch.handler("*")(seen.append)
    pod = {
        "containers": [_eks_container("main", "img:1", args=["Ref::day"], env=[{"name": "A", "value": "1"}])]
    }
    definition = _register_eks(batch, pod, parameters={"day": "mon"})
    override = {
        "podProperties": {
            "containers": [{"name": "main", "image": "other:2", "env": [{"name": "B", "value": "2"}]}]
        }
    }
    job = _describe(batch, _submit(batch, queue, definition, eksPropertiesOverride=override))
    assert seen[0].image == "other:2"
    assert seen[0].command == ["main", "mon"]
    assert seen[0].env["B"] == "2"
    assert seen[0].env["A"] == "1"
    assert job["eksProperties"]["podProperties"]["containers"][0]["image"] == "other:2"


def test_overrides_must_match_the_kind_of_definition(batch: Any, queue: str, definition: str) -> None:
    with pytest.raises(ClientError, match="eksPropertiesOverride applies only"):
        _submit(batch, queue, definition, eksPropertiesOverride={"podProperties": {}})


@ecs
@pytest.mark.aws_doc(
    "botocore: TaskContainerOverrides",
    "This parameter can't contain an empty string.",
    family="ECS properties jobs",
    ops=("SubmitJob",),
)
def test_an_override_command_cannot_contain_an_empty_string(batch: Any, queue: str) -> None:
    definition = _register_ecs(batch, _container("a", "img:1"))
    override = {"taskProperties": [{"containers": [{"name": "a", "command": ["run", ""]}]}]}
    with pytest.raises(ClientError, match=r"command can't contain an empty string \(argument 1\)"):
        _submit(batch, queue, definition, ecsPropertiesOverride=override)
    assert batch.list_jobs(jobQueue=queue, jobStatus="SUCCEEDED")["jobSummaryList"] == []
