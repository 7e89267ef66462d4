"""Batch's resources: compute environments, job queues (and their time-limit actions), job
definitions, scheduling policies, and the tags of any of them.

Imports :mod:`..shared` and the layers below the API; never another family.
"""

from . import compute_environments, definitions, policies, queues, tags  # noqa: F401  (registers)
