"""botocore's service models and partitions, loaded once per process: the front ends' route
table and the API's request validation share them. A model that a client of this process
already loaded (the hook sees it with each request) is adopted rather than read and parsed a
second time, since it comes from the same installed files; the others are loaded through one
botocore session. The partitions come through a bare loader: the first test pays for neither
a second model nor a session."""

from __future__ import annotations

import functools
import os
from typing import Any

import botocore.exceptions
import botocore.loaders
import botocore.session
from botocore.model import ServiceModel


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


_models: dict[str, ServiceModel] = {}


def adopt(model: ServiceModel) -> None:
    """Use ``model``, which a botocore client loaded, as the installed botocore's model of its
    service, unless one is held already."""
    _models.setdefault(model.service_name, model)


def service_model(service: str) -> ServiceModel:
    """A service model of the installed botocore ("batch", "logs")."""
    model = _models.get(service)
    if model is None:
        model = _models.setdefault(service, _session().get_service_model(service))
    return model


@functools.cache
def partitions() -> tuple[dict[str, Any], ...]:
    """AWS's partitions as botocore knows them (``partitions.json``, the small file; the
    endpoint data's copy of them where an older botocore lacks it)."""
    # a bare loader on the same search path as a session's: a session costs 30 ms more to make
    loader = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))
    try:
        data = loader.load_data("partitions")
    except botocore.exceptions.DataNotFoundError:
        data = loader.load_data("endpoints")
    return tuple(data["partitions"])
