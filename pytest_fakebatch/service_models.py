"""botocore's service models and data files, loaded once per process through one botocore
session (one loader, so each file is read and parsed once, whoever asks first): the front
ends' route table and the API's request validation share them."""

from __future__ import annotations

import functools
from typing import Any

import botocore.exceptions
import botocore.session
from botocore.model import ServiceModel


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    """A service model of the installed botocore ("batch", "logs")."""
    return _session().get_service_model(service)


@functools.cache
def partitions() -> tuple[dict[str, Any], ...]:
    """AWS's partitions as botocore knows them (``partitions.json``, the small file; the
    endpoint data's copy of them where an older botocore lacks it)."""
    loader = _session().get_component("data_loader")
    try:
        data = loader.load_data("partitions")
    except botocore.exceptions.DataNotFoundError:
        data = loader.load_data("endpoints")
    return tuple(data["partitions"])
