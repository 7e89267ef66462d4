"""The API surface: Batch's operations by family, each a function ``Call -> answer dict``
registered by name in :mod:`.shared.router`'s tables.

Families, one package each: :mod:`.container_jobs` (SubmitJob, DescribeJobs, ListJobs,
CancelJob, TerminateJob, their bulk forms, GetJobQueueSnapshot), :mod:`.service_jobs` (service
jobs, quota shares, service environments), :mod:`.resources` (compute environments, job queues,
job definitions, scheduling policies, tags), :mod:`.consumables` (consumable resources) and
:mod:`.logs` (CloudWatch Logs for job output). What more than one family uses is in
:mod:`.shared`: the router, request parameters and pagination, botocore's validation, the views
of jobs, and the checks several families apply.

Imports: each family imports :mod:`.shared` and the layers below the API (scheduling, model,
errors), never another family (``lint-imports`` checks it); :mod:`.shared` imports no family.
Importing this package registers every operation of every family.
"""

from . import consumables, container_jobs, logs, resources, service_jobs  # noqa: F401
from .shared.router import BATCH, LOGS, Call

__all__ = ["BATCH", "LOGS", "Call"]
