"""pytest-fakebatch: AWS Batch, faked inside the test process, with jobs that really run.

This package is the pytest plugin (entry point ``pytest_fakebatch``); where entry points
are off, ``pytest_plugins = ["pytest_fakebatch"]`` in a conftest loads the same plugin.
"""

from ._clock import Clock
from ._fake import ApiCall, FakeBatch, JobInfo
from ._inprocess import Exit, JobRun
from ._plugin import (
    fake_batch,
    pytest_addoption,
    pytest_configure,
    pytest_report_header,
    pytest_sessionstart,
)

__all__ = [
    "ApiCall",
    "Clock",
    "Exit",
    "FakeBatch",
    "JobInfo",
    "JobRun",
    "__version__",
    "fake_batch",
    "pytest_addoption",
    "pytest_configure",
    "pytest_report_header",
    "pytest_sessionstart",
]
__version__ = "0.1.0"
