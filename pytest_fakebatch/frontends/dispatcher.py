"""What a front end needs of the fake: the one seam between the front ends and the core.

The front ends (the botocore hook, the HTTP server) turn requests into
``(service, operation, region, body)`` and answers back into responses; they never see the
facade, only this protocol, which :class:`~pytest_fakebatch.FakeBatch` implements and hands
in when it starts.
"""

from __future__ import annotations

from typing import Any, Protocol


class Dispatcher(Protocol):
    """Answers requests; raises :class:`~pytest_fakebatch.errors.BatchError` for errors."""

    @property
    def check_shapes(self) -> bool:
        """Whether answers are also checked against botocore's output shapes."""
        ...

    def answers_logs(self, region: str, operation: str, body: dict[str, Any]) -> bool:
        """Whether a CloudWatch Logs request is about job output this fake holds."""
        ...

    def dispatch(self, service: str, operation: str, region: str, body: Any, valid: bool = False) -> Any:
        """The answer to one request of ``service`` ("batch" or "logs"); ``valid``: botocore's
        client validation already passed it."""
        ...
