"""A call when nothing can move: what finished jobs cost every later call.

Each scenario in a fresh process: the fake holds finished jobs (container jobs in one queue,
and SageMaker service jobs in a SAGEMAKER_TRAINING queue; setting them up is not timed), then
DescribeJobQueues is timed, CALLS calls REPS times (median). Every call observes the
scheduler (autorun), which must find nothing to do without walking the finished jobs. The
target: a call costs at most TARGET_RATIO times what it costs in a fake holding no job.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from harness import (
    DEF_NAME,
    QUEUE_NAME,
    REGION,
    Table,
    create_queue,
    emit,
    expect,
    fake_prereqs,
    fmt_time,
    log,
    register_definition,
    try_child,
)

SIZES = (10_000, 1_000)  # finished container jobs, finished service jobs
QUICK_SIZES = (2_000, 1_000)
CALLS = 1000
REPS = 7
RUNS = 3  # fresh processes per scenario, interleaved: the median is reported
TARGET_RATIO = 1.25
SERVICE_QUEUE = "bench-training"
_PAYLOAD = json.dumps(
    {
        "TrainingJobName": "bench",
        "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    }
)


def _finish(fake: Any, batch: Any, jobs: int, service_jobs: int) -> None:
    """JOBS container jobs and SERVICE_JOBS service jobs, every one of them SUCCEEDED."""
    batch.create_service_environment(
        serviceEnvironmentName="bench-se",
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": 64, "capacityUnit": "NUM_INSTANCES"}],
    )
    batch.create_job_queue(
        jobQueueName=SERVICE_QUEUE,
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "bench-se"}],
    )
    fake.autorun = False
    for i in range(jobs):
        batch.submit_job(jobName=f"job-{i}", jobQueue=QUEUE_NAME, jobDefinition=DEF_NAME)
        if (i + 1) % 1000 == 0:
            fake.run_until_idle()
    for i in range(service_jobs):
        batch.submit_service_job(
            jobName=f"train-{i}",
            jobQueue=SERVICE_QUEUE,
            serviceJobType="SAGEMAKER_TRAINING",
            serviceRequestPayload=_PAYLOAD,
        )
        if (i + 1) % 100 == 0:
            fake.run_until_idle()
    fake.run_until_idle()
    fake.autorun = True
    expect(len(fake.jobs(status="SUCCEEDED")) == jobs, "not every container job SUCCEEDED")
    pages = batch.get_paginator("list_service_jobs").paginate(jobQueue=SERVICE_QUEUE, jobStatus="SUCCEEDED")
    succeeded = sum(len(page["jobSummaryList"]) for page in pages)
    expect(succeeded == service_jobs, f"{succeeded} of {service_jobs} service jobs SUCCEEDED")


def child(args: list[str]) -> None:
    """``JOBS SERVICE_JOBS``: that many finished jobs; DescribeJobQueues timed."""
    jobs, service_jobs = int(args[0]), int(args[1])
    import boto3

    from pytest_fakebatch import FakeBatch

    with FakeBatch() as fake:
        batch = boto3.client("batch", region_name=REGION)
        create_queue(batch, fake_prereqs())
        register_definition(batch)
        _finish(fake, batch, jobs, service_jobs)
        for _ in range(200):
            batch.describe_job_queues()
        samples = []
        for _ in range(REPS):
            start = time.perf_counter()
            for _ in range(CALLS):
                batch.describe_job_queues()
            samples.append((time.perf_counter() - start) / CALLS)
        expect(len(batch.describe_job_queues()["jobQueues"]) == 2, "two job queues")
    emit({"call_s": statistics.median(samples)})


def section(table: Table, notes: list[str], quick: bool) -> None:
    jobs, service_jobs = QUICK_SIZES if quick else SIZES
    runs = 1 if quick else RUNS
    scenarios = {"empty": ("0", "0"), "finished": (str(jobs), str(service_jobs))}
    times: dict[str, list[float]] = {name: [] for name in scenarios}
    error = None
    log(f"  idle call: no job, then {jobs:,} + {service_jobs:,} finished jobs, {runs} process(es) each")
    for _ in range(runs):
        for name, args in scenarios.items():
            result, error, _ = try_child("idle", list(args), 600)
            if result is None:
                break
            times[name].append(result["call_s"])
        if error is not None:
            break
    finished = statistics.median(times["finished"]) if error is None else None
    empty = statistics.median(times["empty"]) if error is None else None
    table.add(
        f"A call when nothing can move: DescribeJobQueues with {jobs:,} finished jobs and "
        f"{service_jobs:,} finished service jobs",
        finished,
        "no job:",
        empty,
        fmt_time,
        f"≤ {TARGET_RATIO}x",
        lambda a, b: b is not None and a <= TARGET_RATIO * b,
        ours_text=error,
        key="idle.describe_job_queues",
    )
    if error is None:
        notes.append(
            f"idle call: median of {REPS} x {CALLS} calls in each of {runs} fresh process(es) per "
            f"scenario, interleaved: with finished jobs {', '.join(fmt_time(t) for t in times['finished'])}; "
            f"with none {', '.join(fmt_time(t) for t in times['empty'])}. Setting the jobs up is not timed."
        )
