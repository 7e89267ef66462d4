"""Service jobs (SageMaker training jobs) on the in-process executor: a Python callable plays
the training job. Docker mode does not run them: a training job is not a container the fake
could start the way SageMaker would (training image contract, channels, output paths)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .inprocess import HandlerResult, Routes, SimulatedWork, call_handler


class ServiceJobRun(SimulatedWork):
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
        training_job_name: str | None = None,
    ) -> None:
        super().__init__(started_ms)
        self.job_id = job_id
        self.job_name = job_name
        self.attempt = attempt
        self.queue = queue
        self.payload = payload  # serviceRequestPayload, parsed
        # the name SageMaker runs the attempt under: AWSBatch<TrainingJobName><attempt id>
        self.training_job_name = training_job_name or str(payload.get("TrainingJobName", job_name))
        self.training_job_arn = training_job_arn
        algorithm = payload.get("AlgorithmSpecification") or {}
        resources = payload.get("ResourceConfig") or {}
        self.image = str(algorithm.get("TrainingImage", ""))
        self.instance_type = str(resources.get("InstanceType", ""))
        self.instance_count = int(resources.get("InstanceCount", 1))
        self.hyperparameters = dict(payload.get("HyperParameters") or {})
        self.env = dict(payload.get("Environment") or {})


ServiceHandler = Callable[[ServiceJobRun], HandlerResult]


class ServiceHandlers(Routes[ServiceJobRun, ServiceHandler]):
    """Which callable plays which service job: the last matching registration wins."""

    def __init__(self) -> None:
        super().__init__(
            {"image": lambda run: run.image, "job_name": lambda run: run.job_name},
            any_of=("image", "job_name"),
        )

    def run(self, run: ServiceJobRun) -> tuple[bool, str | None]:
        """Play the attempt: whether it succeeded, and the failure reason SageMaker reports.

        No matching handler: the training job completes at once. A handler returns None (or
        0) to complete, raises or returns ``Exit(status_reason=...)`` to fail; what it
        prints is the training job's log. The reason is SageMaker's (its ``FailureReason``,
        e.g. ``AlgorithmError: ...``, ``InternalServerError: ...``, or ``CapacityError: ...``,
        which Batch retries until capacity comes); Batch prefixes it (see
        :func:`sagemaker_status`)."""
        handler = self.find(run)
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


SAGEMAKER_PREFIX = "Received status from SageMaker: "
TRAINING_COMPLETED = SAGEMAKER_PREFIX + "Training job completed"


def sagemaker_status(reason: str) -> str:
    """The statusReason Batch shows for a status SageMaker reported: "For service jobs, status
    messages from SageMaker AI are prefixed with "Received status from SageMaker: "" (User
    Guide, Service job retry strategies). A reason already carrying the prefix keeps it once."""
    return reason if reason.startswith(SAGEMAKER_PREFIX.rstrip()) else SAGEMAKER_PREFIX + reason
