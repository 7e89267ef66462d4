"""The API surface: one module per family of Batch operations, each a function
``Call -> answer dict``, registered in :mod:`.router`'s tables by name.

Importing the package registers every operation.
"""

from . import (  # noqa: F401
    bulk_jobs,
    consumables,
    definitions,
    environments,
    jobs,
    logs,
    policies,
    queues,
    quota_shares,
    service_environments,
    service_jobs,
    submit,
    tags,
)
from .router import BATCH, LOGS, Call

__all__ = ["BATCH", "LOGS", "Call"]
