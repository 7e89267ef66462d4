"""Consumable resources: limited quantities (licenses, connections) that jobs hold while they run."""

from __future__ import annotations

from dataclasses import dataclass

REPLENISHABLE, NON_REPLENISHABLE = "REPLENISHABLE", "NON_REPLENISHABLE"
RESOURCE_TYPES = (REPLENISHABLE, NON_REPLENISHABLE)


@dataclass(eq=False, slots=True)
class ConsumableResource:
    """One consumable resource; ``in_use`` is what jobs hold now.

    ``total`` is the total the user asked for. A REPLENISHABLE resource's jobs hold part of it;
    lowered below what they hold, the total shown converges to it as they give quantities back
    (User Guide, "Update the quantity of a resource while it is in use by jobs"). A
    NON_REPLENISHABLE resource's quantities leave ``total`` as a job takes them: what is left of
    it is what is available.
    """

    name: str
    arn: str
    resource_type: str  # REPLENISHABLE | NON_REPLENISHABLE
    total: int
    created_at: int
    in_use: int = 0

    @property
    def replenishable(self) -> bool:
        return self.resource_type == REPLENISHABLE

    @property
    def total_quantity(self) -> int:
        """``totalQuantity`` as AWS shows it now."""
        return max(self.total, self.in_use) if self.replenishable else self.total

    @property
    def available(self) -> int:
        """``availableQuantity``: what a job may take now."""
        return max(self.total - self.in_use, 0) if self.replenishable else self.total

    def take(self, quantity: int) -> None:
        self.in_use += quantity
        if not self.replenishable:
            self.total -= quantity

    def give_back(self, quantity: int) -> None:
        self.in_use -= quantity
