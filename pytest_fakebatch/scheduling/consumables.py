"""The one place consumable resources are taken and given back.

As AWS documents it, a job's quantities are locked when it moves to STARTING and unlocked
when it moves to SUCCEEDED or FAILED: a job retried after a failed attempt keeps them
between attempts. A REPLENISHABLE resource gets them back; a NON_REPLENISHABLE one is
used up (its total shrinks by what the job held).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model.consumables import NON_REPLENISHABLE
from ..model.jobs import Job

# AWS documents no statusReason for this wait; this follows its "CATEGORY:CODE - detail" style.
WAITING = "CAPACITY:INSUFFICIENT_CONSUMABLE_RESOURCE"


def can_take(jobs: Sequence[Job]) -> str | None:
    """None when every job of ``jobs`` (started together) can have its quantities now,
    else why not (the RUNNABLE jobs' statusReason)."""
    need: dict[str, int] = {}
    for job in jobs:
        if job.holds_consumables:
            continue
        for resource, quantity in job.spec.consumables:
            need[resource.name] = need.get(resource.name, 0) + quantity
            if need[resource.name] > resource.available:
                return (
                    f"{WAITING} - consumable resource '{resource.name}' has {max(resource.available, 0)} "
                    f"of {resource.total} available, the job needs {need[resource.name]}"
                )
    return None


def take(jobs: Sequence[Job]) -> bool:
    """Lock the quantities of ``jobs`` if all are available (as one: a multi-node job's
    nodes start together); otherwise leave every count alone, put the reason on the jobs
    and answer False."""
    reason = can_take(jobs)
    if reason is not None:
        for job in jobs:
            job.status_reason = reason
        return False
    for job in jobs:
        if job.status_reason is not None and job.status_reason.startswith(WAITING):
            job.status_reason = None
        if job.holds_consumables or not job.spec.consumables:
            continue
        for resource, quantity in job.spec.consumables:
            resource.in_use += quantity
        job.holds_consumables = True
    return True


def give_back(job: Job) -> None:
    """The job ended (SUCCEEDED or FAILED): unlock what it holds."""
    if not job.holds_consumables:
        return
    job.holds_consumables = False
    for resource, quantity in job.spec.consumables:
        resource.in_use -= quantity
        if resource.resource_type == NON_REPLENISHABLE:
            resource.total -= quantity
