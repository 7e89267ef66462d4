"""Jobs of several containers: an ECS task (``ecsProperties``) or an EKS pod (``eksProperties``).

A :class:`TaskPlan` is what was submitted (each container after overrides, in the order AWS
starts them); a :class:`ContainerRun` is one container of one attempt, as DescribeJobs shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ECS, EKS = "ECS", "EKS"
START, COMPLETE, SUCCESS = "START", "COMPLETE", "SUCCESS"


@dataclass(frozen=True, slots=True)
class TaskContainer:
    name: str
    props: dict[str, Any]  # as the executor needs them: image, command, environment, resources...
    essential: bool  # ECS: its exit ends the task; EKS: every container of the pod (not init ones)
    depends_on: tuple[tuple[str, str], ...] = ()  # (container name, START | COMPLETE | SUCCESS)
    init: bool = False  # an EKS init container: runs to success before the next one starts


@dataclass(frozen=True, slots=True)
class TaskPlan:
    kind: str  # ECS | EKS
    containers: tuple[TaskContainer, ...]  # EKS: init containers first, in order
    echo: dict[str, Any]  # ecsProperties / eksProperties after overrides, as JobDetail echoes them

    @property
    def main(self) -> TaskContainer:
        """The container whose output is the job's own stream: the first essential one."""
        return next(c for c in self.containers if c.essential)


@dataclass(frozen=True, slots=True)
class Pod:
    """The Kubernetes pod of one EKS attempt, as DescribeJobs names it."""

    name: str  # aws-batch.<uuid>
    node_name: str  # ip-192-168-<a>-<b>.ec2.internal
    node_uid: str  # AWS_BATCH_JOB_KUBERNETES_NODE_UID
    namespace: str  # metadata.namespace, else the compute environment's kubernetesNamespace
    cluster_arn: str | None  # the compute environment's eksConfiguration.eksClusterArn


@dataclass(eq=False, slots=True)
class ContainerRun:
    """One container of one attempt."""

    name: str
    init: bool
    log_group: str
    log_stream: str
    started_at: int | None = None
    stopped_at: int | None = None
    exit_code: int | None = None
    reason: str | None = None
    container_id: str = ""


def attempt_output(
    logs: dict[str, dict[str, list[tuple[int, str]]]], runs: Sequence[ContainerRun]
) -> list[tuple[int, str]]:
    """Every line the containers of one attempt logged, in time order."""
    lines = [event for run in runs for event in logs.get(run.log_group, {}).get(run.log_stream, ())]
    return sorted(lines, key=lambda event: event[0])
