"""pytest-fakebatch: AWS Batch, faked inside the test process, with jobs that really run.

The names below are the public API; every other module of the package is internal and may
change without notice. The pytest plugin itself is :mod:`pytest_fakebatch.plugin` (the
``pytest11`` entry point); where entry points are off, ``pytest_plugins = ["pytest_fakebatch"]``
in a conftest loads it through this package.
"""

from .executors.inprocess import Exit, JobRun
from .fake import ApiCall, FakeBatch, JobInfo
from .scheduling.clock import Clock

__all__ = ["ApiCall", "Clock", "Exit", "FakeBatch", "JobInfo", "JobRun", "__version__"]
__version__ = "0.1.0"

# pytest reads this when the package is named as a plugin (``pytest_plugins`` or ``-p``) and
# loads the plugin module from it; importing the package outside pytest does nothing with it.
pytest_plugins = ["pytest_fakebatch.plugin"]
