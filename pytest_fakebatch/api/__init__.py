"""The API surface: one module per family of Batch operations, each a function
``Call -> answer dict``, registered in :mod:`.router`'s tables by name.

Importing the package registers every operation.
"""

from . import consumables, definitions, environments, jobs, logs, policies, queues, submit, tags  # noqa: F401
from .router import BATCH, LOGS, Call

__all__ = ["BATCH", "LOGS", "Call"]
