"""AWS's rules for what job definitions and submits share: containers, resources, timeouts
and retry strategies."""

from __future__ import annotations

import re
from typing import Any

from ...errors import ClientError
from ...model.consumables import ConsumableResource
from ...model.jobs import resource_amount
from ...model.region import Region
from ...model.resources import lookup
from ...model.retry_rules import RetryRule

_MAX_CONSUMABLES = 5  # "up to 5 resources for each job", as AWS's user guide says
_EXIT_CODE = re.compile(r"[0-9]{1,512}\*?|\*")
_TEXT = re.compile(r"[A-Za-z0-9.: \t]{0,512}\*?")


def check_timeout(op: str, timeout: object) -> int | None:
    """``timeout.attemptDurationSeconds``: at least 60 seconds, as AWS requires."""
    if timeout is None:
        return None
    if not isinstance(timeout, dict):
        raise ClientError(f"{op}: timeout must be an object")
    seconds = timeout.get("attemptDurationSeconds")
    if seconds is None:
        return None
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 60:
        raise ClientError(f"{op}: timeout.attemptDurationSeconds must be at least 60, got {seconds!r}")
    return seconds


def check_environment(op: str, where: str, environment: object) -> list[dict[str, str]]:
    """A container's ``environment``: name/value pairs, none in the reserved AWS_BATCH_ space."""
    if environment is None:
        return []
    if not isinstance(environment, list):
        raise ClientError(f"{op}: {where}.environment must be a list of name/value pairs")
    for i, pair in enumerate(environment):
        if not isinstance(pair, dict) or not isinstance(pair.get("name"), str):
            raise ClientError(f"{op}: {where}.environment[{i}] needs a string 'name'")
        if not isinstance(pair.get("value", ""), str):
            raise ClientError(f"{op}: {where}.environment[{i}] ('{pair['name']}') needs a string 'value'")
        if pair["name"].startswith("AWS_BATCH_"):
            raise ClientError(
                f"{op}: {where}.environment variable '{pair['name']}' uses the prefix AWS_BATCH_, "
                "which is reserved for variables that AWS Batch sets"
            )
    return environment


def check_container(op: str, where: str, container: object) -> dict[str, Any]:
    if not isinstance(container, dict):
        raise ClientError(f"{op}: {where} must be an object")
    image = container.get("image")
    if not isinstance(image, str) or not image:
        raise ClientError(f"{op}: {where}.image is required")
    command = container.get("command", [])
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        raise ClientError(f"{op}: {where}.command must be a list of strings")
    check_environment(op, where, container.get("environment"))
    check_resources(op, where, container)
    config = container.get("logConfiguration")
    if config is not None:
        options = config.get("options", {}) if isinstance(config, dict) else None
        if not isinstance(config, dict) or not isinstance(config.get("logDriver"), str):
            raise ClientError(f"{op}: {where}.logConfiguration needs a logDriver")
        if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
            raise ClientError(f"{op}: {where}.logConfiguration.options must map strings to strings")
    return container


def check_resources(op: str, where: str, container: dict[str, Any]) -> None:
    """``vcpus``, ``memory`` and ``resourceRequirements`` as AWS accepts them."""
    for key in ("vcpus", "memory"):
        value = container.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ClientError(f"{op}: {where}.{key} must be a positive integer, got {value!r}")
    requirements = container.get("resourceRequirements")
    if requirements is None:
        return
    if not isinstance(requirements, list) or not all(
        isinstance(r, dict) and isinstance(r.get("type"), str) and isinstance(r.get("value"), str)
        for r in requirements
    ):
        raise ClientError(f"{op}: {where}.resourceRequirements must be a list of {{type, value}} strings")
    for requirement in requirements:
        kind, value = requirement["type"], requirement["value"]
        if kind in ("VCPU", "MEMORY") and resource_amount(value) is None:
            raise ClientError(
                f"{op}: {where}.resourceRequirements {kind} must be a positive number, got '{value}'"
            )


def parse_retry_strategy(op: str, strategy: object) -> tuple[int, tuple[RetryRule, ...]] | None:
    """Validate a retryStrategy the way AWS does; None when none was given."""
    if strategy is None:
        return None
    if not isinstance(strategy, dict):
        raise ClientError(f"{op}: retryStrategy must be an object")
    attempts = strategy.get("attempts", 1)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
        raise ClientError(f"{op}: retryStrategy.attempts must be between 1 and 10, got {attempts!r}")
    raw_rules = strategy.get("evaluateOnExit") or []
    if not isinstance(raw_rules, list) or len(raw_rules) > 5:
        raise ClientError(f"{op}: retryStrategy.evaluateOnExit takes at most 5 rules")
    rules: list[RetryRule] = []
    for i, raw in enumerate(raw_rules):
        where = f"retryStrategy.evaluateOnExit[{i}]"
        if not isinstance(raw, dict):
            raise ClientError(f"{op}: {where} must be an object")
        action = raw.get("action")
        if not isinstance(action, str) or action.upper() not in ("RETRY", "EXIT"):
            raise ClientError(f"{op}: {where}.action must be RETRY or EXIT, got {action!r}")
        patterns = {}
        for key, rule in (("onExitCode", _EXIT_CODE), ("onReason", _TEXT), ("onStatusReason", _TEXT)):
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or not rule.fullmatch(value)):
                raise ClientError(
                    f"{op}: {where}.{key} '{value}' is not a valid pattern: "
                    + (
                        "digits, optionally ending with '*'"
                        if key == "onExitCode"
                        else "letters, digits, '.', ':' and white space, optionally ending with '*'"
                    )
                )
            patterns[key] = value
        rules.append(
            RetryRule(
                action.upper(), patterns["onExitCode"], patterns["onReason"], patterns["onStatusReason"]
            )
        )
    return attempts, tuple(rules)  # no rules: the shared empty tuple, no list per job


def check_consumables(
    region: Region, op: str, where: str, properties: object
) -> tuple[tuple[ConsumableResource, int], ...]:
    """``consumableResourceProperties``: up to 5 existing resources (by name or ARN), each
    once, each with a quantity of at least 1; the resources and quantities."""
    if properties is None:
        return ()
    if not isinstance(properties, dict):
        raise ClientError(f"{op}: {where} must be an object")
    entries = properties.get("consumableResourceList") or []
    if not isinstance(entries, list):
        raise ClientError(f"{op}: {where}.consumableResourceList must be a list")
    if len(entries) > _MAX_CONSUMABLES:
        raise ClientError(
            f"{op}: {where}.consumableResourceList takes at most {_MAX_CONSUMABLES} resources, "
            f"got {len(entries)}"
        )
    found: dict[str, tuple[ConsumableResource, int]] = {}
    for i, entry in enumerate(entries):
        at = f"{where}.consumableResourceList[{i}]"
        ref = entry.get("consumableResource") if isinstance(entry, dict) else None
        quantity = entry.get("quantity") if isinstance(entry, dict) else None
        if not isinstance(ref, str) or not ref:
            raise ClientError(f"{op}: {at}.consumableResource is required: the name or ARN of a resource")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ClientError(f"{op}: {at}.quantity must be a whole number of at least 1, got {quantity!r}")
        resource = lookup(ref, region.consumable_resources)
        if resource is None:
            known = ", ".join(f"'{n}'" for n in region.consumable_resources) or "none"
            raise ClientError(
                f"{op}: {at}.consumableResource: consumable resource '{ref}' does not exist in "
                f"{region.region} (known: {known}); create it with CreateConsumableResource first"
            )
        if resource.name in found:
            raise ClientError(f"{op}: {at} names consumable resource '{resource.name}' a second time")
        found[resource.name] = (resource, quantity)
    return tuple(found.values())
