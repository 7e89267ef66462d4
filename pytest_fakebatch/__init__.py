"""pytest-fakebatch: AWS Batch, faked inside the test process, with jobs that really run.

The names below are the public API; every other module of the package is internal and may
change without notice. The pytest plugin itself is :mod:`pytest_fakebatch.plugin` (the
``pytest11`` entry point); where entry points are off, ``pytest_plugins = ["pytest_fakebatch"]``
in a conftest loads it through this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .events.records import Events, JobEvent
    from .executors.inprocess import Exit, JobRun
    from .executors.service import ServiceJobRun
    from .fake import FakeBatch
    from .inspection.records import ApiCall, JobInfo
    from .model.faults import Injected
    from .scheduling.clock import Clock
    from .scheduling.fault_controls import Faults

__all__ = [
    "ApiCall",
    "Clock",
    "Events",
    "Exit",
    "FakeBatch",
    "Faults",
    "Injected",
    "JobEvent",
    "JobInfo",
    "JobRun",
    "ServiceJobRun",
    "__version__",
]
__version__ = "0.1.0"

# Each name is imported on first use, so that loading the plugin (which imports this package)
# costs a pytest run that never uses the fake next to nothing.
_HOMES = {
    "ApiCall": ".inspection.records",
    "Events": ".events.records",
    "JobEvent": ".events.records",
    "FakeBatch": ".fake",
    "JobInfo": ".inspection.records",
    "Exit": ".executors.inprocess",
    "JobRun": ".executors.inprocess",
    "ServiceJobRun": ".executors.service",
    "Clock": ".scheduling.clock",
    "Faults": ".scheduling.fault_controls",
    "Injected": ".model.faults",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pytest_fakebatch' has no attribute '{name}'")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# pytest reads this when the package is named as a plugin (``pytest_plugins`` or ``-p``) and
# loads the plugin module from it; importing the package outside pytest does nothing with it.
pytest_plugins = ["pytest_fakebatch.plugin"]
