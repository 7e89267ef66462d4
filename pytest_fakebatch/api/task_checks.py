"""ECS- and EKS-properties job definitions: AWS's rules for their containers at registration.

``ecsProperties.taskProperties[0].containers`` is an ECS task of up to ten containers, at least
one of them essential, whose ``dependsOn`` name other containers of the task without a cycle;
``eksProperties.podProperties`` is a Kubernetes pod whose containers have unique names and
whose ``metadata.namespace`` follows EksMetadata's rules.
"""

from __future__ import annotations

import graphlib
import re
from typing import Any

from ..errors import ClientError
from ..model.tasks import COMPLETE, START, SUCCESS
from .checks import check_container, check_environment

MAX_CONTAINERS = 10
EKS_DEFAULT_NAME = "Default"  # AWS's name for an EKS container that was given none
ECS_DEFAULT_NAME = "default"  # the middle part of a single unnamed ECS container's log stream
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)


def check_ecs_properties(op: str, props: object) -> None:
    """``ecsProperties``: one task of 1..10 containers, named where there are several, at
    least one essential, ``dependsOn`` naming other containers of the task without a cycle."""
    if not isinstance(props, dict):
        raise ClientError(f"{op}: ecsProperties must be an object")
    tasks = props.get("taskProperties")
    if not isinstance(tasks, list) or len(tasks) != 1 or not isinstance(tasks[0], dict):
        raise ClientError(f"{op}: ecsProperties.taskProperties must hold exactly one task")
    containers = tasks[0].get("containers")
    where = "ecsProperties.taskProperties[0].containers"
    if not isinstance(containers, list) or not 1 <= len(containers) <= MAX_CONTAINERS:
        raise ClientError(f"{op}: {where} must hold 1 to {MAX_CONTAINERS} containers")
    for i, container in enumerate(containers):
        check_container(op, f"{where}[{i}]", container)
    names = names_of(op, where, containers, None if len(containers) > 1 else ECS_DEFAULT_NAME)
    if not any(c.get("essential", True) for c in containers):
        raise ClientError(f"{op}: {where} needs at least one essential container")
    essential = {n for n, c in zip(names, containers, strict=True) if c.get("essential", True)}
    graph: dict[str, set[str]] = {}
    for name, container in zip(names, containers, strict=True):
        graph[name] = set()
        for j, dep in enumerate(container.get("dependsOn") or []):
            at = f"{where}[{names.index(name)}].dependsOn[{j}]"
            target, condition = dep.get("containerName"), dep.get("condition")
            if target not in names or target == name:
                known = ", ".join(f"'{n}'" for n in names if n != name) or "none"
                raise ClientError(
                    f"{op}: {at}.containerName '{target}' is no other container of the task (known: {known})"
                )
            if condition not in (START, COMPLETE, SUCCESS):
                raise ClientError(
                    f"{op}: {at}.condition must be START, COMPLETE or SUCCESS, got {condition!r}"
                )
            if condition != START and target in essential:
                raise ClientError(
                    f"{op}: {at}: condition {condition} cannot be set on essential container '{target}'"
                )
            graph[name].add(target)
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as cycle:
        raise ClientError(f"{op}: {where}: dependsOn forms a cycle ({' -> '.join(cycle.args[1])})") from None


def check_eks_properties(op: str, props: object) -> None:
    """``eksProperties.podProperties``: at least one container, names unique in the pod,
    environment outside the reserved AWS_BATCH_ space."""
    if not isinstance(props, dict) or not isinstance(props.get("podProperties"), dict):
        raise ClientError(f"{op}: eksProperties.podProperties is required")
    pod = props["podProperties"]
    containers = pod.get("containers")
    if not isinstance(containers, list) or not containers:
        raise ClientError(f"{op}: eksProperties.podProperties.containers needs at least one container")
    init = pod.get("initContainers") or []
    every = [*init, *containers]
    for kind, group in (("initContainers", init), ("containers", containers)):
        if len(group) > MAX_CONTAINERS:  # "This object is limited to 10 elements", each of them
            raise ClientError(
                f"{op}: eksProperties.podProperties.{kind} holds {len(group)} containers; "
                f"it is limited to {MAX_CONTAINERS}"
            )
        for i, container in enumerate(group):
            where = f"eksProperties.podProperties.{kind}[{i}]"
            if not isinstance(container, dict) or not container.get("image"):
                raise ClientError(f"{op}: {where}.image is required")
            check_environment(op, where, container.get("env"))
    names_of(op, "eksProperties.podProperties", every, EKS_DEFAULT_NAME)
    check_namespace(op, "eksProperties.podProperties.metadata", pod.get("metadata"))


def check_namespace(op: str, where: str, metadata: object) -> None:
    """``metadata.namespace``, where given: "1-63 characters long", "Can't be set to default",
    "Can't start with kube", and ``^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`` (EksMetadata)."""
    if not isinstance(metadata, dict) or "namespace" not in metadata:
        return
    namespace = metadata["namespace"]
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 63:
        raise ClientError(f"{op}: {where}.namespace must be 1 to 63 characters long")
    if namespace == "default" or namespace.startswith("kube"):
        raise ClientError(
            f"{op}: {where}.namespace '{namespace}' cannot be 'default' or start with 'kube': "
            "name a namespace with the RBAC roles of the compute environment's kubernetesNamespace"
        )
    if _NAMESPACE.fullmatch(namespace) is None:
        raise ClientError(
            f"{op}: {where}.namespace '{namespace}' must be lowercase letters, digits and '-', "
            "starting and ending with a letter or digit (^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)"
        )


def names_of(op: str, where: str, containers: list[Any], default: str | None) -> list[str]:
    names = [c.get("name") or default for c in containers]
    if None in names:
        raise ClientError(
            f"{op}: {where}[{names.index(None)}].name is required when there are several containers"
        )
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ClientError(f"{op}: {where}: container name '{duplicate}' is used twice")
    return [str(n) for n in names]
