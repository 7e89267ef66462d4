"""Container jobs: SubmitJob (overrides, ECS and EKS tasks), DescribeJobs, ListJobs, CancelJob,
TerminateJob, their bulk forms, and GetJobQueueSnapshot.

Imports :mod:`..shared` and the layers below the API; never another family.
"""

from . import bulk_jobs, jobs, submit  # noqa: F401  (registers the operations)
