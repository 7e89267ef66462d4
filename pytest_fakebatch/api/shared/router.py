"""Operation functions, the table that routes to them, and what each call can reach."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...model.region import Region
from ...scheduling.clock import Clock
from ...scheduling.scheduler import Scheduler
from .params import Params

Response = dict[str, Any]


@dataclass(slots=True)
class Call:
    """One request as an operation sees it: its parameters and the region it addresses."""

    p: Params
    region: Region
    clock: Clock
    scheduler: Scheduler
    next_seq: Callable[[], int]

    @property
    def op(self) -> str:
        return self.p.op

    def now(self) -> int:
        return self.clock.now_ms()


Operation = Callable[[Call], Response]

BATCH: dict[str, Operation] = {}
LOGS: dict[str, Operation] = {}


def batch_operation(name: str) -> Callable[[Operation], Operation]:
    """Register the function answering the Batch operation ``name`` (botocore's name)."""

    def register(fn: Operation) -> Operation:
        BATCH[name] = fn
        return fn

    return register


def logs_operation(name: str) -> Callable[[Operation], Operation]:
    def register(fn: Operation) -> Operation:
        LOGS[name] = fn
        return fn

    return register
