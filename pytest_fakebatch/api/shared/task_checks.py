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

from ...errors import ClientError
from ...model.numbers import decimal_amount
from ...model.tasks import COMPLETE, START, SUCCESS
from .checks import check_container, check_environment

MAX_CONTAINERS = 10
EKS_DEFAULT_NAME = "Default"  # AWS's name for an EKS container that was given none
ECS_DEFAULT_NAME = "default"  # the middle part of a single unnamed ECS container's log stream
_DNS_POLICIES = ("Default", "ClusterFirst", "ClusterFirstWithHostNet")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_MIN_MEMORY_MIB = 4
_MIN_TIMEOUT_SECONDS = 2  # a task container's startTimeout and stopTimeout
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
        for key in ("startTimeout", "stopTimeout"):  # "The minimum value is 2 seconds"
            seconds = container.get(key)
            if seconds is not None and seconds < _MIN_TIMEOUT_SECONDS:
                raise ClientError(
                    f"{op}: {where}[{i}].{key} is {seconds} seconds; the minimum is {_MIN_TIMEOUT_SECONDS}"
                )
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
            check_eks_resources(op, f"{where}.resources", container.get("resources"))
            _one_of(op, f"{where}.imagePullPolicy", container.get("imagePullPolicy"), _PULL_POLICIES)
    names_of(op, "eksProperties.podProperties", every, EKS_DEFAULT_NAME)
    check_namespace(op, "eksProperties.podProperties.metadata", pod.get("metadata"))
    _one_of(op, "eksProperties.podProperties.dnsPolicy", pod.get("dnsPolicy"), _DNS_POLICIES)


def check_eks_resources(op: str, where: str, resources: object) -> None:
    """EksContainerResourceRequirements: memory at least 4 MiB and the same in ``limits`` and
    ``requests``; cpu "an even multiple of 0.25", its limit at least its request; nvidia.com/gpu
    "a whole integer", the same in both."""
    if not isinstance(resources, dict):
        return
    given = {kind: resources.get(kind) or {} for kind in ("limits", "requests")}
    for kind, values in given.items():
        memory = values.get("memory")
        if memory is not None and (mebibytes(memory) or 0) < _MIN_MEMORY_MIB:
            raise ClientError(
                f"{op}: {where}.{kind}.memory {memory!r} is not a memory size of at least "
                f"{_MIN_MEMORY_MIB} MiB: write whole MiB with a 'Mi' suffix, such as '2048Mi'"
            )
        cpu = values.get("cpu")
        if cpu is not None and ((amount := decimal_amount(cpu)) is None or (amount * 4) % 1):
            raise ClientError(f"{op}: {where}.{kind}.cpu {cpu!r} must be an even multiple of 0.25")
        gpu = values.get("nvidia.com/gpu")
        if gpu is not None and (not isinstance(gpu, str) or not gpu.isdigit()):
            raise ClientError(f"{op}: {where}.{kind}.nvidia.com/gpu {gpu!r} must be a whole integer")
    limits, requests = given["limits"], given["requests"]
    for name in ("memory", "nvidia.com/gpu"):
        if name in limits and name in requests and _amount(limits[name]) != _amount(requests[name]):
            raise ClientError(
                f"{op}: {where}: {name} is in limits ({limits[name]}) and requests "
                f"({requests[name]}), which must then be equal"
            )
    if "cpu" in limits and "cpu" in requests and _amount(limits["cpu"]) < _amount(requests["cpu"]):
        raise ClientError(
            f"{op}: {where}: the cpu limit ({limits['cpu']}) must be at least as large as the "
            f"cpu request ({requests['cpu']})"
        )


def mebibytes(value: object) -> int | None:
    """A Kubernetes memory quantity (``2048Mi``, ``2Gi``) in MiB; None if it is not one."""
    if not isinstance(value, str):
        return None
    for suffix, factor in (("Mi", 1), ("Gi", 1024)):
        if value.endswith(suffix):
            amount = decimal_amount(value[: -len(suffix)])
            return int(amount * factor) if amount is not None else None
    return None


def _amount(value: str) -> float:
    return float(mebibytes(value) or decimal_amount(value) or 0)


def _one_of(op: str, where: str, value: object, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ClientError(f"{op}: {where} must be one of {', '.join(allowed)}, got {value!r}")


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
