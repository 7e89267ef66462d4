"""How a job attempt becomes the container Docker creates, checked without Docker: every
container property the Docker executor maps (``container_args``), the image mapping, the log
parsing and how an exit is read. Runs whether or not an engine answers."""

from __future__ import annotations

from typing import Any

import docker
import pytest

from pytest_fakebatch.executors.base import AttemptSpec
from pytest_fakebatch.executors.docker_args import container_args, epoch_ms, parse_logs, resolve_image
from pytest_fakebatch.executors.docker_engine import default_network
from pytest_fakebatch.executors.docker_waiting import await_exit

MIB = 2**20


def spec(
    container: dict[str, Any] | None = None,
    *,
    command: list[str] | None = None,
    environment: dict[str, str] | None = None,
    vcpus: float = 1.0,
    memory_mib: int | None = 512,
) -> AttemptSpec:
    return AttemptSpec(
        job_id="job-1",
        job_name="mapped",
        attempt=1,
        definition_name="mapped",
        queue_name="q",
        image="worker:latest",
        command=["echo", "hi"] if command is None else command,
        environment={"AWS_BATCH_JOB_ID": "job-1"} if environment is None else environment,
        container=container or {},
        vcpus=vcpus,
        memory_mib=memory_mib,
        log_stream="mapped/default/1",
        array_index=None,
        parameters={},
    )


def host(container: dict[str, Any], **more: Any) -> dict[str, Any]:
    config: dict[str, Any] = container_args(spec(container, **more), "local:1", 4.0, None)["host_config"]
    return config


def linux(**parameters: Any) -> dict[str, Any]:
    return host({"linuxParameters": parameters})


def test_a_plain_container_gets_its_image_command_environment_and_limits() -> None:
    args = container_args(spec(), "local:1", 4.0, None)

    assert args == {
        "image": "local:1",
        "command": ["echo", "hi"],
        "environment": {"AWS_BATCH_JOB_ID": "job-1"},
        "user": None,
        "volumes": None,
        "host_config": {
            "read_only": False,
            "privileged": False,
            "network_mode": None,
            "nano_cpus": 1_000_000_000,
            "mem_limit": 512 * MIB,
            "memswap_limit": 512 * MIB,
        },
    }


def test_no_command_leaves_the_images_own() -> None:
    assert container_args(spec(command=[]), "local:1", 4.0, None)["command"] is None


@pytest.mark.aws_doc(
    "botocore: ContainerProperties.user",
    "The user name to use inside the container. This parameter maps to User in the Create a container "
    "section of the Docker Remote API and the --user option to docker run.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_user_maps_to_the_containers_user() -> None:
    assert container_args(spec({"user": "nobody"}), "local:1", 4.0, None)["user"] == "nobody"


@pytest.mark.aws_doc(
    "botocore: ContainerProperties.privileged",
    "When this parameter is true, the container is given elevated permissions on the host container "
    "instance (similar to the root user). This parameter maps to Privileged ... The default value is false.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_privileged() -> None:
    assert host({"privileged": True})["privileged"] is True
    assert host({"privileged": False})["privileged"] is False
    assert host({})["privileged"] is False


@pytest.mark.aws_doc(
    "botocore: ContainerProperties.readonlyRootFilesystem",
    "When this parameter is true, the container is given read-only access to its root file system. "
    "This parameter maps to ReadonlyRootfs",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_read_only_root_filesystem() -> None:
    assert host({"readonlyRootFilesystem": True})["read_only"] is True
    assert host({})["read_only"] is False


def test_vcpus_become_a_cpu_limit_no_larger_than_the_host() -> None:
    assert container_args(spec(vcpus=0.25), "i", 4.0, None)["host_config"]["nano_cpus"] == 250_000_000
    assert container_args(spec(vcpus=16), "i", 4.0, None)["host_config"]["nano_cpus"] == 4_000_000_000
    assert "nano_cpus" not in container_args(spec(vcpus=0), "i", 4.0, None)["host_config"]


@pytest.mark.aws_doc(
    "botocore: ContainerProperties.memory",
    "it specifies the memory hard limit (in MiB) for a container. If your container attempts to exceed "
    "the specified number, it's terminated. You must specify at least 4 MiB of memory",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_memory_is_a_hard_limit_and_docker_gets_at_least_its_own_floor() -> None:
    assert host({}, memory_mib=2048)["mem_limit"] == 2048 * MIB
    # AWS accepts 4 MiB; Docker refuses less than 6 MiB, so 4 runs as 6
    assert host({}, memory_mib=4)["mem_limit"] == 6 * MIB
    assert "mem_limit" not in host({}, memory_mib=None)


@pytest.mark.aws_doc(
    "botocore: LinuxParameters.maxSwap",
    "This parameter is translated to the --memory-swap option to docker run where the value is the sum "
    "of the container memory plus the maxSwap value. ... If a maxSwap value of 0 is specified, the "
    "container doesn't use swap.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_max_swap_adds_to_the_memory_limit() -> None:
    assert host({"linuxParameters": {"maxSwap": 1024}}, memory_mib=512)["memswap_limit"] == 1536 * MIB
    assert host({"linuxParameters": {"maxSwap": 0}}, memory_mib=512)["memswap_limit"] == 512 * MIB


@pytest.mark.aws_doc(
    "botocore: LinuxParameters.swappiness",
    "If a value isn't specified for maxSwap, then this parameter is ignored. ... This parameter maps to "
    "the --memory-swappiness option to docker run.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_swappiness_applies_with_max_swap_only() -> None:
    assert linux(maxSwap=256, swappiness=0)["mem_swappiness"] == 0
    assert linux(maxSwap=256, swappiness=100)["mem_swappiness"] == 100
    assert "mem_swappiness" not in linux(swappiness=10)


@pytest.mark.aws_doc(
    "botocore: LinuxParameters.initProcessEnabled",
    "If true, run an init process inside the container that forwards signals and reaps processes. "
    "This parameter maps to the --init option to docker run.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_init_process() -> None:
    assert linux(initProcessEnabled=True)["init"] is True
    assert "init" not in linux(initProcessEnabled=False)


@pytest.mark.aws_doc(
    "botocore: LinuxParameters.sharedMemorySize",
    "The value for the size (in MiB) of the /dev/shm volume. This parameter maps to the --shm-size "
    "option to docker run.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_shared_memory_size_is_in_mib() -> None:
    assert linux(sharedMemorySize=64)["shm_size"] == 64 * MIB
    assert "shm_size" not in linux()


@pytest.mark.aws_doc(
    "botocore: LinuxParameters.tmpfs",
    "The container path, mount options, and size (in MiB) of the tmpfs mount. This parameter maps to "
    "the --tmpfs option to docker run.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_tmpfs_mounts_carry_size_and_options() -> None:
    mounts = [
        {"containerPath": "/scratch", "size": 128},
        {"containerPath": "/fast", "size": 16, "mountOptions": ["noexec", "nosuid"]},
    ]
    assert linux(tmpfs=mounts)["tmpfs"] == {"/scratch": "size=128m", "/fast": "size=16m,noexec,nosuid"}


@pytest.mark.aws_doc(
    "botocore: Device.permissions",
    "The explicit permissions to provide to the container for the device. By default, the container "
    "has permissions for read, write, and mknod for the device.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_devices_default_to_the_host_path_and_every_permission() -> None:
    devices = [
        {"hostPath": "/dev/fuse"},
        {"hostPath": "/dev/nvidia0", "containerPath": "/dev/gpu", "permissions": ["READ", "WRITE"]},
        {"hostPath": "/dev/kvm", "permissions": ["MKNOD"]},
    ]
    assert linux(devices=devices)["devices"] == [
        "/dev/fuse:/dev/fuse:rwm",
        "/dev/nvidia0:/dev/gpu:rw",
        "/dev/kvm:/dev/kvm:m",
    ]


@pytest.mark.aws_doc(
    "botocore: ContainerProperties.ulimits",
    "A list of ulimits to set in the container. This parameter maps to Ulimits in the Create a container "
    "section of the Docker Remote API and the --ulimit option to docker run.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_ulimits() -> None:
    ulimits = [
        {"name": "nofile", "softLimit": 1024, "hardLimit": 4096},
        {"name": "core", "softLimit": 0, "hardLimit": 0},
    ]
    assert host({"ulimits": ulimits})["ulimits"] == [
        {"Name": "nofile", "Soft": 1024, "Hard": 4096},
        {"Name": "core", "Soft": 0, "Hard": 0},
    ]


@pytest.mark.aws_doc(
    "botocore: MountPoint.readOnly",
    "If this value is true, the container has read-only access to the volume. Otherwise, the container "
    "can write to the volume. The default value is false.",
    family="Container jobs",
    ops=("RegisterJobDefinition",),
)
def test_host_volumes_are_bound_and_others_are_anonymous() -> None:
    container = {
        "volumes": [
            {"name": "data", "host": {"sourcePath": "/srv/data"}},
            {"name": "cache", "host": {"sourcePath": "/srv/cache"}},
            {"name": "scratch"},
            {"name": "shared", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}},
        ],
        "mountPoints": [
            {"sourceVolume": "data", "containerPath": "/data", "readOnly": True},
            {"sourceVolume": "cache", "containerPath": "/cache"},
            {"sourceVolume": "scratch", "containerPath": "/scratch"},
            {"sourceVolume": "shared", "containerPath": "/shared", "readOnly": False},
        ],
    }
    args = container_args(spec(container), "local:1", 4.0, None)

    assert args["host_config"]["binds"] == ["/srv/data:/data:ro", "/srv/cache:/cache:rw"]
    assert args["volumes"] == ["/scratch", "/shared"]


def network(
    environment: dict[str, str] | None = None, chosen: str | None = None, engine_network: str | None = None
) -> Any:
    """The network mode of the container for a job of ``environment``: ``chosen`` is the user's
    ``network=``, ``engine_network`` what stands for the engine's default."""
    args = container_args(spec(environment=environment or {}), "i", 4.0, chosen, engine_network)
    return args["host_config"]["network_mode"]


def test_the_network_is_the_hosts_when_the_job_is_told_to_reach_a_loopback_endpoint() -> None:
    assert network({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}) == "host"
    assert network({"AWS_ENDPOINT_URL_BATCH": "http://localhost:5000"}) == "host"
    assert network({"AWS_ENDPOINT_URL": "https://[::1]:443"}) == "host"
    assert network({"AWS_ENDPOINT_URL": "http://batch.internal:5000"}) is None
    assert network({"OTHER_URL": "http://127.0.0.1:5000"}) is None
    assert network({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, "fakebatch-net") == "fakebatch-net"


def test_on_an_engine_started_without_its_bridge_containers_get_none() -> None:
    class Engine:  # the docker SDK's client, as far as default_network asks it
        def __init__(self, *networks: str, refuses: bool = False) -> None:
            self.api = self
            self.networks_there = networks
            self.refuses = refuses

        def networks(self) -> list[dict[str, str]]:
            if self.refuses:  # a socket proxy that does not serve /networks
                raise docker.errors.APIError("403 Client Error: Forbidden")
            return [{"Name": n} for n in self.networks_there]

    assert default_network(Engine("host", "none")) == "none"  # dockerd --bridge=none
    # everywhere else, the engine's own default network
    assert default_network(Engine("bridge", "host", "none")) is None  # Docker
    assert default_network(Engine("podman", "host", "none")) is None  # Podman's Docker API
    assert default_network(Engine("nat", "none")) is None  # Windows containers
    assert default_network(Engine("host", "none", "my-net")) is None  # a network someone made
    assert default_network(Engine(refuses=True)) is None
    assert network(engine_network="none") == "none"
    assert network(engine_network=None) is None
    loopback = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}
    assert network(loopback, engine_network="none") == "host"  # to reach serve()
    assert network(chosen="fakebatch-net", engine_network="none") == "fakebatch-net"


def test_image_mapping_takes_the_first_matching_glob() -> None:
    images = {"busybox*": "local-busybox:1", "*": "fallback:1"}
    assert resolve_image(images, "busybox:latest") == "local-busybox:1"
    assert resolve_image(images, "python:3.12") == "fallback:1"
    assert resolve_image({}, "python:3.12") == "python:3.12"
    assert resolve_image({"Busybox*": "x"}, "busybox") == "busybox"  # globs are case-sensitive


def test_log_lines_keep_dockers_timestamps_in_epoch_ms() -> None:
    raw = b"2024-01-02T03:04:05.678901234Z one\n2024-01-02T03:04:06Z two words\ncontinued\r\n"
    assert parse_logs(raw) == [
        (1704164645678, "one"),
        (1704164646000, "two words"),
        (1704164646000, "continued"),
    ]
    assert epoch_ms("2024-01-02T05:04:05+02:00") == 1704164645000
    assert epoch_ms("0001-01-01T00:00:00Z") is None  # Docker's zero time
    assert epoch_ms("yesterday") is None


class Exited:
    """The docker SDK's low-level client, as far as await_exit asks it: a container that exited
    137, whose OOM kill the engine records only at its ``oom_at``-th inspection (None: never)."""

    def __init__(self, oom_at: int | None) -> None:
        self.oom_at = oom_at
        self.inspections = 0

    def wait(self, cid: str) -> dict[str, int]:
        return {"StatusCode": 137}

    def inspect_container(self, cid: str) -> dict[str, Any]:
        self.inspections += 1
        oom = self.oom_at is not None and self.inspections >= self.oom_at
        return {"State": {"Status": "exited", "ExitCode": 137, "OOMKilled": oom}}

    def _url(self, path: str, cid: str) -> str:
        return path.format(cid)

    def _get(self, url: str, **_: Any) -> str:
        return url

    def _get_result_tty(self, stream: bool, answer: Any, tty: bool) -> bytes:
        return b""


def test_an_oom_kill_the_engine_records_after_the_exit_is_still_an_oom_kill() -> None:
    # dockerd's OOM event may come after the exit event that ends wait
    late = Exited(oom_at=3)
    assert await_exit(late, "c", ()).state["OOMKilled"] is True
    assert late.inspections == 3


def test_a_kill_the_executor_asked_for_is_read_once() -> None:
    stopped = Exited(oom_at=None)
    assert await_exit(stopped, "c", (), lambda: True).state["OOMKilled"] is False
    assert stopped.inspections == 1
