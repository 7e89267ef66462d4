"""The one place consumable resources are taken and given back.

AWS Batch User Guide, "Specify the resources needed to run a job": "Resources are locked once
the job moves to STARTING and are then unlocked when the job moves to SUCCEEDED or FAILED": a
job retried after a failed attempt (RUNNING -> RUNNABLE -> STARTING) keeps them between
attempts. A job finds its resources by name when it starts: "If you delete a consumable
resource and re-create it with the same name, it is considered to be the same resource and it
can be used by RUNNABLE jobs" ("Delete a consumable resource"). What a job holds goes back to
the resource it was taken from; one deleted meanwhile is gone: "If the deleted consumable
resource has resource type (resourceType) REPLENISHABLE, this will be ignored when the jobs
complete."
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model.jobs import Job
from ..model.region import Region

# AWS documents no statusReason for a job waiting for a consumable resource: the fake's own
# words, with no AWS-style "CATEGORY:CODE" (those are AWS's to name, and jobStateTimeLimitActions
# match them).
WAITING = "Waiting for consumable resource"


def _why_not(region: Region, jobs: Sequence[Job]) -> str | None:
    """None when ``jobs`` (started together) can have their quantities from the region's
    resources (looked up by name) now, else why not: the RUNNABLE jobs' statusReason."""
    need: dict[str, int] = {}
    for job in jobs:
        if job.held_consumables:
            continue
        for wanted, quantity in job.consumables:
            resource = region.consumable_resources.get(wanted.name)
            if resource is None:
                return (
                    f"{WAITING} '{wanted.name}', which does not exist: it was deleted; the job runs "
                    "once a consumable resource of that name is created again"
                )
            asked = need[resource.name] = need.get(resource.name, 0) + quantity
            if asked > resource.available:
                return (
                    f"{WAITING} '{resource.name}': {resource.available} of "
                    f"{resource.total_quantity} available, the job needs {asked}"
                )
    return None


def take(region: Region, jobs: Sequence[Job]) -> bool:
    """Lock the quantities of ``jobs`` if all are available (as one: a multi-node job's
    nodes start together); otherwise leave every count alone, put the reason on the jobs
    and answer False."""
    reason = _why_not(region, jobs)
    if reason is not None:
        for job in jobs:
            job.status_reason = reason
        return False
    for job in jobs:
        if job.status_reason is not None and job.status_reason.startswith(WAITING):
            job.status_reason = None
        if job.held_consumables or not job.consumables:
            continue
        held = []
        for wanted, quantity in job.consumables:
            resource = region.consumable_resources[wanted.name]
            resource.take(quantity)
            held.append((resource, quantity))
        job.held_consumables = tuple(held)
    return True


def give_back(job: Job) -> None:
    """The job ended (SUCCEEDED or FAILED): unlock what it holds. A REPLENISHABLE resource
    has it back; a NON_REPLENISHABLE one lost it when the job took it."""
    held, job.held_consumables = job.held_consumables, ()
    for resource, quantity in held:
        resource.give_back(quantity)
