"""Job definitions and their revisions."""

from __future__ import annotations

import re
from typing import Any

from ...model.resources import JobDefinition, definition_ref
from ..shared.checks import check_consumables, check_container, check_timeout, parse_retry_strategy
from ..shared.params import check_str_map, check_tags, paged
from ..shared.router import Call, Response, batch_operation
from ..shared.task_checks import check_ecs_properties, check_eks_properties

_DEFINITION_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_TYPES = ("container", "multinode")
_ECHOED = (
    "parameters",
    "schedulingPriority",
    "containerProperties",
    "nodeProperties",
    "retryStrategy",
    "propagateTags",
    "timeout",
    "platformCapabilities",
    "eksProperties",
    "ecsProperties",
    "consumableResourceProperties",
)


@batch_operation("RegisterJobDefinition")
def register_job_definition(call: Call) -> Response:
    p, region = call.p, call.region
    name = p.text("jobDefinitionName")
    if not _DEFINITION_NAME.fullmatch(name):
        raise p.fail(
            f"jobDefinitionName '{name}' is invalid: use 1 to 128 letters, digits, hyphens and underscores"
        )
    kind = p.choice("type", _TYPES)
    if kind == "container":
        bodies = [k for k in ("containerProperties", "ecsProperties", "eksProperties") if k in p.raw]
        if len(bodies) != 1:
            raise p.fail(
                "a container job definition needs exactly one of containerProperties, ecsProperties "
                f"and eksProperties (got {bodies or 'none'})"
            )
        if "containerProperties" in p.raw:
            check_container(p.op, "containerProperties", p.raw["containerProperties"])
        elif "ecsProperties" in p.raw:
            check_ecs_properties(p.op, p.raw["ecsProperties"])
        else:
            check_eks_properties(p.op, p.raw["eksProperties"])
    else:
        nodes = p.opt_dict("nodeProperties")
        if nodes is None:
            raise p.fail("a multinode job definition needs nodeProperties")
        _check_nodes(call, nodes)
    check_str_map(p.op, "parameters", p.opt_dict("parameters"))
    priority = p.opt_int("schedulingPriority")
    if priority is not None and not 0 <= priority <= 9999:
        raise p.fail(f"schedulingPriority must be between 0 and 9999, got {priority}")
    parse_retry_strategy(p.op, p.raw.get("retryStrategy"))
    check_timeout(p.op, p.raw.get("timeout"))
    check_consumables(region, p.op, "consumableResourceProperties", p.raw.get("consumableResourceProperties"))
    tags = check_tags(p.op, p.str_map("tags"))
    revisions = region.job_definitions.setdefault(name, [])
    revision = revisions[-1].revision + 1 if revisions else 1
    arn = region.arn("job-definition", f"{name}:{revision}")
    body = {k: p.raw[k] for k in _ECHOED if k in p.raw}
    revisions.append(JobDefinition(name, revision, arn, "ACTIVE", kind, body))
    if tags:
        region.tags[arn] = tags
    return {"jobDefinitionName": name, "jobDefinitionArn": arn, "revision": revision}


def _check_nodes(call: Call, nodes: dict[str, Any]) -> None:
    p = call.p
    count, main = nodes.get("numNodes"), nodes.get("mainNode")
    ranges = nodes.get("nodeRangeProperties")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise p.fail(f"nodeProperties.numNodes must be a positive integer, got {count!r}")
    if not isinstance(main, int) or isinstance(main, bool) or not 0 <= main < count:
        raise p.fail(f"nodeProperties.mainNode must be a node index below numNodes ({count}), got {main!r}")
    if not isinstance(ranges, list) or not ranges:
        raise p.fail("nodeProperties.nodeRangeProperties needs at least one range")
    for i, node_range in enumerate(ranges):
        if not isinstance(node_range, dict) or not isinstance(node_range.get("targetNodes"), str):
            raise p.fail(f"nodeProperties.nodeRangeProperties[{i}].targetNodes is required")
        check_consumables(
            call.region,
            p.op,
            f"nodeProperties.nodeRangeProperties[{i}].consumableResourceProperties",
            node_range.get("consumableResourceProperties"),
        )
        if "container" in node_range:
            check_container(
                p.op, f"nodeProperties.nodeRangeProperties[{i}].container", node_range["container"]
            )


def describe_definition(call: Call, definition: JobDefinition) -> Response:
    return {
        "jobDefinitionName": definition.name,
        "jobDefinitionArn": definition.arn,
        "revision": definition.revision,
        "status": definition.status,
        "type": definition.type,
        "tags": dict(call.region.tags.get(definition.arn, {})),
        "containerOrchestrationType": "EKS" if "eksProperties" in definition.body else "ECS",
        **definition.body,
    }


@batch_operation("DescribeJobDefinitions")
def describe_job_definitions(call: Call) -> Response:
    p, region = call.p, call.region
    refs = p.str_list("jobDefinitions")
    if len(refs) > 100:
        raise p.fail(f"jobDefinitions takes at most 100 entries, got {len(refs)}")
    name = p.opt_str("jobDefinitionName")
    status = p.opt_str("status")
    if status is not None and status not in ("ACTIVE", "INACTIVE"):
        raise p.fail(f"status must be ACTIVE or INACTIVE, got '{status}'")
    everything = [d for defs in region.job_definitions.values() for d in defs]
    if refs:
        wanted = set(refs)
        found = [
            d for d in everything if d.arn in wanted or f"{d.name}:{d.revision}" in wanted or d.name in wanted
        ]
    else:
        found = everything
    found = [d for d in found if (name is None or d.name == name) and (status is None or d.status == status)]
    return paged(p, "jobDefinitions", found, lambda d: describe_definition(call, d), limit=100)


@batch_operation("DeregisterJobDefinition")
def deregister_job_definition(call: Call) -> Response:
    p, region = call.p, call.region
    ref = p.text("jobDefinition")
    if definition_ref(p.op, ref)[1] is None:
        raise p.fail(f"jobDefinition '{ref}' must name a revision: name:revision or its ARN")
    region.job_definition(p.op, ref).status = "INACTIVE"
    return {}
