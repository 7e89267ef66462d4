"""A 100-child array job through the fake's Docker executor, against the floor: the same
containers run straight through the docker SDK with a thread pool of the same concurrency.

    python benchmarks/docker_array.py [--size 100] [--concurrency 4 8 16] [--repeat 2]

Needs a Docker engine (DOCKER_HOST or the default socket); pulls nothing: the busybox image
is built offline from the host's static busybox when it is missing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import docker

from pytest_fakebatch import FakeBatch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' offline image
from busybox_image import IMAGE, ensure_busybox_image

from pytest_fakebatch.executors.docker import LABEL, SESSION_ID, DockerExecutor

COMMAND = ["sh", "-c", "echo $AWS_BATCH_JOB_ARRAY_INDEX"]
FLOOR_LABEL = "pytest-fakebatch-benchmark-floor"
POLL_SECONDS = 0.01  # how often the "user" describes the array while it runs


def run_floor(client: Any, size: int, concurrency: int) -> tuple[float, list[str]]:
    """create, start, wait, logs, remove: each container on its own thread of the pool."""

    def one(index: int) -> str:
        container = client.api.create_container(
            IMAGE,
            COMMAND,
            environment={"AWS_BATCH_JOB_ARRAY_INDEX": str(index)},
            labels={FLOOR_LABEL: "1"},
            host_config=client.api.create_host_config(nano_cpus=10**9, mem_limit=64 * 2**20),
        )["Id"]
        client.api.start(container)
        client.api.wait(container)
        output: str = client.api.logs(container, stdout=True, stderr=True, timestamps=True).decode()
        client.api.remove_container(container, force=True)
        return output.split(" ", 1)[1].strip()

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outputs = list(pool.map(one, range(size)))
    return time.perf_counter() - began, outputs


def run_fake(size: int, concurrency: int) -> tuple[float, list[str]]:
    """The array through boto3 and the fake, polled the way a user's code polls Batch."""
    executor = DockerExecutor(
        images={"busybox*": IMAGE}, pull="never", max_running=concurrency, test_id="benchmark"
    )
    with FakeBatch(executor=executor) as fake:
        batch = boto3.client("batch", region_name="us-east-1")
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
            if time.monotonic() > deadline:
                raise RuntimeError(f"the array did not finish: {fake.job(parent)}")
            time.sleep(POLL_SECONDS)  # the containers are real processes: give them real time
        elapsed = time.perf_counter() - began
        outputs = [" ".join(fake.job(f"{parent}:{i}").output) for i in range(size)]
        status = fake.job(parent).status
    if status != "SUCCEEDED":
        raise RuntimeError(f"the array ended {status}")
    return elapsed, outputs


def leaked(client: Any) -> int:
    ours = client.containers.list(all=True, sparse=True, filters={"label": f"{LABEL}.session={SESSION_ID}"})
    floor = client.containers.list(all=True, sparse=True, filters={"label": f"{FLOOR_LABEL}=1"})
    return len(ours) + len(floor)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the median is shown")
    args = parser.parse_args(argv)
    client = docker.from_env(timeout=120, max_pool_size=max(args.concurrency) + 4)
    ensure_busybox_image(client)
    run_floor(client, 8, 4)  # warm the engine up: the first containers are slower
    expected = [str(i) for i in range(args.size)]
    print(f"{args.size}-child array, `echo $AWS_BATCH_JOB_ARRAY_INDEX` in {IMAGE}; median of {args.repeat}")
    print(f"{'concurrency':>11}  {'floor (s)':>9}  {'fake (s)':>8}  {'fake/floor':>10}  {'leaked':>6}")
    worst = 0.0
    for concurrency in args.concurrency:
        floors, fakes = [], []
        for _ in range(args.repeat):  # interleaved, so that drift in the engine hits both
            seconds, outputs = run_floor(client, args.size, concurrency)
            assert outputs == expected, outputs
            floors.append(seconds)
            seconds, outputs = run_fake(args.size, concurrency)
            assert outputs == expected, outputs
            fakes.append(seconds)
        floor, fake = statistics.median(floors), statistics.median(fakes)
        worst = max(worst, fake / floor)
        print(f"{concurrency:>11}  {floor:>9.2f}  {fake:>8.2f}  {fake / floor:>9.2f}x  {leaked(client):>6}")
    left = leaked(client)
    print(f"worst ratio {worst:.2f}x (target <= 1.15x); containers left behind: {left}")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
