"""The ``reason`` a caller gives for stopping jobs: CancelJob(s), TerminateJob(s), TerminateServiceJob."""

from __future__ import annotations

from .router import Call

_REASON_MAX = 1024  # "This parameter has a limit of 1024 characters" (CancelJob, TerminateJob)


def stop_reason(call: Call) -> str:
    """The ``reason`` of CancelJob(s)/TerminateJob(s): required, not blank, at most 1024 characters."""
    reason = call.p.text("reason")
    if not reason.strip():
        raise call.p.fail("reason must not be empty")
    if len(reason) > _REASON_MAX:
        raise call.p.fail(f"reason must be at most {_REASON_MAX} characters, got {len(reason)}")
    return reason
