"""Consumable resources (resource-aware scheduling): the resources and the jobs that need them.

The scheduler takes and gives back the quantities (``scheduling/consumables.py``); this
module only creates, changes and shows the resources.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from ...model.consumables import REPLENISHABLE, RESOURCE_TYPES, ConsumableResource
from ...model.jobs import STATUSES, Job
from ..shared.params import name_filter, new_name, paged
from ..shared.router import Call, Response, batch_operation
from ..shared.tagging import set_create_tags, tags_of

_OPERATIONS = ("SET", "ADD", "REMOVE")
_MAX_QUANTITY = 2**63 - 1  # totalQuantity is a Long
_TOKEN_LIFETIME_MS = 8 * 3600 * 1000  # "A clientToken is valid for 8 hours."
# "The maximum number of consumable resources per account is 50k." (User Guide, "Create
# consumable resources"); the fake counts them per account and region, as it keeps them
_MAX_RESOURCES = 50_000


@batch_operation("CreateConsumableResource")
def create_consumable_resource(call: Call) -> Response:
    p, region = call.p, call.region
    name = new_name(
        p, "consumableResourceName", "consumable resource", region.consumable_resources, region.region
    )
    total = p.opt_int("totalQuantity")
    total = 0 if total is None else total
    if total < 0:
        raise p.fail(f"totalQuantity must be non-negative, got {total}")
    kind = p.choice("resourceType", RESOURCE_TYPES, REPLENISHABLE)
    if len(region.consumable_resources) >= _MAX_RESOURCES:
        raise p.fail(
            f"the account has {len(region.consumable_resources)} consumable resources in "
            f"{region.region}, the most AWS allows ({_MAX_RESOURCES}): delete one before creating "
            f"'{name}'"
        )
    resource = ConsumableResource(
        name=name,
        arn=region.arn("consumable-resource", name),
        resource_type=kind,
        total=total,
        created_at=call.now(),
    )
    set_create_tags(call, resource.arn)
    region.consumable_resources[name] = resource
    return {"consumableResourceName": name, "consumableResourceArn": resource.arn}


@batch_operation("DescribeConsumableResource")
def describe_consumable_resource(call: Call) -> Response:
    resource = call.region.consumable_resource(call.op, call.p.text("consumableResource"))
    return {
        "consumableResourceName": resource.name,
        "consumableResourceArn": resource.arn,
        "totalQuantity": resource.total_quantity,
        "inUseQuantity": resource.in_use,
        "availableQuantity": resource.available,
        "resourceType": resource.resource_type,
        "createdAt": resource.created_at,
        "tags": tags_of(call.region, resource.arn),
    }


@batch_operation("UpdateConsumableResource")
def update_consumable_resource(call: Call) -> Response:
    p, region = call.p, call.region
    resource = region.consumable_resource(p.op, p.text("consumableResource"))
    token = p.opt_str("clientToken")
    digest = _digest(call)
    now = call.now()
    if token is not None:
        earlier = region.update_tokens.get(token)
        if earlier is not None and now - earlier[1] < _TOKEN_LIFETIME_MS:
            if earlier[0] != digest:
                raise p.fail(
                    f"clientToken '{token}' was used for another update within 8 hours: "
                    "send a new clientToken for a different request"
                )
            return dict(earlier[2])  # the same request again: it happens only once
    operation = p.choice("operation", _OPERATIONS, "SET")
    quantity = p.integer("quantity")
    if quantity < 0:
        raise p.fail(f"quantity must be non-negative, got {quantity}")
    # the total asked for; below what running jobs hold, the total shown converges to it as
    # they end (see ConsumableResource)
    total = {"SET": quantity, "ADD": resource.total + quantity, "REMOVE": resource.total - quantity}[
        operation
    ]
    if total > _MAX_QUANTITY:
        raise p.fail(f"{operation} {quantity} would make totalQuantity {total}, over {_MAX_QUANTITY}")
    if total < 0:
        raise p.fail(
            f"{operation} {quantity} would make totalQuantity of '{resource.name}' {total}: it must be "
            f"non-negative (it is {resource.total}{_held(resource)}); remove at most {resource.total}"
        )
    resource.total = total
    answer: Response = {
        "consumableResourceName": resource.name,
        "consumableResourceArn": resource.arn,
        "totalQuantity": resource.total_quantity,
    }
    if token is not None:
        region.update_tokens[token] = (digest, now, dict(answer))
    return answer


def _held(resource: ConsumableResource) -> str:
    """How running jobs make the total shown differ from the total asked for, if they do."""
    if resource.replenishable and resource.total_quantity != resource.total:
        return f", shown as {resource.total_quantity} until running jobs give back what they hold"
    if not resource.replenishable and resource.in_use:
        return f", with {resource.in_use} more held by running jobs and no longer part of it"
    return ""


def _digest(call: Call) -> str:
    """What makes two updates "identical payloads": the request without its clientToken."""
    body = {k: v for k, v in call.p.raw.items() if k != "clientToken"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=repr).encode()).hexdigest()


@batch_operation("DeleteConsumableResource")
def delete_consumable_resource(call: Call) -> Response:
    """User Guide, "Delete a consumable resource": "You can delete a consumable resource at any
    time, even when the jobs that require the resource are still running." Running jobs run on;
    what they hold is not given back to anything (``scheduling/consumables.py``). Waiting jobs
    wait for a resource of the same name, "considered to be the same resource": its jobs stay
    listed by ListJobsByConsumableResource once it is created again."""
    p, region = call.p, call.region
    resource = region.consumable_resource(p.op, p.text("consumableResource"))
    del region.consumable_resources[resource.name]
    region.tags.pop(resource.arn, None)
    return {}


@batch_operation("ListConsumableResources")
def list_consumable_resources(call: Call) -> Response:
    checks = _filters(call, {"CONSUMABLE_RESOURCE_NAME": _name_is})
    found = [r for r in call.region.consumable_resources.values() if all(c(r) for c in checks)]
    return paged(call.p, "consumableResources", found, _summary, limit=100)


def _summary(resource: ConsumableResource) -> Response:
    return {
        "consumableResourceArn": resource.arn,
        "consumableResourceName": resource.name,
        "totalQuantity": resource.total_quantity,
        "inUseQuantity": resource.in_use,
        "resourceType": resource.resource_type,
    }


@batch_operation("ListJobsByConsumableResource")
def list_jobs_by_consumable_resource(call: Call) -> Response:
    """Every job (array child, multi-node node or single job: the jobs that hold quantities)
    that requires the resource, in submission order."""
    p, region = call.p, call.region
    resource = region.consumable_resource(p.op, p.text("consumableResource"))
    checks = _filters(call, {"JOB_STATUS": _status_is(call), "JOB_NAME": _job_name_is})
    jobs = [j for j in region.consumable_jobs.get(resource.name, []) if all(c(j) for c in checks)]

    def render(job: Job) -> Response:
        quantity = next(q for r, q in job.consumables if r.name == resource.name)
        properties = job.spec.consumable_properties
        if job.node_consumables is not None:  # a multi-node job's node: its node range's
            properties = job.node_consumable_properties
        summary: Response = {
            "jobArn": job.arn,
            "jobQueueArn": job.spec.queue.arn,
            "jobName": job.spec.name,
            "jobDefinitionArn": job.spec.definition.arn,
            "jobStatus": job.status,
            "quantity": quantity,
            "createdAt": job.created_at,
            "consumableResourceProperties": properties or {},
        }
        if job.spec.share_identifier is not None:
            summary["shareIdentifier"] = job.spec.share_identifier
        if job.status_reason is not None:
            summary["statusReason"] = job.status_reason
        if job.started_at is not None:
            summary["startedAt"] = job.started_at
        return summary

    return paged(p, "jobs", jobs, render, limit=100)


T = TypeVar("T")


def _name_is(value: str) -> Callable[[ConsumableResource], bool]:
    matches = name_filter(value)
    return lambda resource: matches(resource.name)


def _job_name_is(value: str) -> Callable[[Job], bool]:
    matches = name_filter(value)
    return lambda job: matches(job.spec.name)


def _status_is(call: Call) -> Callable[[str], Callable[[Job], bool]]:
    def make(value: str) -> Callable[[Job], bool]:
        if value not in STATUSES:
            raise call.p.fail(f"filter JOB_STATUS takes one of {', '.join(STATUSES)}, got '{value}'")
        return lambda job: job.status == value

    return make


def _filters(call: Call, known: dict[str, Callable[[str], Callable[[T], bool]]]) -> list[Callable[[T], bool]]:
    """The request's filters: each a name AWS knows and at least one value; an item matches
    a filter when it matches any of its values, and the request when it matches every filter."""
    p = call.p
    checks: list[Callable[[T], bool]] = []
    for i, entry in enumerate(p.opt_list("filters") or []):
        name = entry.get("name") if isinstance(entry, dict) else None
        values = entry.get("values") if isinstance(entry, dict) else None
        if name not in known:
            raise p.fail(f"filters[{i}].name must be one of {', '.join(known)}, got {name!r}")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise p.fail(f"filters[{i}].values must hold at least one string")
        checks.append(_any_of([known[name](v) for v in values]))
    return checks


def _any_of(alternatives: list[Callable[[T], bool]]) -> Callable[[T], bool]:
    return lambda item: any(a(item) for a in alternatives)
