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


def needs_shape_member(shape: str, member: str) -> pytest.MarkDecorator:
    """Skip a test of ``member`` of the Batch model's ``shape`` where the installed model lacks
    it (members nested in requests, such as ``EksPodProperties.initContainers``)."""
    known = shape in _BATCH_MODEL.shape_names and member in _BATCH_MODEL.shape_for(shape).members
    return pytest.mark.skipif(not known, reason=f"the installed botocore's {shape} has no {member}")


def request_members(operation: str) -> str:
    """The members of ``operation``'s request in the installed model, as the fake lists them."""
    if operation not in _BATCH_OPERATIONS:
        return ""
    return ", ".join(_BATCH_MODEL.operation_model(operation).input_shape.members)


def enum_of(shape: str) -> str:
    """The values of the installed model's enum ``shape``, as the fake lists them."""
    return ", ".join(_BATCH_MODEL.shape_for(shape).enum) if shape in _BATCH_MODEL.shape_names else ""


def needs_max(shape: str, member: str, most: int) -> pytest.MarkDecorator:
    """Skip a test of the bound ``most`` of ``shape.member`` where the installed model has
    another (or none)."""
    found = (
        shape in _BATCH_MODEL.shape_names
        and member in _BATCH_MODEL.shape_for(shape).members
        and _BATCH_MODEL.shape_for(shape).members[member].metadata.get("max") == most
    )
    reason = f"the installed botocore's {shape}.{member} has no max {most}"
    return pytest.mark.skipif(not found, reason=reason)
