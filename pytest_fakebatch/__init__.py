"""pytest-fakebatch: AWS Batch, faked inside the test process, with jobs that really run."""

from ._clock import Clock
from ._fake import ApiCall, FakeBatch, JobInfo
from ._inprocess import Exit, JobRun

__all__ = ["ApiCall", "Clock", "Exit", "FakeBatch", "JobInfo", "JobRun", "__version__"]
__version__ = "0.1.0"
