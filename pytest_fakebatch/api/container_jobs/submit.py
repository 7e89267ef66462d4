"""SubmitJob: everything AWS checks, then one job (or an array of them) in SUBMITTED."""

from __future__ import annotations

import uuid
from typing import Any

from ...model.consumables import ConsumableResource
from ...model.jobs import Dependency, Job, JobSpec, container_vcpus, log_group
from ...model.numbers import whole_number
from ...model.resources import JobDefinition
from ...scheduling.lifecycle import add_job
from ..shared.checks import check_consumables, check_timeout, parse_retry_strategy
from ..shared.params import check_name, check_tags
from ..shared.router import Call, Response, batch_operation
from .overrides import with_overrides
from .tasks import task_plan

_MAX_DEPENDENCIES = 20
# a node's own consumableResourceProperties, and the resources and quantities they name
_NodeNeeds = tuple[dict[str, Any], tuple[tuple[ConsumableResource, int], ...]]
_NODE_DIGITS = 4  # node indexes are below 1000


@batch_operation("SubmitJob")
def submit_job(call: Call) -> Response:
    p, region = call.p, call.region
    name = check_name(p.op, "jobName", p.text("jobName"))
    queue = region.job_queue(p.op, p.text("jobQueue"))
    if queue.is_service:
        raise p.fail(
            f"job queue '{queue.name}' is a SAGEMAKER_TRAINING queue: submit to it with SubmitServiceJob"
        )
    if queue.state != "ENABLED":
        raise p.fail(f"job queue '{queue.name}' is DISABLED: enable it before submitting jobs to it")
    definition = region.job_definition(p.op, p.text("jobDefinition"))
    if definition.status != "ACTIVE":
        raise p.fail(f"job definition '{definition.name}:{definition.revision}' is INACTIVE")
    array_size = _array_size(call)
    parameters = {**definition.body.get("parameters", {}), **p.str_map("parameters")}
    nodes = _nodes(call, definition, parameters)
    node_needs = None if nodes is None else _node_consumables(call, definition, len(nodes[1]))
    if nodes is not None and array_size is not None:
        raise p.fail("a multi-node job cannot also be an array job")
    _check_override_kind(call, definition)
    task = task_plan(call, definition, parameters)
    if task is not None:
        container = dict(task.main.props)
        main_node = None
    elif nodes is None:
        overrides = p.opt_dict("containerOverrides") or {}
        container = with_overrides(call, definition.container, overrides, "containerOverrides", parameters)
        main_node = None
    else:
        main_node, node_containers = nodes
        container = node_containers[main_node]
    retry = parse_retry_strategy(p.op, p.raw.get("retryStrategy", definition.body.get("retryStrategy")))
    attempts, rules = retry if retry is not None else (1, ())
    timeout = check_timeout(p.op, p.raw.get("timeout", definition.body.get("timeout")))
    tags = check_tags(p.op, p.str_map("tags"))
    share, priority = _fair_share(call, queue.scheduling_policy_arn, definition)
    depends_on = _dependencies(call, array_size)
    propagate = p.opt_bool("propagateTags")
    # the override replaces the definition's list; resources are looked up again, as they may
    # have been deleted since the definition was registered
    where = "consumableResourcePropertiesOverride"
    consumable_properties = p.raw.get(where)
    if consumable_properties is None:
        where = f"job definition '{definition.name}:{definition.revision}' consumableResourceProperties"
        consumable_properties = definition.body.get("consumableResourceProperties")
    consumables = check_consumables(region, p.op, where, consumable_properties)
    spec = JobSpec(
        name=name,
        queue=queue,
        definition=definition,
        dependencies_sent=tuple((d.get("jobId"), d.get("type")) for d in depends_on),
        parameters=parameters,
        container=container,
        vcpus=container_vcpus(container)
        if task is None
        else sum(container_vcpus(c.props) for c in task.containers if not c.init),
        timeout=timeout,
        attempts=attempts,
        retry_rules=rules,
        tags=tags,
        propagate_tags=bool(definition.body.get("propagateTags", False) if propagate is None else propagate),
        share_identifier=share,
        scheduling_priority=priority,
        array_size=array_size,
        log_group=log_group(container),
        main_node=main_node,
        consumables=consumables,
        consumable_properties=consumable_properties,
        task=task,
    )
    job_id = str(uuid.uuid4())
    now = call.now()
    job = Job(id=job_id, arn=region.arn("job", job_id), spec=spec, created_at=now, seq=call.next_seq())
    if nodes is not None:
        assert node_needs is not None
        job.children = [
            _child(
                call,
                job,
                f"#{i}",
                i,
                node_container=node,
                node_vcpus=container_vcpus(node),
                node_consumables=None if needs is None else needs[1],
                node_consumable_properties=None if needs is None else needs[0],
            )
            for i, (node, needs) in enumerate(zip(nodes[1], node_needs, strict=True))
        ]
        _link_children(call, job, depends_on)
    elif array_size is None:
        job.depends_on = tuple(Dependency(region.jobs[d["jobId"]], None) for d in depends_on)
    else:
        job.children = [_child(call, job, f":{i}", i) for i in range(array_size)]
        _link_children(call, job, depends_on)
    add_job(region, job)
    for child in job.children:
        add_job(region, child)
    if tags:
        region.tags[job.arn] = tags
    return {"jobArn": job.arn, "jobName": name, "jobId": job_id}


_OVERRIDES = {
    "containerOverrides": "containerProperties",
    "nodeOverrides": "nodeProperties",
    "ecsPropertiesOverride": "ecsProperties",
    "eksPropertiesOverride": "eksProperties",
}


def _check_override_kind(call: Call, definition: JobDefinition) -> None:
    """Overrides apply only to the kind of job definition they are made for."""
    for override, kind in _OVERRIDES.items():
        if call.p.raw.get(override) is not None and kind not in definition.body:
            raise call.p.fail(
                f"{override} applies only to a job definition with {kind}; "
                f"'{definition.name}:{definition.revision}' has none"
            )


def _child(call: Call, parent: Job, suffix: str, index: int, **extra: Any) -> Job:
    """An array child (``<id>:<i>``) or a multi-node job's node (``<id>#<n>``)."""
    job_id = parent.id + suffix
    return Job(
        id=job_id,
        arn=call.region.arn("job", job_id),
        spec=parent.spec,
        created_at=parent.created_at,
        seq=parent.seq,
        parent=parent,
        index=index,
        **extra,
    )


def _array_size(call: Call) -> int | None:
    props = call.p.opt_dict("arrayProperties")
    if not props:
        return None
    size = props.get("size")
    if size is None:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or not 2 <= size <= 10_000:
        raise call.p.fail(f"arrayProperties.size must be between 2 and 10000, got {size!r}")
    return size


def _nodes(
    call: Call, definition: JobDefinition, parameters: dict[str, str]
) -> tuple[int, list[dict[str, Any]]] | None:
    """A multi-node job's main node and each node's container, overrides applied."""
    props = definition.body.get("nodeProperties")
    if props is None:
        return None
    p = call.p
    overrides = p.opt_dict("nodeOverrides") or {}
    count = overrides.get("numNodes", props["numNodes"])
    main = props["mainNode"]
    if not isinstance(count, int) or isinstance(count, bool) or not main < count <= 1000:
        raise p.fail(f"nodeOverrides.numNodes must be above the main node ({main}) and at most 1000")
    containers: list[dict[str, Any] | None] = [None] * count
    for node_range in props["nodeRangeProperties"]:
        for i in _target_nodes(call, node_range["targetNodes"], count):
            containers[i] = node_range.get("container") or {}
    missing = [i for i, c in enumerate(containers) if c is None]
    if missing:
        raise p.fail(f"nodes {missing} are in no nodeRangeProperties range of the job definition")
    node_overrides = overrides.get("nodePropertyOverrides") or []
    if not isinstance(node_overrides, list):
        raise p.fail("nodeOverrides.nodePropertyOverrides must be a list")
    result = []
    for i, base in enumerate(containers):
        assert base is not None
        merged = dict(base)
        for j, entry in enumerate(node_overrides):
            where = f"nodeOverrides.nodePropertyOverrides[{j}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("targetNodes"), str):
                raise p.fail(f"{where}.targetNodes is required")
            if i in _target_nodes(call, entry["targetNodes"], count):
                merged = with_overrides(
                    call, merged, entry.get("containerOverrides") or {}, f"{where}.containerOverrides", None
                )
        result.append(with_overrides(call, merged, {}, "nodeOverrides", parameters))
    return main, result


def _node_consumables(call: Call, definition: JobDefinition, count: int) -> list[_NodeNeeds | None]:
    """Each node's consumableResourceProperties and what they need, where its node range names
    some (the last such range holding it: nested ranges override) or a node override replaces
    them (``consumableResourcePropertiesOverride``); None: the node needs the job's own list."""
    named: list[tuple[str, Any] | None] = [None] * count

    def name(entry: dict[str, Any], key: str, where: str) -> None:
        if entry.get(key) is not None:
            for i in _target_nodes(call, entry["targetNodes"], count):
                named[i] = (f"{where}.{key}", entry[key])

    where = f"job definition '{definition.name}:{definition.revision}' nodeProperties.nodeRangeProperties"
    for k, node_range in enumerate(definition.body["nodeProperties"]["nodeRangeProperties"]):
        name(node_range, "consumableResourceProperties", f"{where}[{k}]")
    overrides = (call.p.opt_dict("nodeOverrides") or {}).get("nodePropertyOverrides") or []
    for j, override in enumerate(overrides):
        name(override, "consumableResourcePropertiesOverride", f"nodeOverrides.nodePropertyOverrides[{j}]")
    checked: dict[str, _NodeNeeds] = {}
    for choice in named:
        if choice is not None and choice[0] not in checked:
            checked[choice[0]] = (choice[1], check_consumables(call.region, call.p.op, *choice))
    return [None if choice is None else checked[choice[0]] for choice in named]


def _target_nodes(call: Call, target: str, count: int) -> range:
    """``targetNodes`` as AWS writes it: ``n``, ``a:b``, ``a:`` or ``:b`` (inclusive)."""
    start, sep, end = target.partition(":")
    first = whole_number(start, _NODE_DIGITS) if start else 0
    last = (whole_number(end, _NODE_DIGITS) if end else count - 1) if sep else first
    if first is None or last is None:
        raise call.p.fail(f"targetNodes '{target[:40]}' must look like 'n', 'a:b', 'a:' or ':b'")
    if not 0 <= first <= last:
        raise call.p.fail(f"targetNodes '{target}' is not a valid range of node indexes")
    return range(first, min(last, count - 1) + 1)


def _fair_share(call: Call, policy_arn: str | None, definition: JobDefinition) -> tuple[str | None, int]:
    p = call.p
    share = p.opt_str("shareIdentifier")
    priority = p.opt_int("schedulingPriorityOverride")
    if policy_arn is None and share is not None:
        raise p.fail("shareIdentifier can only be given for a job queue with a fair-share scheduling policy")
    if policy_arn is not None and share is None:
        raise p.fail("the job queue has a fair-share scheduling policy: give a shareIdentifier")
    if priority is not None and not 0 <= priority <= 9999:
        raise p.fail(f"schedulingPriorityOverride must be between 0 and 9999, got {priority}")
    if priority is None:
        priority = definition.body.get("schedulingPriority", 0)
    return share, int(priority or 0)


def _dependencies(call: Call, array_size: int | None) -> list[dict[str, Any]]:
    p, region = call.p, call.region
    raw = p.opt_list("dependsOn") or []
    if len(raw) > _MAX_DEPENDENCIES:
        raise p.fail(f"dependsOn takes at most {_MAX_DEPENDENCIES} dependencies, got {len(raw)}")
    checked = []
    for i, dep in enumerate(raw):
        if not isinstance(dep, dict):
            raise p.fail(f"dependsOn[{i}] must be an object")
        kind = dep.get("type")
        if kind not in (None, "N_TO_N", "SEQUENTIAL"):
            raise p.fail(f"dependsOn[{i}].type must be N_TO_N or SEQUENTIAL, got {kind!r}")
        job_id = dep.get("jobId")
        if kind == "SEQUENTIAL":
            if job_id is not None:
                raise p.fail(f"dependsOn[{i}]: a SEQUENTIAL dependency takes no jobId")
            if array_size is None:
                raise p.fail(f"dependsOn[{i}]: SEQUENTIAL applies only to an array job")
        else:
            if not isinstance(job_id, str) or job_id not in region.jobs:
                raise p.fail(f"dependsOn[{i}]: job '{job_id}' does not exist in {region.region}")
            if kind == "N_TO_N":
                other = region.jobs[job_id]
                other_size = len(other.children) or None
                if array_size is None or other_size != array_size:
                    raise p.fail(
                        f"dependsOn[{i}]: N_TO_N needs two array jobs of the same size "
                        f"(this job: {array_size or 'not an array'}, "
                        f"job '{job_id}': {other_size or 'not an array'})"
                    )
        checked.append(dep)
    return checked


def _link_children(call: Call, parent: Job, depends_on: list[dict[str, Any]]) -> None:
    """Each child's own dependencies: the array's, N_TO_N's child i, SEQUENTIAL's child i-1."""
    region = call.region
    for dep in depends_on:
        kind = dep.get("type")
        for child in parent.children:
            assert child.index is not None
            if kind == "SEQUENTIAL":
                if not child.index:
                    continue
                on = parent.children[child.index - 1]
            else:
                on = region.jobs[dep["jobId"]]
                on = on.children[child.index] if kind == "N_TO_N" else on
            child.depends_on = (*child.depends_on, Dependency(on, kind))
