"""Service jobs (SageMaker training jobs) on the in-process executor: a Python callable plays
the training job. Docker mode does not run them: a training job is not a container the fake
could start the way SageMaker would (training image contract, channels, output paths)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .inprocess import HandlerResult, call_handler


class ServiceJobRun:
    """What a service handler sees: the training job SageMaker would run for this attempt."""

    def __init__(
        self,
        *,
        job_id: str,
        job_name: str,
        attempt: int,
        queue: str,
        payload: dict[str, Any],
        training_job_arn: str,
        started_ms: int,
    ) -> None:
        self.job_id = job_id
        self.job_name = job_name
        self.attempt = attempt
        self.queue = queue
        self.payload = payload  # serviceRequestPayload, parsed
        self.training_job_name = str(payload.get("TrainingJobName", job_name))
        self.training_job_arn = training_job_arn
        algorithm = payload.get("AlgorithmSpecification") or {}
        resources = payload.get("ResourceConfig") or {}
        self.image = str(algorithm.get("TrainingImage", ""))
        self.instance_type = str(resources.get("InstanceType", ""))
        self.instance_count = int(resources.get("InstanceCount", 1))
        self.hyperparameters = dict(payload.get("HyperParameters") or {})
        self.env = dict(payload.get("Environment") or {})
        self._started_ms = started_ms
        self.elapsed_ms = 0
        self.logs: list[tuple[int, str]] = []

    def sleep(self, seconds: float) -> None:
        """Take ``seconds`` of simulated time; the attempt finishes when the clock gets there."""
        self.elapsed_ms += round(seconds * 1000)

    def log(self, message: str) -> None:
        """Write one line to the training job's log (``print`` does the same)."""
        self.logs.append((self._started_ms + self.elapsed_ms, message))


ServiceHandler = Callable[[ServiceJobRun], HandlerResult]


@dataclass(frozen=True, slots=True)
class _Route:
    field: str  # "any", "image" or "job_name"
    pattern: str
    handler: ServiceHandler

    def matches(self, run: ServiceJobRun) -> bool:
        candidates = {
            "any": (run.image, run.job_name),
            "image": (run.image,),
            "job_name": (run.job_name,),
        }[self.field]
        return any(fnmatch.fnmatchcase(c, self.pattern) for c in candidates)


@dataclass
class ServiceHandlers:
    """Which callable plays which service job: the last matching registration wins."""

    routes: list[_Route] = field(default_factory=list)

    def add(self, field_name: str, pattern: str, handler: ServiceHandler) -> None:
        self.routes.append(_Route(field_name, pattern, handler))

    def run(self, run: ServiceJobRun) -> tuple[bool, str | None]:
        """Play the attempt: whether it succeeded, and the statusReason it failed with.

        No matching handler: the training job completes at once. A handler returns None (or
        0) to complete, raises or returns ``Exit(status_reason=...)`` to fail; what it
        prints is the training job's log."""
        handler = next((r.handler for r in reversed(self.routes) if r.matches(run)), None)
        if handler is None:
            return True, None
        outcome = call_handler(handler, run)
        run.logs.extend(outcome.logs)
        if outcome.exit_code == 0 and outcome.status_reason is None:
            return True, None
        if outcome.status_reason is not None and outcome.reason is None:
            return False, outcome.status_reason  # Exit(status_reason=...) as the handler said
        if outcome.reason is not None:
            return False, f"AlgorithmError: {outcome.reason}"
        return False, f"AlgorithmError: the training process exited with code {outcome.exit_code}"
