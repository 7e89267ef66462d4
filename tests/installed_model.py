"""Markers for tests of what only newer botocore models have: they skip, visibly and with the
reason, where the installed model predates the operation or member (CI runs the suite on the
declared botocore floor too)."""

from __future__ import annotations

import botocore.session
import pytest

_BATCH_MODEL = botocore.session.get_session().get_service_model("batch")
_BATCH_OPERATIONS = frozenset(_BATCH_MODEL.operation_names)


def needs_operation(name: str) -> pytest.MarkDecorator:
    """Skip a test of ``name`` where the installed botocore's Batch model predates it."""
    return pytest.mark.skipif(
        name not in _BATCH_OPERATIONS, reason=f"the installed botocore's Batch model has no {name}"
    )


def needs_member(operation: str, member: str) -> pytest.MarkDecorator:
    """Skip a test of ``member`` of ``operation``'s request where the installed model lacks it."""
    known = (
        operation in _BATCH_OPERATIONS
        and member in _BATCH_MODEL.operation_model(operation).input_shape.members
    )
    return pytest.mark.skipif(not known, reason=f"the installed botocore's {operation} has no {member}")
