"""How ECS- and EKS-properties jobs look in DescribeJobs: ``ecsProperties`` with each
container's exit, ``eksProperties.podProperties`` with the pod, and ``eksAttempts``.

"The podName and nodeName of the current running attempt are in the podProperties object";
those "of every completed attempt" are in ``eksAttempts`` (UG: Amazon EKS jobs), as finished
ECS attempts are in ``attempts``.
"""

from __future__ import annotations

from typing import Any

from ...model.jobs import Attempt, Job
from ...model.tasks import EKS, ContainerRun
from .router import Response


def task_detail(job: Job, detail: Response) -> None:
    """Fill ``detail`` (a JobDetail) for a job whose definition has ecsProperties or eksProperties."""
    plan = job.spec.task
    assert plan is not None
    last = job.attempts[-1] if job.attempts else None
    if plan.kind == EKS:
        pod = dict(plan.echo["podProperties"])
        runs = last.containers if last is not None else []
        for key, init in (("initContainers", True), ("containers", False)):
            if key in pod:
                pod[key] = _with_exits(pod[key], [r for r in runs if r.init == init])
        if last is not None and last.pod is not None:
            pod["podName"], pod["nodeName"] = last.pod.name, last.pod.node_name
        detail["eksProperties"] = {"podProperties": pod}
        detail["eksAttempts"] = [_eks_attempt(a) for a in job.attempts if a.stopped_at is not None]
        detail["attempts"] = []
        return
    task = dict(plan.echo["taskProperties"][0])
    if last is not None:
        task["taskArn"] = task_arn(job, last)
        task["containers"] = [
            {**shown, **_exit(run, True)}
            for shown, run in zip(task["containers"], last.containers, strict=True)
        ]
    detail["ecsProperties"] = {"taskProperties": [task]}
    detail["attempts"] = [_ecs_attempt(job, a) for a in job.attempts if a.stopped_at is not None]


def task_arn(job: Job, attempt: Attempt) -> str:
    """The ECS task ARN of an attempt: its id is the last part of the attempt's log streams."""
    _, _, _, region, account, _ = job.arn.split(":", 5)
    return f"arn:aws:ecs:{region}:{account}:task/{attempt.log_stream.rsplit('/', 1)[-1]}"


def _with_exits(shown: list[dict[str, Any]], runs: list[ContainerRun]) -> list[dict[str, Any]]:
    if not runs:
        return shown
    return [{**s, **_exit(run, False)} for s, run in zip(shown, runs, strict=True)]


def _exit(run: ContainerRun, ecs: bool) -> Response:
    fields: Response = {}
    if run.exit_code is not None:
        fields["exitCode"] = run.exit_code
    if run.reason is not None:
        fields["reason"] = run.reason
    if ecs:
        if run.started_at is not None:  # "when they reach the RUNNING status"
            fields["logStreamName"] = run.log_stream
        fields["networkInterfaces"] = []
    return fields


def _ecs_attempt(job: Job, attempt: Attempt) -> Response:
    containers = [{"name": run.name, **_exit(run, True)} for run in attempt.containers]
    detail: Response = {
        "startedAt": attempt.started_at,
        "taskProperties": [{"taskArn": task_arn(job, attempt), "containers": containers}],
    }
    if attempt.stopped_at is not None:
        detail["stoppedAt"] = attempt.stopped_at
        detail["statusReason"] = attempt.status_reason
    return detail


def _eks_attempt(attempt: Attempt) -> Response:
    detail: Response = {
        "initContainers": [_eks_container(r) for r in attempt.containers if r.init],
        "containers": [_eks_container(r) for r in attempt.containers if not r.init],
        "startedAt": attempt.started_at,
    }
    pod = attempt.pod
    if pod is not None:
        detail.update(podName=pod.name, nodeName=pod.node_name, podNamespace=pod.namespace)
        if pod.cluster_arn is not None:
            detail["eksClusterArn"] = pod.cluster_arn
    if attempt.stopped_at is not None:
        detail["stoppedAt"] = attempt.stopped_at
        detail["statusReason"] = attempt.status_reason
    return detail


def _eks_container(run: ContainerRun) -> Response:
    container: Response = {"name": run.name, **_exit(run, False)}
    if run.container_id:
        container["containerID"] = run.container_id
    return container
