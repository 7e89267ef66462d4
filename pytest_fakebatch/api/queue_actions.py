"""AWS's rules for a job queue's ``jobStateTimeLimitActions`` beyond botocore's shape.

AWS Batch API reference, CreateJobQueue / JobStateTimeLimitAction: "The minimum value for
maxTimeSeconds is 600 (10 minutes) and its maximum value is 86,400 (24 hours)"; the state must
be RUNNABLE (an enum botocore checks); "For job queues connected to a ECS, FARGATE or EKS
compute environment, the only supported value [of action] is CANCEL", TERMINATE being for
SAGEMAKER_TRAINING service environments. The scheduler carries the actions out
(``scheduling/blocked.py``).
"""

from __future__ import annotations

from .params import Params

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
