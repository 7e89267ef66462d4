"""What every benchmark section shares: the Batch scenario, children, self-checks, the table.

A section's measurements run in fresh subprocesses of ``run.py`` (``--child SECTION ...``,
started by ``run_child``); a child prints its result as one ``emit`` line and the parent
turns results into rows of one markdown ``Table``. ``expect`` is the self-check: a wrong
answer fails the row instead of producing a fast number.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

REGION = "us-east-1"
CE_NAME = "bench-ce"
QUEUE_NAME = "bench-queue"
DEF_NAME = "bench-def"
RESULT_MARK = "BENCH-RESULT "
RUNNER = Path(__file__).resolve().with_name("run.py")  # what a child runs: run.py --child SECTION ...
MOTO_CONFIG: DefaultConfig = {
    "batch": {"use_docker": False}
}  # moto's batch_simple: jobs succeed without Docker

# Dummy credentials, no instance-metadata lookups: nothing may reach (or be signed for) AWS.
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_EC2_METADATA_DISABLED="true")
for _key in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BATCH"):
    os.environ.pop(_key, None)


# --------------------------------------------------------------------------------------------
# the Batch scenario shared by the fake and moto
# --------------------------------------------------------------------------------------------


def fake_prereqs() -> dict[str, str]:
    """The ARNs a managed compute environment names; the fake does not check EC2 or IAM."""
    return {
        "subnet": "subnet-0bench",
        "sg": "sg-0bench",
        "role": "arn:aws:iam::123456789012:role/bench-batch-service",
        "profile": "arn:aws:iam::123456789012:instance-profile/bench-ecs-instance",
    }


def moto_prereqs(ec2: Any, iam: Any) -> dict[str, str]:
    """moto checks that the subnet, security group and service role exist: create them."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName="bench-batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="bench-ecs-instance")["InstanceProfile"]["Arn"]
    return {"subnet": subnet, "sg": sg, "role": role, "profile": profile}


def create_queue(batch: Any, pre: dict[str, str]) -> None:
    """One managed compute environment (maxvCpus 256) and one queue on it."""
    batch.create_compute_environment(
        computeEnvironmentName=CE_NAME,
        type="MANAGED",
        state="ENABLED",
        computeResources={
            "type": "EC2",
            "minvCpus": 0,
            "maxvCpus": 256,
            "instanceTypes": ["optimal"],
            "subnets": [pre["subnet"]],
            "securityGroupIds": [pre["sg"]],
            "instanceRole": pre["profile"],
        },
        serviceRole=pre["role"],
    )
    batch.create_job_queue(
        jobQueueName=QUEUE_NAME,
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": CE_NAME}],
    )


def register_definition(batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName=DEF_NAME,
        type="container",
        containerProperties={"image": "busybox", "vcpus": 1, "memory": 128, "command": ["true"]},
    )


# --------------------------------------------------------------------------------------------
# child side: self-checks, results, memory, profiles
# --------------------------------------------------------------------------------------------


def expect(condition: bool, detail: object) -> None:
    """A self-check that ``python -O`` cannot strip: a wrong answer must never time well."""
    if not condition:
        raise AssertionError(detail)


def emit(result: dict[str, Any]) -> None:
    """Hand a child's result to the parent (the last such line of its stdout counts)."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def maxrss_mb() -> float:
    """This process's peak resident memory since it started. On Linux, ``VmHWM`` of
    /proc/self/status: ``ru_maxrss`` also keeps the high-water mark of the process that forked
    it (carried over the exec), so a child of a grown ``run.py`` reported the parent's size."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # KiB
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes vs KiB


class Collector:
    """A ``gc.callbacks`` entry: the CPU time collections take, and how many were full passes."""

    def __init__(self) -> None:
        self.cpu_s = 0.0
        self.full_passes = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
            return
        self.cpu_s += time.process_time() - self._started
        self.full_passes += info["generation"] == 2


def print_profile(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


# --------------------------------------------------------------------------------------------
# parent side: running children
# --------------------------------------------------------------------------------------------


class ChildFailed(RuntimeError):
    pass


def run_child(section: str, args: list[str], timeout: float) -> tuple[dict[str, Any], float]:
    """Run one of a section's children in a fresh process; its result and its wall time.

    Raises ChildFailed with the last line the child wrote to stderr."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(RUNNER), "--child", section, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChildFailed(f"gave up after {timeout:g} s") from None
    wall = time.perf_counter() - start
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
            return result, wall
    last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    raise ChildFailed(f"failed after {wall:.1f} s: {last}")


def try_child(
    section: str, args: list[str], timeout: float
) -> tuple[dict[str, Any] | None, str | None, float]:
    """run_child, with a failure as a value: (result, None, wall) or (None, why, 0.0)."""
    try:
        result, wall = run_child(section, args, timeout)
        return result, None, wall
    except ChildFailed as failure:
        return None, str(failure), 0.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# parent side: the table
# --------------------------------------------------------------------------------------------


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "n/a"
    if abs(n) < 1024:
        return f"{n:.0f} B"
    if abs(n) < 2**20:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 2**20:.1f} MiB"


def fmt_mb(megabytes: float | None) -> str:
    return "n/a" if megabytes is None else f"{megabytes:.1f} MB"


def fmt_count(n: float | None) -> str:
    return "n/a" if n is None else f"{n:,.0f}"


class Table:
    """Rows of: scenario, pytest-fakebatch, reference, ratio, target, met?

    A row added with a ``key`` is guarded (``baseline.py``): its ratio against its floor,
    measured in the same run, is compared with the recorded baseline; ``ratios`` holds them
    (None where the row failed)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.missed: list[str] = []
        self.ratios: dict[str, float | None] = {}
        self.labels: dict[str, str] = {}  # key -> scenario

    def add(
        self,
        scenario: str,
        ours: float | None,
        ref_label: str,
        ref: float | None,
        fmt: Callable[[float | None], str],
        target: str = "—",
        ok: Callable[[float, float | None], bool] | None = None,
        ours_text: str | None = None,
        ref_text: str | None = None,
        ratio: bool = True,
        key: str | None = None,
    ) -> None:
        shown = f"{ours / ref:.2f}x" if ratio and ours is not None and ref else "—"
        if key is not None:
            self.ratios[key] = ours / ref if ours is not None and ref else None
            self.labels[key] = scenario.strip()
        met = "—"
        if ok is not None:
            met = "yes" if ours is not None and ok(ours, ref) else "**NO**"
            if met != "yes":
                self.missed.append(scenario)
        reference = ref_text if ref_text is not None else f"{ref_label} {fmt(ref)}"
        self.rows.append((scenario, ours_text or fmt(ours), reference, shown, target, met))

    def render(self) -> str:
        header = ("scenario", "pytest-fakebatch", "reference", "ratio", "target", "met?")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(len(header))]

        def line(cells: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        return "\n".join([line(header), sep, *(line(r) for r in self.rows)])


def versions() -> str:
    from importlib.metadata import version

    names = ("pytest-fakebatch", "boto3", "botocore", "moto", "pytest", "docker")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:
            found.append(f"{name} ?")
    return f"Python {sys.version.split()[0]}, " + ", ".join(found)


def compile_package() -> None:
    """Write pytest-fakebatch's bytecode, as installing its wheel does. From an editable
    checkout under ``PYTHONDONTWRITEBYTECODE`` (set on the CI machine), every fresh process
    would compile the plugin's ~90 modules anew (about 65 ms), which a user's installed plugin
    never does, while its floors (botocore, moto) come compiled from their wheels."""
    import compileall

    import pytest_fakebatch

    compileall.compile_dir(Path(pytest_fakebatch.__file__).parent, quiet=1)
