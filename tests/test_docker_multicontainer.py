"""ECS-properties jobs in Docker mode: each container of the task is a real container.

Like tests/test_docker_run.py, every test runs in Docker mode through the marker, with the job image
``busybox:latest`` mapped to a busybox image built here offline; the module is skipped only
when no Docker engine answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator
from typing import Any

import docker
import pytest
from busybox_image import IMAGE, ensure_busybox_image
from installed_model import needs_member

from pytest_fakebatch.executors.docker import LABEL, SESSION_ID

try:
    ENGINE = docker.from_env(timeout=30)
    ENGINE.ping()
except Exception as error:
    pytest.skip(f"no Docker engine answers: {error}", allow_module_level=True)

pytestmark = [
    # real containers take real seconds, which the jobs' timestamps show
    pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE}, clock="wall"),
    needs_member("RegisterJobDefinition", "ecsProperties"),
]


@pytest.fixture(scope="session")
def busybox_image() -> str:
    return ensure_busybox_image(ENGINE)


def ours(**labels: str) -> list[Any]:
    wanted = [f"{LABEL}=1", f"{LABEL}.session={SESSION_ID}"] + [f"{k}={v}" for k, v in labels.items()]
    return list(ENGINE.containers.list(all=True, sparse=True, filters={"label": wanted}))


@pytest.fixture(autouse=True)
def no_containers_left(busybox_image: str) -> Iterator[None]:
    """After each test, and after the fake has stopped: no container of ours is left."""
    yield
    left = ours()
    for container in left:
        container.remove(force=True)
    assert not left, f"containers left behind: {[c.attrs.get('Names') for c in left]}"


def wait_for(batch: Any, job_id: str, timeout: float = 30) -> Any:
    """Describe ``job_id`` until it is SUCCEEDED or FAILED (its containers run in real time)."""
    deadline = time.monotonic() + timeout
    while True:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} is still {job['status']} after {timeout}s"
        time.sleep(0.05)


def _container(name: str, script: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": "busybox:latest",
        "command": ["sh", "-c", script],
        "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}],
        **extra,
    }


def test_the_sidecars_output_and_the_main_containers_exit_decide(batch: Any, logs: Any, queue: str) -> None:
    batch.register_job_definition(
        jobDefinitionName="pair",
        type="container",
        ecsProperties={
            "taskProperties": [
                {
                    "containers": [
                        _container("sidecar", "echo prepared by $AWS_BATCH_JOB_ID", essential=False),
                        _container(
                            "main",
                            "echo main ran; exit 3",
                            dependsOn=[{"containerName": "sidecar", "condition": "SUCCESS"}],
                        ),
                    ]
                }
            ]
        },
    )
    job_id = batch.submit_job(jobName="pair", jobQueue=queue, jobDefinition="pair")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    containers = {c["name"]: c for c in job["ecsProperties"]["taskProperties"][0]["containers"]}
    assert containers["main"]["exitCode"] == 3
    assert containers["sidecar"]["exitCode"] == 0
    for name, line in (("sidecar", f"prepared by {job_id}"), ("main", "main ran")):
        stream = containers[name]["logStreamName"]
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
        assert [e["message"] for e in events] == [line]


def test_an_essential_exit_stops_a_running_sidecar(batch: Any, queue: str) -> None:
    batch.register_job_definition(
        jobDefinitionName="stopper",
        type="container",
        ecsProperties={
            "taskProperties": [
                {
                    "containers": [
                        _container("server", "exec sleep 60", essential=False),
                        _container(
                            "main",
                            "exit 0",
                            dependsOn=[{"containerName": "server", "condition": "START"}],
                        ),
                    ]
                }
            ]
        },
    )
    started = time.monotonic()
    job_id = batch.submit_job(jobName="stopper", jobQueue=queue, jobDefinition="stopper")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    assert time.monotonic() - started < 30  # the sidecar's 60 s sleep was cut short
    containers = {c["name"]: c for c in job["ecsProperties"]["taskProperties"][0]["containers"]}
    assert containers["main"]["exitCode"] == 0
    assert containers["server"]["exitCode"] != 0  # stopped (SIGTERM, then SIGKILL)


IN_STARTING = (
    "Image pull duration, Amazon EKS initContainer completion duration, and Amazon ECS "
    "containerDependency resolution duration occur in the STARTING state."
)


@pytest.mark.aws_doc("UG: Job states", IN_STARTING, family="ECS properties jobs", ops=("DescribeJobs",))
def test_the_job_is_starting_while_the_container_it_depends_on_runs(
    batch: Any, queue: str, fake_batch: Any
) -> None:
    batch.register_job_definition(
        jobDefinitionName="prepared",
        type="container",
        ecsProperties={
            "taskProperties": [
                {
                    "containers": [
                        _container("setup", "sleep 2; echo ready", essential=False),
                        _container(
                            "main",
                            "echo main ran",
                            dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}],
                        ),
                    ]
                }
            ]
        },
    )
    job_id = batch.submit_job(jobName="prepared", jobQueue=queue, jobDefinition="prepared")["jobId"]
    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "STARTING"

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    changes = [(e.status, e.time_ms) for e in fake_batch.events.filter(job=job_id)]
    assert [status for status, _ in changes][-3:] == ["STARTING", "RUNNING", "SUCCEEDED"]
    (starting, running, _) = (time for _, time in changes[-3:])
    assert running == job["startedAt"]
    assert running - starting >= 1900  # the setup container's two seconds were spent STARTING


@needs_member("RegisterJobDefinition", "eksProperties")
@pytest.mark.aws_doc("UG: Job states", IN_STARTING, family="EKS properties jobs", ops=("DescribeJobs",))
def test_an_eks_job_is_starting_while_its_init_container_runs(batch: Any, queue: str) -> None:
    pod = {
        "initContainers": [
            {"name": "fetch", "image": "busybox:latest", "command": ["sh", "-c", "sleep 2; echo fetched"]}
        ],
        "containers": [
            {"name": "main", "image": "busybox:latest", "command": ["sh", "-c"], "args": ["exit 4"]}
        ],
    }
    batch.register_job_definition(
        jobDefinitionName="pod", type="container", eksProperties={"podProperties": pod}
    )
    job_id = batch.submit_job(jobName="pod", jobQueue=queue, jobDefinition="pod")["jobId"]
    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "STARTING"

    job = wait_for(batch, job_id)

    assert job["status"] == "FAILED"
    (attempt,) = job["eksAttempts"]
    assert [c["exitCode"] for c in attempt["initContainers"]] == [0]
    assert [c["exitCode"] for c in attempt["containers"]] == [4]
    assert attempt["startedAt"] == job["startedAt"]


ENTRY_CHANGES = ['ENTRYPOINT ["echo", "entry"]', 'CMD ["image-cmd"]']
# named after what it holds: an image from before a change to ENTRY_CHANGES is never reused
ENTRY_IMAGE = f"fakebatch-entrypoint:{hashlib.sha256(repr(ENTRY_CHANGES).encode()).hexdigest()[:12]}"


@pytest.fixture
def entrypoint_image(busybox_image: str) -> str:
    """The busybox image with ``ENTRYPOINT ["echo", "entry"]`` and ``CMD ["image-cmd"]``, made
    once per engine (a commit per run would leave the engine one untagged image more each time)."""
    with contextlib.suppress(docker.errors.ImageNotFound):
        ENGINE.images.get(ENTRY_IMAGE)
        return ENTRY_IMAGE
    container = ENGINE.containers.create(busybox_image, command=["true"])
    try:
        repository, tag = ENTRY_IMAGE.split(":")
        container.commit(repository, tag, changes=ENTRY_CHANGES)
    finally:
        container.remove(force=True)
    return ENTRY_IMAGE


@needs_member("RegisterJobDefinition", "eksProperties")
@pytest.mark.fakebatch(docker=True, images={"busybox*": IMAGE, "entry*": ENTRY_IMAGE})
@pytest.mark.aws_doc(
    "botocore: EksContainer",
    "The entrypoint for the container. This isn't run within a shell. If this isn't "
    "specified, the ENTRYPOINT of the container image is used.",
    family="EKS properties jobs",
    ops=("RegisterJobDefinition", "SubmitJob"),
)
@pytest.mark.aws_doc(
    "botocore: EksContainer",
    "An array of arguments to the entrypoint. If this isn't specified, the CMD of the container "
    "image is used.",
    family="EKS properties jobs",
    ops=("RegisterJobDefinition", "SubmitJob"),
)
def test_command_replaces_the_entrypoint_and_args_the_cmd(
    batch: Any, logs: Any, queue: str, entrypoint_image: str
) -> None:
    cases = {
        "neither": {},
        "args": {"args": ["given", "$(WHO)"]},
        "command": {"command": ["echo", "replaced"]},
        "both": {"command": ["echo", "replaced"], "args": ["and", "$(WHO)"]},
    }
    containers = [
        {"name": name, "image": "entry:1", "env": [{"name": "WHO", "value": "me"}], **fields}
        for name, fields in cases.items()
    ]
    batch.register_job_definition(
        jobDefinitionName="entry",
        type="container",
        eksProperties={"podProperties": {"containers": containers}},
    )
    job_id = batch.submit_job(jobName="entry", jobQueue=queue, jobDefinition="entry")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    (attempt,) = job["eksAttempts"]
    said = {}
    for container in attempt["containers"]:  # the queue's environment has no eksConfiguration
        stream = f"entry/{container['name']}/"
        streams = logs.describe_log_streams(logGroupName="/aws/batch/job", logStreamNamePrefix=stream)
        (name,) = [s["logStreamName"] for s in streams["logStreams"]]
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=name)["events"]
        said[container["name"]] = [e["message"] for e in events]
    assert said == {
        "neither": ["entry image-cmd"],
        "args": ["entry given me"],
        "command": ["replaced"],
        "both": ["replaced and me"],
    }


@pytest.mark.aws_doc(
    "botocore: Volume",
    "If the host parameter is empty, then the Docker daemon assigns a host path for your data volume.",
    family="ECS properties jobs",
    ops=("RegisterJobDefinition", "SubmitJob"),
)
def test_the_containers_of_a_task_share_its_volumes(batch: Any, logs: Any, queue: str) -> None:
    mount = [{"sourceVolume": "work", "containerPath": "/work"}]
    batch.register_job_definition(
        jobDefinitionName="shared",
        type="container",
        ecsProperties={
            "taskProperties": [
                {
                    "volumes": [{"name": "work"}],
                    "containers": [
                        _container(
                            "setup", "echo $AWS_BATCH_JOB_ID > /work/id", essential=False, mountPoints=mount
                        ),
                        _container(
                            "main",
                            "cat /work/id",
                            mountPoints=mount,
                            dependsOn=[{"containerName": "setup", "condition": "SUCCESS"}],
                        ),
                    ],
                }
            ]
        },
    )
    job_id = batch.submit_job(jobName="shared", jobQueue=queue, jobDefinition="shared")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    main = job["ecsProperties"]["taskProperties"][0]["containers"][1]
    events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=main["logStreamName"])["events"]
    assert [e["message"] for e in events] == [job_id]


@needs_member("RegisterJobDefinition", "eksProperties")
@pytest.mark.aws_doc(
    "botocore: EksContainer",
    "The volume mounts for the container. Batch supports emptyDir, hostPath, and secret volume types.",
    family="EKS properties jobs",
    ops=("RegisterJobDefinition", "SubmitJob"),
)
def test_a_pod_s_containers_share_an_empty_dir(batch: Any, logs: Any, queue: str) -> None:
    mounts = [{"name": "scratch", "mountPath": "/scratch"}]
    pod = {
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        "initContainers": [
            {
                "name": "fetch",
                "image": "busybox:latest",
                "command": ["sh", "-c", "echo fetched > /scratch/data"],
                "volumeMounts": mounts,
            }
        ],
        "containers": [
            {
                "name": "main",
                "image": "busybox:latest",
                "command": ["cat", "/scratch/data"],
                "volumeMounts": mounts,
            }
        ],
    }
    batch.register_job_definition(
        jobDefinitionName="pod", type="container", eksProperties={"podProperties": pod}
    )
    job_id = batch.submit_job(jobName="pod", jobQueue=queue, jobDefinition="pod")["jobId"]

    job = wait_for(batch, job_id)

    assert job["status"] == "SUCCEEDED"
    streams = logs.describe_log_streams(logGroupName="/aws/batch/job", logStreamNamePrefix="pod/main/")
    (stream,) = [s["logStreamName"] for s in streams["logStreams"]]
    events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
    assert [e["message"] for e in events] == ["fetched"]
