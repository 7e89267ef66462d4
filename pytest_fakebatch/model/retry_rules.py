"""A job's retry rules (``retryStrategy.evaluateOnExit``), shared by container and service jobs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False, slots=True)
class RetryRule:
    action: str  # RETRY | EXIT, upper-cased
    on_exit_code: str | None
    on_reason: str | None
    on_status_reason: str | None
