"""Consumable resources (resource-aware scheduling): the resources and the jobs that need them.

Imports :mod:`..shared` and the layers below the API; never another family.
"""

from . import consumable_resources  # noqa: F401  (registers the operations)
