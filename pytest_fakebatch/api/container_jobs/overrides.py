"""SubmitJob's overrides of a container, and ``Ref::`` parameters in its command."""

from __future__ import annotations

import re
from typing import Any

from ..shared.checks import check_environment, check_resources
from ..shared.router import Call

_REF = re.compile(r"Ref::([A-Za-z0-9_-]+)")


def with_overrides(
    call: Call,
    base: dict[str, Any],
    overrides: dict[str, Any],
    where: str,
    parameters: dict[str, str] | None,
) -> dict[str, Any]:
    """A container with ``overrides`` merged in (command replaced, environment merged by
    name, resources by type) and ``Ref::`` resolved from ``parameters`` (unless None): ``base``
    itself where that changes nothing (jobs share their definition's container; neither is
    ever changed in place)."""
    p = call.p
    container = dict(base)
    if not isinstance(overrides, dict):
        raise p.fail(f"{where} must be an object")
    if "command" in overrides:
        command = overrides["command"]
        if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
            raise p.fail(f"{where}.command must be a list of strings")
        container["command"] = command
    if "environment" in overrides:
        added = check_environment(p.op, where, overrides["environment"])
        merged = {e["name"]: e for e in container.get("environment", [])}
        merged.update({e["name"]: {"name": e["name"], "value": e.get("value", "")} for e in added})
        container["environment"] = list(merged.values())
    check_resources(p.op, where, {k: overrides[k] for k in ("vcpus", "memory") if k in overrides})
    for key in ("vcpus", "memory"):
        if key in overrides:
            container[key] = overrides[key]
    if "instanceType" in overrides:
        container["instanceType"] = overrides["instanceType"]
    if "resourceRequirements" in overrides:
        check_resources(p.op, where, {"resourceRequirements": overrides["resourceRequirements"]})
        merged_req = {r["type"]: r for r in container.get("resourceRequirements", [])}
        merged_req.update({r["type"]: dict(r) for r in overrides["resourceRequirements"]})
        container["resourceRequirements"] = list(merged_req.values())
    if parameters is not None:
        command = container.get("command", [])
        substituted = [substitute(call, c, parameters) for c in command]
        if substituted != command or "command" not in container:
            container["command"] = substituted
    return base if container == base else container


def substitute(call: Call, part: str, parameters: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in parameters:
            known = ", ".join(f"'{k}'" for k in parameters) or "none"
            raise call.p.fail(
                f"the command refers to Ref::{key}, but no parameter '{key}' is set by the job "
                f"definition or the submit (known: {known})"
            )
        return parameters[key]

    return _REF.sub(replace, part)
