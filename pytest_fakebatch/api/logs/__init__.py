"""CloudWatch Logs for the log groups jobs write to: how production code reads job output.

Imports :mod:`..shared` and the layers below the API; never another family.
"""

from . import log_events  # noqa: F401  (registers the operations)
