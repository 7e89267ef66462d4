"""Batch's HTTP routes, read from botocore's own service model: method + requestUri."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

from botocore.model import ServiceModel

from .. import service_models
from ..errors import ClientError


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]


def service_model(service: str) -> ServiceModel:
    """A service model of the installed botocore ("batch", "logs"), loaded once."""
    return service_models.service_model(service)


def batch_model() -> ServiceModel:
    """The Batch service model of the installed botocore."""
    return service_model("batch")


@functools.cache
def routes() -> tuple[Route, ...]:
    model = batch_model()
    table = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path = http["requestUri"].split("?", 1)[0]
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        table.append(Route(name, http["method"], re.compile(regex + "/?")))
    return tuple(table)


def resolve(method: str, path: str) -> tuple[str, dict[str, str]]:
    """The operation a request addresses and the parameters its path carries."""
    for route in routes():
        if route.method == method:
            match = route.pattern.fullmatch(path)
            if match:
                return route.operation, {k: unquote(v) for k, v in match.groupdict().items()}
    raise ClientError(f"no Batch operation answers {method} {path}")
