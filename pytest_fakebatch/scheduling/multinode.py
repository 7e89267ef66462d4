"""A multi-node job's launch order: the main node first, the other nodes once it is RUNNING.

AWS Batch User Guide, "Job lifecycle for MNP jobs": "The main node is launched first and it
moves to the STARTING status ... When the main node reaches the RUNNING status after the node's
container is running, the child nodes are launched and they also move to the STARTING status."
The scheduler takes the capacity of every node at once (``running`` set on each node); the
other nodes wait RUNNABLE, holding it, until this module launches them.
"""

from __future__ import annotations

from ..model.jobs import RUNNABLE, RUNNING, STARTING, Job
from ..model.region import Region
from .lifecycle import set_status


def launch_other_nodes(region: Region, now: int) -> tuple[list[Job], list[Job]]:
    """Move the waiting nodes whose main node is RUNNING to STARTING; returns those launched
    and those still holding capacity while RUNNABLE."""
    waiting = region.waiting
    reserved = [
        job
        for job in waiting.multinode.values()
        if job.running is not None and job.status == RUNNABLE and job.waiting_token
    ]
    launched = [job for job in reserved if _main_node_running(job)]
    for job in launched:
        set_status(region, job, STARTING, now)
    return launched, [job for job in reserved if job.status == RUNNABLE]


def nodes_launching(job: Job) -> bool:
    """Whether ``job`` is a main node whose other nodes are still being launched: they launch
    the instant it runs, so its exit is seen after they started."""
    parent = job.parent
    if parent is None or job.index != job.spec.main_node:
        return False
    return any(
        node.status == STARTING or (node.status == RUNNABLE and node.running is not None)
        for node in parent.children
        if node is not job
    )


def _main_node_running(node: Job) -> bool:
    parent, main = node.parent, node.spec.main_node
    return parent is not None and main is not None and parent.children[main].status == RUNNING
