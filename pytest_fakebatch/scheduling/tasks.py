"""Attempts of several containers: an ECS task or an EKS pod, run one container at a time.

:class:`TaskRunner` is the executor the scheduler drives. A plain attempt goes straight to the
executor underneath; an ECS- or EKS-properties attempt becomes one executor attempt per
container, started in ``dependsOn`` order (EKS: init containers one after another, then the
pod's containers together); :mod:`.task_progress` combines their outcomes into the attempt's.

The executor's protocol splits an attempt into ``start`` (under the fake's lock) and ``run`` (the
work, without it): containers started while polling are run by the next thread that claims the
task's attempt (:meth:`TaskRunner.more_to_run` tells the scheduler to queue it), and no later
event of the task is taken before they have run. :meth:`TaskRunner.up_at` tells the scheduler
when the job leaves STARTING for RUNNING.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import uuid
from collections.abc import Sequence
from typing import Any

from ..executors.base import AttemptSpec, Executor, Outcome
from ..executors.task_containers import volume_name
from ..model.jobs import RUNNING, Attempt, Job, container_memory, container_vcpus, log_group
from ..model.region import Region
from ..model.tasks import EKS, ContainerRun, Pod
from .container import ecs_env
from .lifecycle import set_status
from .task_progress import Part, TaskHandle, advance, end, give_up_at

DEFAULT_NAMESPACE = "default"  # where a pod goes when its environment has no eksConfiguration
_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def log_stream_name(job: Job, task_id: str) -> str:
    """``<definition>/<container>/<task id>``: ``default`` for a plain job, else the name of the
    task's main (first essential) container; its other containers get their own name there."""
    task = job.spec.task
    return f"{job.spec.definition.name}/{'default' if task is None else task.main.name}/{task_id}"


class TaskRunner:
    """The scheduler's executor: see the module docstring."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        # run() takes a task's started containers without the fake's lock, and another thread
        # may queue the same task meanwhile: each container is claimed once, under this lock
        self._claims = threading.Lock()

    @property
    def max_running(self) -> int | None:
        return self.inner.max_running

    def start(self, spec: AttemptSpec, now_ms: int) -> Any:
        return self.inner.start(spec, now_ms)

    def start_job(
        self,
        region: Region,
        job: Job,
        attempt: Attempt,
        spec: AttemptSpec,
        extra_env: dict[str, str],
        now_ms: int,
    ) -> Any:
        """Start an attempt of ``job``: its one container, or each container of its task."""
        plan = job.spec.task
        if plan is None:
            return self.inner.start(spec, now_ms)
        task_id = attempt.log_stream.rsplit("/", 1)[-1]
        batch_env = {k: v for k, v in spec.environment.items() if k.startswith("AWS_BATCH_")}
        if plan.kind == EKS:
            attempt.pod = _pod(region, attempt, plan.echo["podProperties"], task_id)
            batch_env["AWS_BATCH_JOB_KUBERNETES_NODE_UID"] = attempt.pod.node_uid
        platform = {} if plan.kind == EKS else ecs_env(region, attempt)  # what ECS sets in a task
        parts = []
        for container in plan.containers:
            props = container.props
            run = ContainerRun(container.name, container.init, log_group(props), "")
            run.log_stream = f"{job.spec.definition.name}/{container.name}/{task_id}"
            if attempt.pod is not None and attempt.pod.cluster_arn is not None:
                _collected_by_fluent_bit(run, attempt.pod)
            group, stream = run.log_group, run.log_stream
            attempt.containers += (run,)
            sink = region.logs.setdefault(group, {})
            own_env = {e["name"]: e.get("value", "") for e in props.get("environment", [])}
            environment = {**extra_env, **platform, **own_env, **batch_env}
            command = list(props.get("command", []))
            props = {**props, "volumes": _shared(props.get("volumes") or [], task_id)}
            if plan.kind == EKS:  # $(NAME) references are the container's environment's
                command = _expanded(command, environment)
                split = {k: v and _expanded(v, environment) for k, v in props["kubernetes"].items()}
                props = {**props, "kubernetes": split}
            part_spec = dataclasses.replace(
                spec,
                image=props.get("image", ""),
                command=command,
                environment=environment,
                container=props,
                vcpus=container_vcpus(props),
                memory_mib=container_memory(props),
                log_stream=stream,
                container_name=container.name,
            )
            parts.append(Part(container, run, part_spec, sink))
        task = TaskHandle(plan, parts, now_ms)
        advance(self.inner, task, now_ms, None)
        return task

    def run(self, handle: Any) -> None:
        """The work of the containers started since the last run (without the fake's lock)."""
        if not isinstance(handle, TaskHandle):
            self.inner.run(handle)
            return
        with self._claims:
            handle.queued = False
            mine = [part for part in handle.parts if part.waiting]
            for part in mine:
                part.claimed = True
        for part in mine:
            self.inner.run(part.handle)
            part.ran = True

    def more_to_run(self, handle: Any) -> bool:
        """Whether ``handle`` (a task) started containers that no queued run will run yet;
        the scheduler then queues its attempt to be run again."""
        if not isinstance(handle, TaskHandle):
            return False
        with self._claims:
            if handle.queued or not any(p.waiting for p in handle.parts):
                return False
            handle.queued = True
            return True

    def poll(self, handles: Sequence[Any], now_ms: int) -> dict[Any, Outcome]:
        tasks = [h for h in handles if isinstance(h, TaskHandle)]
        plain = [h for h in handles if not isinstance(h, TaskHandle)]
        inner = plain + [p.handle for t in tasks if t.outcome is None for p in t.parts if p.live]
        done = self.inner.poll(inner, now_ms) if inner else {}
        result = {h: done[h] for h in plain if h in done}
        for task in tasks:
            if task.outcome is None:
                advance(self.inner, task, now_ms, done)
            if task.outcome is not None:
                result[task] = task.outcome
        return result

    def logs(self, handle: Any, now_ms: int) -> list[tuple[int, str]]:
        if not isinstance(handle, TaskHandle):
            return self.inner.logs(handle, now_ms)
        for part in handle.parts:
            if part.live:
                part.sink[part.run.log_stream] = self.inner.logs(part.handle, now_ms)
        main = handle.part(handle.plan.main.name)
        return list(main.sink.get(main.run.log_stream, ()))

    def finish_time(self, handle: Any) -> int | None:
        if not isinstance(handle, TaskHandle):
            return self.inner.finish_time(handle)
        times = [self.inner.finish_time(p.handle) for p in handle.parts if p.live]
        known = [t for t in [*times, give_up_at(handle)] if t is not None]
        return min(known) if known else None

    def stop(self, handle: Any, now_ms: int) -> Outcome | None:
        """Stop every container of a task; its outcome at once if they all stopped at once."""
        if not isinstance(handle, TaskHandle):
            return self.inner.stop(handle, now_ms)
        if handle.decided is None:
            end(self.inner, handle, Outcome(exit_code=None), now_ms)
        return handle.outcome

    def up_at(self, handle: Any) -> int | None:
        """When the task of ``handle`` had no container left waiting on another; None until
        then (and for a plain attempt, which is RUNNING as soon as it starts)."""
        return handle.up_at if isinstance(handle, TaskHandle) else None

    def close(self) -> None:
        self.inner.close()


def keeps_job_stream(job: Job) -> bool:
    """Whether an attempt of ``job`` writes a stream of its own to its log group: not a task,
    whose containers each have theirs once they start ("Each container attempt receives a log
    stream name when they reach the RUNNING status"), an ECS job's own being its main
    container's; an EKS pod's are where the cluster's logging service puts them."""
    return job.spec.task is None


def _collected_by_fluent_bit(run: ContainerRun, pod: Pod) -> None:
    """Where the CloudWatch agent's Fluent Bit (Container Insights), the logging service the
    User Guide sets up for EKS jobs, puts a container's output: the cluster's ``application``
    group, a stream per container log file of the node."""
    run.container_id = uuid.uuid4().hex + uuid.uuid4().hex  # 64 hex digits, as containerd's
    cluster = (pod.cluster_arn or "").rsplit("/", 1)[-1]
    run.log_group = f"/aws/containerinsights/{cluster}/application"
    run.log_stream = (
        f"{pod.node_name}-application.var.log.containers."
        f"{pod.name}_{pod.namespace}_{run.name}-{run.container_id}.log"
    )


def leave_starting(region: Region, job: Job, runner: TaskRunner, outcome: Outcome | None, now: int) -> bool:
    """Move a STARTING task's job to RUNNING once its containers are up, or once its task
    ended before they all were (Batch's jobs end from RUNNING); whether it is RUNNING now.
    The attempt's and the job's startedAt are that moment."""
    attempt = job.running
    assert attempt is not None
    up = runner.up_at(attempt.handle)
    if up is None:
        if outcome is None:
            return False
        up = outcome.finished_at or now
    attempt.started_at = up
    set_status(region, job, RUNNING, up)  # its event shows the task's containers as they are
    return True


def _pod(region: Region, attempt: Attempt, pod: dict[str, Any], task_id: str) -> Pod:
    """The pod of an EKS attempt, in ``metadata.namespace`` or else the namespace its compute
    environment's ``eksConfiguration`` names, on that environment's cluster."""
    environment = region.compute_environments.get(attempt.compute_environment)
    eks = (environment.extra.get("eksConfiguration") if environment is not None else None) or {}
    namespace = (pod.get("metadata") or {}).get("namespace") or eks.get("kubernetesNamespace")
    return Pod(
        name=f"aws-batch.{uuid.uuid4()}",
        node_name=_node_name(task_id),
        node_uid=str(uuid.UUID(task_id)),
        namespace=namespace or DEFAULT_NAMESPACE,
        cluster_arn=eks.get("eksClusterArn"),
    )


def _shared(volumes: list[dict[str, Any]], task_id: str) -> list[dict[str, Any]]:
    """The task's volumes, each one without a host path one volume of the whole task."""
    return [
        v
        if (v.get("host") or {}).get("sourcePath")
        else {**v, "host": {"sourcePath": volume_name(task_id, v["name"])}}
        for v in volumes
    ]


def _expanded(words: list[str], environment: dict[str, str]) -> list[str]:
    """Kubernetes' expansion of ``$(NAME)`` in a command from the container's environment:
    unknown names stay as written, and ``$$`` is a ``$`` that is not expanded."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "$"
        return environment.get(name, match.group(0))

    return [_REFERENCE.sub(one, word) for word in words]


def _node_name(task_id: str) -> str:
    """A node name as EKS gives them, ``ip-192-168-<a>-<b>.ec2.internal``, from the task id."""
    a, b = int(task_id[:2], 16), int(task_id[2:4], 16)
    return f"ip-192-168-{a}-{b}.ec2.internal"
