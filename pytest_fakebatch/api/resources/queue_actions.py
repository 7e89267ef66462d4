"""AWS's rules for a job queue's ``jobStateTimeLimitActions`` beyond botocore's shape.

AWS Batch API reference, CreateJobQueue / JobStateTimeLimitAction: "The minimum value for
maxTimeSeconds is 600 (10 minutes) and its maximum value is 86,400 (24 hours)"; the state must
be RUNNABLE (an enum botocore checks); "For job queues connected to a ECS, FARGATE or EKS
compute environment, the only supported value [of action] is CANCEL", TERMINATE being for
SAGEMAKER_TRAINING service environments. The scheduler carries the actions out
(``scheduling/blocked.py``).
"""

from __future__ import annotations

from ..shared.params import Params

_MIN_SECONDS, _MAX_SECONDS = 600, 86_400


def check_time_limit_actions(p: Params, queue_type: str | None) -> None:
    """Refuse ``jobStateTimeLimitActions`` AWS would refuse for a queue of ``queue_type``."""
    actions = p.opt_list("jobStateTimeLimitActions") or []
    for i, action in enumerate(actions):
        where = f"jobStateTimeLimitActions[{i}]"
        seconds = action.get("maxTimeSeconds")
        if not isinstance(seconds, int) or not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
            raise p.fail(
                f"{where}.maxTimeSeconds must be between {_MIN_SECONDS} and {_MAX_SECONDS} seconds, "
                f"got {seconds}"
            )
        if queue_type != "SAGEMAKER_TRAINING" and action.get("action") != "CANCEL":
            raise p.fail(
                f"{where}.action must be CANCEL for a job queue of compute environments, got "
                f"'{action.get('action')}' (TERMINATE is for SAGEMAKER_TRAINING job queues)"
            )
        if queue_type == "SAGEMAKER_TRAINING":
            _check_service_action(p, where, action)


# "For job queues connected to SAGEMAKER_TRAINING service environments, the only action you can use
# with jobStateTimeLimitActions.action is TERMINATE"; "The following reason values support
# jobStateTimeLimitActions" (User Guide, Automatic remediation with jobStateTimeLimitActions)
_SERVICE_REASONS = (
    "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
    "MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE",
    "MISCONFIGURATION:QUOTA_MANAGEMENT_LIMIT_EXCEEDED",
)


def _check_service_action(p: Params, where: str, action: dict[str, object]) -> None:
    if action.get("action") != "TERMINATE":
        raise p.fail(
            f"{where}.action must be TERMINATE for a SAGEMAKER_TRAINING job queue, got "
            f"'{action.get('action')}' (CANCEL is for job queues of compute environments)"
        )
    if action.get("reason") not in _SERVICE_REASONS:
        raise p.fail(
            f"{where}.reason must be one of {', '.join(_SERVICE_REASONS)} for a SAGEMAKER_TRAINING "
            f"job queue, got '{action.get('reason')}'"
        )
