"""Benchmarks of pytest-fakebatch against botocore's Stubber (the floor) and moto (for scale).

Run ``python benchmarks/bench.py`` (one to two minutes) or ``--quick`` (under 30 s). It
prints one markdown table: scenario, pytest-fakebatch, reference, ratio, target, met?

Every measurement is self-checking (a wrong answer fails the row instead of producing a
fast number) and runs in a fresh subprocess of this script (``--child ...``), so that one
scenario's imports, garbage or memory high-water mark cannot leak into another's:

* per call: after a warm-up, several repeats of N calls timed with ``time.perf_counter``
  (and ``time.process_time``); the median repeat is reported. The fake and the Stubber live
  in one process and take turns every 50 calls, so load from elsewhere on the machine hits
  both alike. Memory: tracemalloc peak of one call and what each call leaves allocated.
* fixture: generated test files run by ``pytest`` in subprocesses; a conftest times the
  run-test loop: (loop time with the fixture - loop time of empty tests) / tests.
* 10,000-child array: each phase timed in fresh processes (median); peak RSS
  (``ru_maxrss``) of the process, of a process that only imports and creates the clients
  (the baseline), and the tracemalloc peak.

``--profile describe_job_queues|describe_jobs|array`` prints a cProfile of the fake instead.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ARRAY_SIZE = 10_000
CE_NAME = "bench-ce"
QUEUE_NAME = "bench-queue"
DEF_NAME = "bench-def"
RESULT_MARK = "BENCH-RESULT "
MOTO_CONFIG = {"batch": {"use_docker": False}}  # moto's batch_simple: jobs succeed without Docker

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


def expect(condition: bool, detail: object) -> None:
    """A self-check that ``python -O`` cannot strip: a wrong answer must never time well."""
    if not condition:
        raise AssertionError(detail)


def check_queues(answer: dict[str, Any]) -> None:
    queues = answer["jobQueues"]
    expect(len(queues) == 1, queues)
    expect(queues[0]["jobQueueName"] == QUEUE_NAME, queues)
    expect(queues[0]["state"] == "ENABLED", queues)


def check_finished_job(answer: dict[str, Any]) -> None:
    jobs = answer["jobs"]
    expect(len(jobs) == 1, jobs)
    expect(jobs[0]["status"] == "SUCCEEDED", jobs)


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes vs KiB


# --------------------------------------------------------------------------------------------
# child: per-call cost
# --------------------------------------------------------------------------------------------

OPERATIONS = ("describe_job_queues", "describe_jobs")
CHUNK = 50  # calls in a row before the other implementation takes its turn


@dataclass
class Target:
    """One way of answering the benchmarked call."""

    call: Callable[[], Any]
    check: Callable[[dict[str, Any]], None]
    queue: Callable[[int], None] = lambda count: None  # a Stubber answers each queued response once


def _prepare(batch: Any, op: str, pre: dict[str, str], run: Callable[[], None]) -> dict[str, Any]:
    """The resources the call reads; the call's keyword arguments."""
    create_queue(batch, pre)
    if op == "describe_job_queues":
        return {}
    register_definition(batch)
    job_id = batch.submit_job(jobName="one", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME)["jobId"]
    run()
    return {"jobs": [job_id]}


def _check_for(op: str) -> Callable[[dict[str, Any]], None]:
    return check_queues if op == "describe_job_queues" else check_finished_job


@contextlib.contextmanager
def fake_and_stubber(op: str) -> Iterator[dict[str, Target]]:
    """The fake (active, as a context manager) and, on another client, the Stubber floor.

    The Stubber answers with the fake's own answer, so both hand back the same document.
    Both live in one process so that their repeats can alternate; a Stubber-stubbed client
    is answered by the Stubber even while the fake is active (checked below).
    """
    import boto3
    from botocore.stub import Stubber

    from pytest_fakebatch import FakeBatch

    check = _check_for(op)
    with FakeBatch() as fake:
        batch = boto3.client("batch", region_name=REGION)
        kwargs = _prepare(batch, op, fake_prereqs(), fake.run_until_idle)
        fake_method = getattr(batch, op)
        answer = fake_method(**kwargs)
        check(answer)
        answer.pop("ResponseMetadata", None)

        stubbed = boto3.client("batch", region_name=REGION)
        stubber = Stubber(stubbed)
        stubber.activate()
        stub_method = getattr(stubbed, op)

        def queue(count: int) -> None:
            for _ in range(count):
                stubber.add_response(op, answer)

        calls_before = len(fake.calls)
        queue(1)
        check(stub_method(**kwargs))
        expect(len(fake.calls) == calls_before, "the fake answered the Stubber's client")
        yield {
            "stubber": Target(lambda: stub_method(**kwargs), check, queue),
            "fake": Target(lambda: fake_method(**kwargs), check),
        }
        stubber.assert_no_pending_responses()


@contextlib.contextmanager
def moto_target(op: str) -> Iterator[dict[str, Target]]:
    import boto3
    from moto import mock_aws

    with mock_aws(config=MOTO_CONFIG):
        batch = boto3.client("batch", region_name=REGION)
        ec2 = boto3.client("ec2", region_name=REGION)
        pre = moto_prereqs(ec2, boto3.client("iam", region_name=REGION))
        kwargs = _prepare(batch, op, pre, lambda: None)
        method = getattr(batch, op)
        yield {"moto": Target(lambda: method(**kwargs), _check_for(op))}


def _memory(target: Target, calls: int = 200) -> tuple[int, float]:
    """tracemalloc peak of one call, and the bytes each call leaves allocated."""
    target.queue(calls + 1)
    gc.collect()
    tracemalloc.start()
    target.check(target.call())
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    target.check(target.call())
    peak = tracemalloc.get_traced_memory()[1] - base
    for _ in range(calls - 1):
        target.call()
    gc.collect()
    retained = (tracemalloc.get_traced_memory()[0] - base) / calls
    tracemalloc.stop()
    return peak, retained


def child_percall(kind: str, op: str, n: int, reps: int, warmup: int) -> None:
    import pytest_fakebatch  # noqa: F401  -- loaded in every test session, as the plugin

    factory = fake_and_stubber if kind == "pair" else moto_target
    with factory(op) as targets:
        for target in targets.values():
            target.queue(warmup)
            for _ in range(warmup):
                target.check(target.call())
        samples: dict[str, list[float]] = {name: [] for name in targets}
        cpu_samples: dict[str, list[float]] = {name: [] for name in targets}
        chunk = min(n, CHUNK)
        for _ in range(reps):
            wall = dict.fromkeys(targets, 0.0)
            cpu = dict.fromkeys(targets, 0.0)
            for target in targets.values():
                target.queue(n)
            gc.collect()
            # The implementations take turns every CHUNK calls, so that whatever else the
            # machine does slows each of them alike.
            for _ in range(n // chunk):
                for name, target in targets.items():
                    call, check = target.call, target.check
                    cpu_start, start = time.process_time(), time.perf_counter()
                    for _ in range(chunk):
                        check(call())  # every answer, in every implementation alike (well under 1 µs)
                    wall[name] += time.perf_counter() - start
                    cpu[name] += time.process_time() - cpu_start
            for name in targets:
                samples[name].append(wall[name] / (n // chunk * chunk))
                cpu_samples[name].append(cpu[name] / (n // chunk * chunk))
        result = {}
        for name, target in targets.items():
            peak, retained = _memory(target)
            result[name] = {
                "samples_s": samples[name],
                "cpu_samples_s": cpu_samples[name],
                "peak_bytes": peak,
                "retained_bytes": retained,
            }
    _emit(result)


# --------------------------------------------------------------------------------------------
# child: the 10,000-child array
# --------------------------------------------------------------------------------------------


def child_array(impl: str, trace: bool, baseline: bool) -> None:
    """Setup, submit, run, describe, list of one 10,000-child array; phases timed."""
    import boto3

    if impl == "fake":
        from pytest_fakebatch import FakeBatch
    else:
        from moto import mock_aws

    batch = boto3.client("batch", region_name=REGION)
    if impl == "moto":
        ec2 = boto3.client("ec2", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
    gc.collect()
    if baseline:  # what the process costs before the scenario: imports and clients
        _emit({"maxrss_mb": _maxrss_mb()})
        return
    if trace:
        tracemalloc.start()

    phases: dict[str, float] = {}
    clock = time.perf_counter

    cpu_start = time.process_time()
    start = clock()
    if impl == "fake":
        context: Any = FakeBatch()
        fake = context.__enter__()
        pre = fake_prereqs()
        phases["start"] = clock() - start
    else:
        context = mock_aws(config=MOTO_CONFIG)
        context.__enter__()
        phases["start"] = clock() - start
        mark, cpu_mark = clock(), time.process_time()
        pre = moto_prereqs(ec2, iam)
        phases["prereqs"] = clock() - mark  # moto only; not part of the total
        cpu_start += time.process_time() - cpu_mark
    prereq_rss = _maxrss_mb()

    mark = clock()
    create_queue(batch, pre)
    register_definition(batch)
    phases["setup"] = clock() - mark

    mark = clock()
    parent = batch.submit_job(
        jobName="bench-array",
        jobQueue=QUEUE_NAME,
        jobDefinition=DEF_NAME,
        arrayProperties={"size": ARRAY_SIZE},
    )["jobId"]
    phases["submit"] = clock() - mark
    # With autorun, the fake may run the array inside SubmitJob already (moto always does).
    done_in_submit = fake.job(parent).status == "SUCCEEDED" if impl == "fake" else True

    mark = clock()
    if impl == "fake":
        fake.run_until_idle()
    # moto's batch_simple finishes every job inside SubmitJob: nothing is left to run.
    phases["run"] = clock() - mark

    mark = clock()
    detail = batch.describe_jobs(jobs=[parent])["jobs"][0]
    phases["describe"] = clock() - mark
    expect(detail["status"] == "SUCCEEDED", detail["status"])
    expect(detail["arrayProperties"]["size"] == ARRAY_SIZE, detail["arrayProperties"])
    summary = detail["arrayProperties"]["statusSummary"]
    expect(summary.get("SUCCEEDED") == ARRAY_SIZE, summary)
    expect(sum(summary.values()) == ARRAY_SIZE, summary)

    mark = clock()
    children: list[dict[str, Any]] = []
    pages = 0
    for page in batch.get_paginator("list_jobs").paginate(arrayJobId=parent, jobStatus="SUCCEEDED"):
        children.extend(page["jobSummaryList"])
        pages += 1
    phases["list"] = clock() - mark
    ids = {c["jobId"] for c in children}
    expect(len(children) == ARRAY_SIZE, len(children))
    expect(ids == {f"{parent}:{i}" for i in range(ARRAY_SIZE)}, "the listed children are not the array's")
    expect(all(c["status"] == "SUCCEEDED" for c in children), "not every listed child SUCCEEDED")

    mark = clock()
    context.__exit__(None, None, None)
    phases["stop"] = clock() - mark
    cpu = time.process_time() - cpu_start  # immune to other processes competing for the CPU; no prereqs

    result: dict[str, Any] = {
        "phases": phases,
        "total_s": sum(v for k, v in phases.items() if k != "prereqs"),
        "cpu_s": cpu,
        "pages": pages,
        "done_in_submit": done_in_submit,
        "maxrss_mb": _maxrss_mb(),
        "prereq_maxrss_mb": prereq_rss,
    }
    if trace:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    _emit(result)


# --------------------------------------------------------------------------------------------
# child: profiles (for whoever optimises the fake)
# --------------------------------------------------------------------------------------------


def child_profile(what: str) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    if what == "array":
        # profile the timed part of the array scenario only
        import pytest_fakebatch

        real_enter = pytest_fakebatch.FakeBatch.__enter__

        def enter(self: Any) -> Any:
            profiler.enable()
            return real_enter(self)

        pytest_fakebatch.FakeBatch.__enter__ = enter  # type: ignore[method-assign]
        with contextlib.redirect_stdout(sys.stderr):
            child_array("fake", trace=False, baseline=False)
        profiler.disable()
    else:
        with fake_and_stubber(what) as targets:
            call, check = targets["fake"].call, targets["fake"].check
            for _ in range(200):
                check(call())
            profiler.enable()
            for _ in range(3000):
                call()
            profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


# --------------------------------------------------------------------------------------------
# parent: running children
# --------------------------------------------------------------------------------------------


class ChildFailed(RuntimeError):
    pass


def run_child(args: list[str], timeout: float) -> tuple[dict[str, Any], float]:
    """Run this script as a child; its result and its wall time. Raises ChildFailed."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", *args],
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
            return json.loads(line[len(RESULT_MARK) :]), wall
    last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    raise ChildFailed(f"failed after {wall:.1f} s: {last}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# parent: the fixture benchmark through pytest
# --------------------------------------------------------------------------------------------

CONFTEST = """
import json, os, time
import pytest

_loop = {}
_phases = {"setup": 0.0, "call": 0.0, "teardown": 0.0}
_outcomes = {"passed": 0, "failed": 0, "skipped": 0}
_per_test = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    start, cpu_start = time.perf_counter(), time.process_time()
    yield
    _loop["s"] = time.perf_counter() - start
    _loop["cpu"] = time.process_time() - cpu_start


def pytest_runtest_logreport(report):
    _phases[report.when] += report.duration
    _per_test[report.nodeid] = _per_test.get(report.nodeid, 0.0) + report.duration
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.outcome] += 1


def pytest_unconfigure(config):
    with open(os.environ["BENCH_FIXTURE_OUT"], "w") as out:
        json.dump(
            {
                "loop_s": _loop.get("s"),
                "loop_cpu_s": _loop.get("cpu"),
                "phases": _phases,
                "outcomes": _outcomes,
                "per_test": list(_per_test.values()),
            },
            out,
        )
"""

FIXTURE_FILES = {
    "empty": (
        "",
        "def test_{i}():\n    pass\n",
    ),
    "fake": (
        "import boto3\n\nclient = boto3.client('batch', region_name='us-east-1')\n",
        "def test_{i}(fake_batch):\n"
        "    assert client.describe_job_queues()['jobQueues'] == []\n"
        "    assert fake_batch.calls[-1].operation == 'DescribeJobQueues'\n",
    ),
    "moto": (
        "import boto3\nimport pytest\nfrom moto import mock_aws\n\n"
        "client = boto3.client('batch', region_name='us-east-1')\n\n\n"
        "@pytest.fixture\ndef moto_batch():\n    with mock_aws():\n        yield\n",
        "def test_{i}(moto_batch):\n    assert client.describe_job_queues()['jobQueues'] == []\n",
    ),
}


def _plugin_args() -> list[str]:
    """How pytest gets the plugin: its entry point as installed, else ``-p pytest_fakebatch``."""
    from importlib.metadata import entry_points

    if any(e.value.split(".")[0].startswith("pytest_fakebatch") for e in entry_points(group="pytest11")):
        return []  # loaded as users get it, in every variant alike (fixture used or not)
    return ["-p", "pytest_fakebatch"]


def run_pytest(directory: Path, variant: str, tests: int) -> dict[str, Any]:
    out = directory / f"result_{variant}.json"
    env = dict(os.environ, BENCH_FIXTURE_OUT=str(out))
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args()]
    command.append(f"test_{variant}.py")
    proc = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=300)
    result = json.loads(out.read_text()) if out.exists() else None
    if proc.returncode != 0 or result is None or result["outcomes"]["passed"] != tests:
        log("\n".join(proc.stdout.splitlines()[-25:] + proc.stderr.splitlines()[-10:]))
        last = (proc.stdout.strip().splitlines() or ["no output"])[-1]
        raise ChildFailed(f"pytest ({variant} tests) exit {proc.returncode}: {last}")
    return result


def bench_fixture(tests: int, reps: int) -> dict[str, Any]:
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in FIXTURE_FILES}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="fakebatch-bench-") as tmp:
        directory = Path(tmp)
        (directory / "pytest.ini").write_text("[pytest]\naddopts =\n")
        (directory / "conftest.py").write_text(CONFTEST)
        for variant, (head, body) in FIXTURE_FILES.items():
            tests_text = "\n\n".join(body.format(i=i) for i in range(tests))
            (directory / f"test_{variant}.py").write_text(f"{head}\n\n{tests_text}")
        for rep in range(reps):
            for variant in FIXTURE_FILES:  # interleaved, so drift hits every variant alike
                if variant in errors:
                    continue
                log(f"  fixture: {variant} run {rep + 1}/{reps} ({tests} tests)")
                try:
                    results[variant].append(run_pytest(directory, variant, tests))
                except (ChildFailed, subprocess.TimeoutExpired) as failure:
                    errors[variant] = str(failure)
    if "empty" in errors:
        raise ChildFailed(errors["empty"])
    empty = statistics.median(r["loop_s"] for r in results["empty"])
    empty_cpu = statistics.median(r["loop_cpu_s"] for r in results["empty"])
    summary: dict[str, Any] = {"empty_loop_s": empty, "tests": tests, "reps": reps}
    for variant in ("fake", "moto"):
        if variant in errors:
            summary[variant] = {"error": errors[variant]}
            continue
        loop = statistics.median(r["loop_s"] for r in results[variant])
        phases = {
            k: statistics.median(r["phases"][k] for r in results[variant]) / tests
            for k in ("setup", "call", "teardown")
        }
        summary[variant] = {
            "per_test_s": (loop - empty) / tests,
            "per_test_cpu_s": (statistics.median(r["loop_cpu_s"] for r in results[variant]) - empty_cpu)
            / tests,
            "loop_s": loop,
            "phases_per_test_s": phases,
            "median_test_s": statistics.median(t for r in results[variant] for t in r["per_test"]),
            "first_test_s": statistics.median(r["per_test"][0] for r in results[variant]),
        }
    return summary


# --------------------------------------------------------------------------------------------
# parent: the table
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


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.missed: list[str] = []

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
    ) -> None:
        shown = f"{ours / ref:.2f}x" if ratio and ours is not None and ref else "—"
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


def try_child(args: list[str], timeout: float) -> tuple[dict[str, Any] | None, str | None, float]:
    try:
        result, wall = run_child(args, timeout)
        return result, None, wall
    except ChildFailed as failure:
        return None, str(failure), 0.0


def section_percall(table: Table, notes: list[str], quick: bool) -> None:
    n, reps, warmup, rounds = (200, 5, 50, 1) if quick else (1000, 5, 300, 2)
    labels = {
        "describe_job_queues": "DescribeJobQueues per call (1 CE, 1 queue)",
        "describe_jobs": "DescribeJobs per call (1 finished job)",
    }
    for op in OPERATIONS:
        pooled: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        jobs = [("pair", n)] * rounds + [("moto", max(100, n // 5))]
        for i, (kind, count) in enumerate(jobs):
            what = "fake and Stubber, alternating" if kind == "pair" else "moto"
            log(f"  per call: {op}, {what}, process {i + 1}/{len(jobs)} ({reps} x {count} calls each)")
            result, error, _ = try_child(["percall", kind, op, str(count), str(reps), str(warmup)], 120)
            if result is None:
                errors[kind] = error or "failed"
                continue
            for name, data in result.items():
                if name in pooled:
                    pooled[name]["samples_s"] += data["samples_s"]
                    pooled[name]["cpu_samples_s"] += data["cpu_samples_s"]
                else:
                    pooled[name] = data
        if "pair" in errors:
            table.add(
                labels[op],
                None,
                "Stubber",
                None,
                fmt_time,
                "≤ 2x floor",
                lambda a, b: False,
                ours_text=errors["pair"],
                ref_text="—",
            )
            continue
        per_call = {name: statistics.median(d["samples_s"]) for name, d in pooled.items()}
        fake, stub = pooled["fake"], pooled["stubber"]
        table.add(
            labels[op],
            per_call["fake"],
            "Stubber",
            per_call["stubber"],
            fmt_time,
            "≤ 2x floor",
            lambda a, b: b is not None and a <= 2 * b,
        )
        table.add(
            "  same call, moto mock_aws (scale)",
            per_call["fake"],
            "moto",
            per_call.get("moto"),
            fmt_time,
            ref_text=f"moto {errors['moto']}" if "moto" in errors else None,
        )
        table.add(
            "  tracemalloc peak of one call", fake["peak_bytes"], "Stubber", stub["peak_bytes"], fmt_bytes
        )
        table.add(
            "  memory retained per call",
            fake["retained_bytes"],
            "Stubber",
            stub["retained_bytes"],
            fmt_bytes,
            ratio=False,
        )
        ratios = [f / s for f, s in zip(fake["samples_s"], stub["samples_s"], strict=True)]
        cpu_fake = statistics.median(fake["cpu_samples_s"])
        cpu_stub = statistics.median(stub["cpu_samples_s"])
        notes.append(
            f"{labels[op]}: median of {len(fake['samples_s'])} repeats of {n} calls ({rounds} process(es); "
            f"fake and Stubber take turns every {CHUNK} calls); per-repeat ratio min {min(ratios):.2f}x, "
            f"median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x; by CPU time "
            f"{fmt_time(cpu_fake)} vs {fmt_time(cpu_stub)} = {cpu_fake / cpu_stub:.2f}x. The fake "
            "retains one FakeBatch.calls record per call."
        )


def section_fixture(table: Table, notes: list[str], quick: bool) -> None:
    tests, reps = (50, 1) if quick else (200, 3)
    try:
        summary = bench_fixture(tests, reps)
    except ChildFailed as failure:
        table.add(
            "fixture: setup + 1 call + teardown, per test",
            None,
            "moto",
            None,
            fmt_time,
            "< 5 ms",
            lambda a, b: False,
            ours_text=f"failed: {failure}",
        )
        return
    fake, moto = summary["fake"], summary["moto"]
    moto_s = moto.get("per_test_s")
    table.add(
        f"fixture: setup + 1 call + teardown, per test ({tests} tests via pytest)",
        fake.get("per_test_s"),
        "moto mock_aws",
        moto_s,
        fmt_time,
        "< 5 ms",
        lambda a, b: a < 5e-3,
        ours_text=None if "per_test_s" in fake else fake["error"],
        ref_text=None if moto_s is not None else f"moto {moto['error']}",
    )
    for name, data in (("fake", fake), ("moto", moto)):
        if "phases_per_test_s" in data:
            p = data["phases_per_test_s"]
            notes.append(
                f"fixture ({name}): pytest's own phase durations per test: setup {fmt_time(p['setup'])}, "
                f"call {fmt_time(p['call'])}, teardown {fmt_time(p['teardown'])}; median test "
                f"{fmt_time(data['median_test_s'])}, first test {fmt_time(data['first_test_s'])} "
                f"(the module-level client's first call); by CPU time {fmt_time(data['per_test_cpu_s'])} "
                "per test; run-test loop "
                f"{data['loop_s']:.3f} s vs {summary['empty_loop_s']:.3f} s for {tests} empty tests "
                f"(median of {reps})."
            )


def median_phases(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = runs[0]["phases"].keys()
    return {k: statistics.median(r["phases"][k] for r in runs) for k in keys}


def section_array(table: Table, notes: list[str], quick: bool) -> None:
    reps = 1 if quick else 3
    timeout = 20 if quick else 60
    runs: dict[str, list[dict[str, Any]]] = {"fake": [], "moto": []}
    errors: dict[str, str] = {}
    for rep in range(reps):
        for impl in ("fake", "moto"):
            if impl in errors:
                continue
            log(f"  array: {impl} run {rep + 1}/{reps}")
            result, error, _ = try_child(["array", impl], timeout=timeout)
            if result is None:
                errors[impl] = error or "failed"
            else:
                runs[impl].append(result)
    # Memory-only processes (their timings are not used) run side by side, after the timed ones.
    memory_jobs = {(impl, "--baseline"): 60.0 for impl in ("fake", "moto")}
    for impl in ("fake", "moto"):
        if impl not in errors and (not quick or impl == "fake"):
            memory_jobs[(impl, "--trace")] = timeout * 4
    log(f"  array: {len(memory_jobs)} memory-only processes (import baselines, tracemalloc) side by side")
    with ThreadPoolExecutor(max_workers=len(memory_jobs)) as pool:
        futures = {key: pool.submit(try_child, ["array", *key], limit) for key, limit in memory_jobs.items()}
    memory = {key: future.result()[0] for key, future in futures.items()}
    base: dict[str, float | None] = {}
    traced: dict[str, float | None] = {}
    for impl in ("fake", "moto"):
        found = memory.get((impl, "--baseline"))
        base[impl] = found["maxrss_mb"] if found else None
        found = memory.get((impl, "--trace"))
        traced[impl] = found["tracemalloc_peak_mb"] if found else None

    fake_runs, moto_runs = runs["fake"], runs["moto"]
    fp = median_phases(fake_runs) if fake_runs else {}
    mp = median_phases(moto_runs) if moto_runs else {}
    moto_note = f"moto {errors['moto']}" if "moto" in errors else None
    label = f"{ARRAY_SIZE:,}-child array"
    for phase, text in (
        ("setup", "create CE + queue + definition"),
        ("submit", "SubmitJob (size 10,000)"),
        ("run", "run to completion"),
        ("describe", "DescribeJobs parent (SUCCEEDED 10,000)"),
        ("list", "list_jobs paginator, all 10,000 children"),
    ):
        table.add(
            f"{label}: {text}",
            fp.get(phase),
            "moto",
            mp.get(phase),
            fmt_time,
            ref_text=moto_note,
            ratio=phase != "run",  # moto's run is empty: no ratio
        )
    fake_total = statistics.median(r["total_s"] for r in fake_runs) if fake_runs else None
    moto_total = statistics.median(r["total_s"] for r in moto_runs) if moto_runs else None
    table.add(
        f"{label}: whole scenario (start → stop)",
        fake_total,
        "moto",
        moto_total,
        fmt_time,
        "< 1 s",
        lambda a, b: a < 1.0,
        ours_text=None if fake_runs else errors.get("fake"),
        ref_text=moto_note,
    )
    for impl, impl_runs in runs.items():
        if impl_runs:
            cpu = statistics.median(r["cpu_s"] for r in impl_runs)
            notes.append(f"array ({impl}): whole scenario CPU time of the process {fmt_time(cpu)} (median).")
    fake_rss = statistics.median(r["maxrss_mb"] for r in fake_runs) if fake_runs else None
    moto_rss = statistics.median(r["maxrss_mb"] for r in moto_runs) if moto_runs else None

    def mb(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.1f} MB"

    table.add(
        f"{label}: peak RSS of the process (ru_maxrss)",
        fake_rss,
        "moto",
        moto_rss,
        mb,
        "< 100 MB",
        lambda a, b: a < 100,
        ref_text=moto_note,
    )
    table.add(
        f"{label}: peak RSS over the import baseline",
        None if fake_rss is None or base["fake"] is None else fake_rss - base["fake"],
        "moto",
        None if moto_rss is None or base["moto"] is None else moto_rss - base["moto"],
        mb,
        ref_text=moto_note,
    )
    table.add(
        f"{label}: tracemalloc peak",
        traced["fake"],
        "moto",
        traced["moto"],
        mb,
        ref_text=None if traced["moto"] is not None else "moto (not measured)" if quick else moto_note,
    )
    if fake_runs:
        notes.append(
            f"array (fake): median of {len(fake_runs)} fresh processes; phases "
            + ", ".join(f"{k} {fmt_time(v)}" for k, v in fp.items())
            + f"; {fake_runs[0]['pages']} list_jobs pages; baseline process (imports + client) "
            f"{mb(base['fake'])}. 'run' is FakeBatch.run_until_idle(); "
            + (
                "autorun had already run every child inside SubmitJob, so that work counts in 'submit'."
                if fake_runs[0]["done_in_submit"]
                else "SubmitJob left the children to run (autorun runs them at the next API call)."
            )
        )
    if moto_runs:
        notes.append(
            f"array (moto mock_aws, batch use_docker=False): median of {len(moto_runs)}; phases "
            + ", ".join(f"{k} {fmt_time(v)}" for k, v in mp.items())
            + f"; {moto_runs[0]['pages']} list_jobs page(s) (moto does not paginate); "
            f"baseline process {mb(base['moto'])}; RSS high-water after moto's EC2/IAM prerequisites "
            f"{mb(moto_runs[0]['prereq_maxrss_mb'])}. moto runs its children inside SubmitJob, so its "
            "'run' is empty; its prerequisites (VPC, subnet, SG, role) are not in its total."
        )
    for impl, error in errors.items():
        notes.append(f"array ({impl}): {error}")


def versions() -> str:
    from importlib.metadata import version

    names = ("pytest-fakebatch", "boto3", "botocore", "moto", "pytest")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:
            found.append(f"{name} ?")
    return f"Python {sys.version.split()[0]}, " + ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (under 30 s)")
    parser.add_argument(
        "--only", default="percall,fixture,array", help="comma-separated sections: percall,fixture,array"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--profile", choices=[*OPERATIONS, "array"], help="print a cProfile of the fake")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "percall":
            impl, op, n, reps, warmup = rest
            child_percall(impl, op, int(n), int(reps), int(warmup))
        elif kind == "array":
            child_array(rest[0], trace="--trace" in rest, baseline="--baseline" in rest)
        else:
            raise SystemExit(f"unknown child {kind}")
        return 0
    if args.profile:
        child_profile(args.profile)
        return 0

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    table = Table()
    notes: list[str] = []
    sections = {"percall": section_percall, "fixture": section_fixture, "array": section_array}
    for name in args.only.split(","):
        log(f"{name} ...")
        sections[name.strip()](table, notes, args.quick)
    print(table.render())
    print()
    for note in notes:
        print(textwrap.fill(f"- {note}", width=110, subsequent_indent="  "))
    mode = "--quick" if args.quick else "full"
    print(
        f"- 1-minute load average {load_before:.2f} before and {os.getloadavg()[0]:.2f} after, "
        f"on {os.cpu_count()} CPUs: other work on the machine slows every wall-clock number."
    )
    print(f"- {versions()}; {mode} run took {time.perf_counter() - started:.0f} s.")
    if table.missed:
        print(f"- targets missed: {'; '.join(table.missed)}")
    else:
        print("- every target met.")
    if args.json:
        keys = ("scenario", "pytest_fakebatch", "reference", "ratio", "target", "met")
        Path(args.json).write_text(
            json.dumps([dict(zip(keys, r, strict=True)) for r in table.rows], indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
