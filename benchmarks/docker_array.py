"""Docker: an array job through the fake's Docker executor, against the floor: the same
containers run straight through the docker SDK with a thread pool of the same concurrency.

Needs a Docker engine (the section is skipped when ``docker info`` does not answer); pulls
nothing: the busybox image is built offline from the host's static busybox when it is
missing. Each concurrency runs in a fresh process: 8 containers warm the engine up (the
first ones are slower), then the floor and the fake take turns, REPEAT runs each, so that
drift in the engine hits both; the medians are compared. Every run checks each child's
output, and the process counts the containers it left behind; after a size that failed, the section
counts (and removes) the floor's containers a failed process left (the fake's own sweep removes
its containers of a process that died).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import REGION, Table, emit, expect, fmt_count, fmt_time, log, try_child

COMMAND = ["sh", "-c", "echo $AWS_BATCH_JOB_ARRAY_INDEX"]
FLOOR_LABEL = "pytest-fakebatch-benchmark-floor"
POLL_SECONDS = 0.01  # how often the "user" describes the array while it runs
# (array size, concurrency = max_containers, interleaved runs of each)
FULL = ((100, 4, 2), (100, 8, 2), (100, 16, 2), (1000, 16, 2))
QUICK = ((50, 8, 1),)
TARGET_RATIO = 1.05
# a container that echoes takes a second or two; an engine that lost its exit (dockerd 20.10
# under load: "shim disconnected") never answers the floor's wait: fail the run instead of hanging
FLOOR_WAIT_S = 300


def engine_answers() -> bool:
    try:
        answer = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return answer.returncode == 0


def run_floor(client: Any, image: str, size: int, concurrency: int) -> tuple[float, list[str]]:
    """create, start, wait, logs, remove: each container on its own thread of the pool, on the
    network the executor gives it (``"none"`` on an engine started with ``--bridge=none``)."""
    from pytest_fakebatch.executors.docker_engine import default_network

    network = default_network(client)

    def one(index: int) -> str:
        container = client.api.create_container(
            image,
            COMMAND,
            environment={"AWS_BATCH_JOB_ARRAY_INDEX": str(index)},
            labels={FLOOR_LABEL: "1"},
            host_config=client.api.create_host_config(
                nano_cpus=10**9, mem_limit=64 * 2**20, network_mode=network
            ),
        )["Id"]
        client.api.start(container)
        client.api.wait(container, timeout=FLOOR_WAIT_S)
        output: str = client.api.logs(container, stdout=True, stderr=True, timestamps=True).decode()
        client.api.remove_container(container, force=True)
        return output.split(" ", 1)[1].strip()

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outputs = list(pool.map(one, range(size)))
    return time.perf_counter() - began, outputs


def _remove_floor_containers() -> int:
    """Remove the floor's containers still on the engine (a run that failed or was killed left
    them: only this benchmark's label is matched); how many there were."""
    listed = subprocess.run(
        ["docker", "ps", "-a", "-q", "--filter", f"label={FLOOR_LABEL}=1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    ids = listed.stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=600, check=False)
    return len(ids)


def run_fake(executor: Any, size: int) -> tuple[float, list[str]]:
    """The array through boto3 and the fake on EXECUTOR, polled the way a user's code polls Batch."""
    import boto3

    from pytest_fakebatch import FakeBatch

    with FakeBatch(executor=executor) as fake:
        batch = boto3.client("batch", region_name=REGION)
        batch.create_compute_environment(
            computeEnvironmentName="ce",
            type="MANAGED",
            computeResources={"type": "EC2", "maxvCpus": 10_000, "subnets": ["s"], "instanceRole": "r"},
        )
        batch.create_job_queue(
            jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
        batch.register_job_definition(
            jobDefinitionName="echo",
            type="container",
            containerProperties={"image": "busybox:latest", "command": COMMAND, "vcpus": 1, "memory": 64},
        )
        began = time.perf_counter()
        parent = batch.submit_job(
            jobName="echo", jobQueue="q", jobDefinition="echo", arrayProperties={"size": size}
        )["jobId"]
        deadline = time.monotonic() + 600
        while batch.describe_jobs(jobs=[parent])["jobs"][0]["status"] not in ("SUCCEEDED", "FAILED"):
            if time.monotonic() > deadline:  # the message reads the fake: only once it failed
                expect(False, f"the array did not finish: {fake.job(parent)}")
            time.sleep(POLL_SECONDS)  # the containers are real processes: give them real time
        elapsed = time.perf_counter() - began
        outputs = [" ".join(fake.job(f"{parent}:{i}").output) for i in range(size)]
        status = fake.job(parent).status
    expect(status == "SUCCEEDED", f"the array ended {status}")
    return elapsed, outputs


def child(args: list[str]) -> None:
    """``SIZE CONCURRENCY REPEAT``: the floor and the fake, REPEAT runs each, interleaved."""
    size, concurrency, repeat = (int(a) for a in args)
    import docker

    from pytest_fakebatch.executors.docker import LABEL, SESSION_ID, DockerExecutor

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' offline image
    from busybox_image import IMAGE, ensure_busybox_image  # type: ignore[import-not-found, unused-ignore]

    client = docker.from_env(timeout=120, max_pool_size=concurrency + 4)

    def leftovers() -> int:
        labels = (f"{LABEL}.session={SESSION_ID}", f"{FLOOR_LABEL}=1")
        return sum(len(client.containers.list(all=True, sparse=True, filters={"label": x})) for x in labels)

    ensure_busybox_image(client)
    run_floor(client, IMAGE, 8, 4)  # warm the engine up: the first containers are slower
    before = leftovers()
    expected = [str(i) for i in range(size)]
    floors, fakes = [], []
    for _ in range(repeat):  # interleaved, so that drift in the engine hits both
        seconds, outputs = run_floor(client, IMAGE, size, concurrency)
        expect(outputs == expected, f"floor: {outputs}")
        floors.append(seconds)
        executor = DockerExecutor(
            images={"busybox*": IMAGE}, pull="never", max_running=concurrency, test_id="benchmark"
        )
        seconds, outputs = run_fake(executor, size)
        expect(outputs == expected, f"fake: {outputs}")
        fakes.append(seconds)
    emit({"floors_s": floors, "fakes_s": fakes, "leaked": leftovers() - before, "image": IMAGE})


def section(table: Table, notes: list[str], quick: bool) -> None:
    runs = QUICK if quick else FULL
    target = f"≤ {TARGET_RATIO}x floor"
    if not engine_answers():
        table.add(
            "Docker arrays",
            None,
            "docker SDK",
            None,
            fmt_time,
            ours_text="skipped: no Docker engine answers (`docker info` failed)",
            ref_text="—",
        )
        return
    leaked: list[int] = []
    for size, concurrency, repeat in runs:
        log(f"  docker: {size}-child array at concurrency {concurrency}, {repeat} run(s) of each")
        timeout = 900 if size <= 100 else 1800
        result, error, _ = try_child("docker", [str(size), str(concurrency), str(repeat)], timeout)
        row = f"Docker {size}-child array, max_containers {concurrency}: submit → SUCCEEDED"
        key = f"docker.{size}.c{concurrency}"
        if result is not None and result["leaked"]:
            error = f"left {result['leaked']} containers behind"  # a wrong result: the row fails
            result = None
        if result is None:
            stranded = _remove_floor_containers()  # a process that failed cleaned nothing up
            if stranded:
                leaked.append(stranded)
                notes.append(f"Docker ({size} children): the failed run left {stranded} floor containers")
            table.add(
                row,
                None,
                "",
                None,
                fmt_time,
                target,
                lambda a, b: False,
                ours_text=error,
                ref_text="—",
                key=key,
            )
            continue
        fake, floor = statistics.median(result["fakes_s"]), statistics.median(result["floors_s"])
        table.add(
            row,
            fake,
            f"docker SDK, {concurrency} threads",
            floor,
            fmt_time,
            target,
            lambda a, b: b is not None and a <= TARGET_RATIO * b,
            key=key,
        )
        leaked.append(result["leaked"])
        notes.append(
            f"Docker ({size} children, concurrency {concurrency}): `echo $AWS_BATCH_JOB_ARRAY_INDEX` in "
            f"{result['image']}; median of {repeat} interleaved run(s) in one fresh process, after 8 "
            f"warm-up containers: floor {', '.join(fmt_time(s) for s in result['floors_s'])}; fake "
            f"{', '.join(fmt_time(s) for s in result['fakes_s'])}; containers left behind "
            f"{result['leaked']}. The floor is the docker SDK's create, start, wait, logs, remove on a "
            "thread pool of the same concurrency; the fake runs the array on its DockerExecutor "
            "(max_running = concurrency, what FakeBatch(docker=True, max_containers=...) builds) and "
            f"is polled with DescribeJobs every {POLL_SECONDS * 1000:.0f} ms. Every child's output is "
            "checked to be its own index, in both."
        )
    if leaked:
        table.add(
            "Docker: containers left behind (fake's and floor's)",
            sum(leaked),
            "",
            None,
            fmt_count,
            "0",
            lambda a, b: a == 0,
            ref_text="—",
            ratio=False,
        )
