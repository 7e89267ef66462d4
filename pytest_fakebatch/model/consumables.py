"""Consumable resources: limited quantities (licenses, connections) that jobs hold while they run."""

from __future__ import annotations

from dataclasses import dataclass

REPLENISHABLE, NON_REPLENISHABLE = "REPLENISHABLE", "NON_REPLENISHABLE"
RESOURCE_TYPES = (REPLENISHABLE, NON_REPLENISHABLE)


@dataclass(eq=False, slots=True)
class ConsumableResource:
    """One consumable resource. ``in_use`` is what jobs hold now; a NON_REPLENISHABLE
    resource's ``total`` shrinks by what a job held once the job ends."""

    name: str
    arn: str
    resource_type: str  # REPLENISHABLE | NON_REPLENISHABLE
    total: int
    created_at: int
    in_use: int = 0

    @property
    def available(self) -> int:
        return self.total - self.in_use
