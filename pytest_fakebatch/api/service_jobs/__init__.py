"""Service jobs (SageMaker training jobs scheduled by Batch): SubmitServiceJob and its kin,
quota shares, and service environments.

Imports :mod:`..shared` and the layers below the API; never another family.
"""

from . import environments, jobs, quota_shares  # noqa: F401  (registers the operations)
