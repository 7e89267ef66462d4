"""ECS- and EKS-properties jobs at SubmitJob: the containers they run, overrides applied.

``ecsProperties.taskProperties[0].containers`` is an ECS task of up to ten containers, whose
``essential`` ones decide the job and whose ``dependsOn`` orders their starts;
``eksProperties.podProperties`` is a Kubernetes pod: its init containers run in order, then its
containers together. Both become a :class:`TaskPlan` that the scheduler runs container by
container.
"""

from __future__ import annotations

from typing import Any

from ...model.numbers import decimal_amount
from ...model.resources import JobDefinition
from ...model.tasks import ECS, EKS, SUCCESS, TaskContainer, TaskPlan
from ..shared.checks import check_environment
from ..shared.router import Call
from ..shared.task_checks import (
    ECS_DEFAULT_NAME,
    EKS_DEFAULT_NAME,
    check_eks_resources,
    check_namespace,
    mebibytes,
)
from .overrides import substitute, with_overrides

_TASK_DETAIL = (
    "containerInstanceArn",
    "ephemeralStorage",
    "executionRoleArn",
    "platformVersion",
    "ipcMode",
    "taskRoleArn",
    "pidMode",
    "networkConfiguration",
    "runtimePlatform",
    "volumes",
    "enableExecuteCommand",
    "networkMode",
)
_ECS_CONTAINER_DETAIL = (
    "command",
    "dependsOn",
    "environment",
    "essential",
    "firelensConfiguration",
    "image",
    "linuxParameters",
    "logConfiguration",
    "mountPoints",
    "name",
    "privileged",
    "readonlyRootFilesystem",
    "repositoryCredentials",
    "resourceRequirements",
    "secrets",
    "ulimits",
    "user",
    "startTimeout",
    "stopTimeout",
)
_EKS_CONTAINER_DETAIL = (
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "env",
    "resources",
    "volumeMounts",
    "securityContext",
)
_POD_DETAIL = (
    "serviceAccountName",
    "hostNetwork",
    "dnsPolicy",
    "imagePullSecrets",
    "volumes",
    "metadata",
    "shareProcessNamespace",
    "securityContext",
)


# -- SubmitJob ---------------------------------------------------------------------------


def task_plan(call: Call, definition: JobDefinition, parameters: dict[str, str]) -> TaskPlan | None:
    """The containers an ECS or EKS job runs, overrides and ``Ref::`` parameters applied."""
    if "ecsProperties" in definition.body:
        return _ecs_plan(call, definition.body["ecsProperties"], parameters)
    if "eksProperties" in definition.body:
        return _eks_plan(call, definition.body["eksProperties"], parameters)
    return None


def _ecs_plan(call: Call, props: dict[str, Any], parameters: dict[str, str]) -> TaskPlan:
    task = props["taskProperties"][0]
    containers = task["containers"]
    names = [c.get("name") or ECS_DEFAULT_NAME for c in containers]
    overrides = _ecs_overrides(call, names)
    volumes = task.get("volumes") or []
    planned, shown = [], []
    for name, container in zip(names, containers, strict=True):
        where = f"ecsPropertiesOverride.taskProperties[0].containers['{name}']"
        merged = with_overrides(call, container, overrides.get(name, {}), where, parameters)
        if "name" in merged or len(containers) > 1:
            merged = {**merged, "name": name}  # never the definition's own container, changed
        shown.append({k: merged[k] for k in _ECS_CONTAINER_DETAIL if k in merged})
        planned.append(
            TaskContainer(
                name=name,
                props={**merged, "volumes": volumes},
                essential=bool(container.get("essential", True)),
                depends_on=tuple(
                    (d["containerName"], d["condition"]) for d in container.get("dependsOn") or []
                ),
            )
        )
    echo = {"taskProperties": [{**{k: task[k] for k in _TASK_DETAIL if k in task}, "containers": shown}]}
    return TaskPlan(ECS, tuple(planned), echo)


def _ecs_overrides(call: Call, names: list[str]) -> dict[str, dict[str, Any]]:
    """``ecsPropertiesOverride``'s container overrides by the name of the container they change."""
    p = call.p
    override = p.opt_dict("ecsPropertiesOverride") or {}
    tasks = override.get("taskProperties") or []
    if len(tasks) > 1:
        raise p.fail("ecsPropertiesOverride.taskProperties takes at most one task")
    found: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate((tasks[0].get("containers") or []) if tasks else []):
        name = entry.get("name") or (names[0] if len(names) == 1 else None)
        if name not in names:
            known = ", ".join(f"'{n}'" for n in names)
            raise p.fail(
                f"ecsPropertiesOverride.taskProperties[0].containers[{i}].name '{entry.get('name')}' "
                f"names no container of the job definition (known: {known})"
            )
        command = entry.get("command")
        if isinstance(command, list) and "" in command:  # TaskContainerOverrides.command
            raise p.fail(
                f"ecsPropertiesOverride.taskProperties[0].containers[{i}].command can't contain an "
                f"empty string (argument {command.index('')}): leave the argument out"
            )
        found[name] = {k: v for k, v in entry.items() if k != "name"}
    return found


def _eks_plan(call: Call, props: dict[str, Any], parameters: dict[str, str]) -> TaskPlan:
    p = call.p
    pod = props["podProperties"]
    override = (p.opt_dict("eksPropertiesOverride") or {}).get("podProperties") or {}
    planned: list[TaskContainer] = []
    shown: dict[str, list[dict[str, Any]]] = {"initContainers": [], "containers": []}
    previous: str | None = None
    for kind in ("initContainers", "containers"):
        group = pod.get(kind) or []
        names = [c.get("name") or EKS_DEFAULT_NAME for c in group]
        changes = _eks_overrides(call, kind, override.get(kind) or [], names)
        for name, container in zip(names, group, strict=True):
            change = changes.get(name, {})
            merged = {**container, **change, "name": name}
            where = f"eksPropertiesOverride.podProperties.{kind}['{name}'].resources"
            check_eks_resources(call.op, where, merged.get("resources"))
            if "env" in change:  # an override adds variables or replaces those of the same name
                by_name = {e["name"]: e for e in [*(container.get("env") or []), *(change["env"] or [])]}
                merged["env"] = list(by_name.values())
            for key in ("command", "args"):
                if key in merged:
                    merged[key] = [substitute(call, part, parameters) for part in merged[key]]
            env = _env(call, kind, name, merged)
            shown[kind].append({k: merged[k] for k in _EKS_CONTAINER_DETAIL if k in merged})
            init = kind == "initContainers"
            planned.append(
                TaskContainer(
                    name=name,
                    props=_eks_container(merged, env, pod.get("volumes") or []),
                    essential=not init,
                    depends_on=((previous, SUCCESS),) if previous is not None else (),
                    init=init,
                )
            )
            if init:
                previous = name
    metadata = dict(pod.get("metadata") or {})
    changed = override.get("metadata") or {}
    check_namespace(call.op, "eksPropertiesOverride.podProperties.metadata", changed)
    for key in ("labels", "annotations"):
        if key in changed:
            metadata[key] = {**metadata.get(key, {}), **changed[key]}
    if "namespace" in changed:
        metadata["namespace"] = changed["namespace"]
    echo: dict[str, Any] = {k: pod[k] for k in _POD_DETAIL if k in pod}
    echo["containers"] = shown["containers"]
    if metadata:  # as registered: the User Guide's DescribeJobs example shows none
        echo["metadata"] = metadata
    if shown["initContainers"]:
        echo["initContainers"] = shown["initContainers"]
    return TaskPlan(EKS, tuple(planned), {"podProperties": echo})


def _eks_overrides(
    call: Call, kind: str, entries: list[dict[str, Any]], names: list[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        name = entry.get("name") or (names[0] if len(names) == 1 else None)
        if name not in names:
            known = ", ".join(f"'{n}'" for n in names) or "none"
            raise call.p.fail(
                f"eksPropertiesOverride.podProperties.{kind}[{i}].name '{entry.get('name')}' names no "
                f"{kind[:-1]} of the job definition (known: {known})"
            )
        found[name] = {k: v for k, v in entry.items() if k != "name"}
    return found


def _env(call: Call, kind: str, name: str, container: dict[str, Any]) -> list[dict[str, str]]:
    env = container.get("env") or []
    check_environment(call.op, f"eksPropertiesOverride.podProperties.{kind}['{name}']", env)
    return [{"name": e["name"], "value": e.get("value", "")} for e in env]


def _eks_container(
    container: dict[str, Any], env: list[dict[str, str]], volumes: list[dict[str, Any]]
) -> dict[str, Any]:
    """An EKS container as the executors run it: the command is ``command`` then ``args``;
    ``kubernetes`` keeps them apart for an engine, where ``command`` replaces the image's
    ENTRYPOINT and ``args`` its CMD (EksContainer)."""
    resources = container.get("resources") or {}
    wanted = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    requirements = []
    cpu = decimal_amount(wanted.get("cpu"))
    if cpu is not None:
        requirements.append({"type": "VCPU", "value": str(cpu)})
    memory = mebibytes(wanted.get("memory"))
    if memory is not None:
        requirements.append({"type": "MEMORY", "value": str(memory)})
    return {
        "image": container["image"],
        "command": [*(container.get("command") or []), *(container.get("args") or [])],
        "environment": env,
        "resourceRequirements": requirements,
        "kubernetes": {"command": container.get("command"), "args": container.get("args")},
        # the pod's volumes as an engine mounts them: a hostPath is the host's; the others
        # (emptyDir, secret, persistentVolumeClaim) are a volume the pod's containers share
        "volumes": [
            {
                "name": v["name"],
                **({"host": {"sourcePath": v["hostPath"]["path"]}} if v.get("hostPath") else {}),
            }
            for v in volumes
        ],
        "mountPoints": [
            {"sourceVolume": m["name"], "containerPath": m["mountPath"], "readOnly": bool(m.get("readOnly"))}
            for m in container.get("volumeMounts") or []
        ],
    }
