"""What the containers of one ECS task or EKS pod share on a Docker engine, and how Kubernetes
runs an EKS container's command.

A task's volume that names no host path (ECS: "the Docker daemon assigns a host path for your
data volume"; EKS: an ``emptyDir``) is one named Docker volume for all of the task's containers
that mount it, as they share it on AWS. The scheduler names those volumes (:func:`volume_name`);
the Docker executor creates them with its labels and removes them when it closes.
"""

from __future__ import annotations

from typing import Any

TASK_VOLUME_PREFIX = "fakebatch-task-"


def volume_name(task_id: str, volume: str) -> str:
    """The Docker volume that stands for ``volume`` of the task ``task_id``."""
    return f"{TASK_VOLUME_PREFIX}{task_id}-{volume}"


def task_volumes(create: dict[str, Any]) -> list[str]:
    """The task volumes a container's create arguments bind (``name:/path:mode``)."""
    binds = (create.get("host_config") or {}).get("binds") or []
    return [bind.split(":", 1)[0] for bind in binds if bind.startswith(TASK_VOLUME_PREFIX)]


def as_kubernetes_runs(create: dict[str, Any], kubernetes: Any) -> None:
    """An EKS container's ``command`` is its ENTRYPOINT ("If this isn't specified, the ENTRYPOINT
    of the container image is used"), which clears the image's CMD, and its ``args`` the CMD
    ("If this isn't specified, the CMD of the container image is used")."""
    if isinstance(kubernetes, dict):
        if kubernetes.get("command") is not None:
            create["entrypoint"] = list(kubernetes["command"])
        create["command"] = None if kubernetes.get("args") is None else list(kubernetes["args"])
