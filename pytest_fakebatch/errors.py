"""Errors the fake answers with, as AWS Batch names them: the shared vocabulary of every layer,
which imports nothing of the fake's."""

from __future__ import annotations


class BatchError(Exception):
    """An error answered to the caller as an AWS error response.

    ``code`` is the modelled exception name botocore raises (``ClientException`` for
    everything the caller got wrong), ``status`` the HTTP status it travels with.
    """

    code = "ClientException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientError(BatchError):
    """The request is malformed or asks for something that cannot be done."""


class NotImplementedOperation(BatchError):
    """A Batch operation botocore knows of that the fake does not model yet."""


class InvalidParameter(BatchError):
    """CloudWatch Logs' name for a request it refuses (Logs models no ClientException)."""

    code = "InvalidParameterException"


class ResourceNotFound(BatchError):
    """CloudWatch Logs' answer for an unknown log group or stream."""

    code = "ResourceNotFoundException"


class ServerError(BatchError):
    """A bug inside the fake, surfaced as AWS would surface a server fault."""

    code = "ServerException"
    status = 500


def as_answered_by(service: str, error: BatchError) -> BatchError:
    """``error`` as ``service`` answers it: Logs refuses a bad request with
    InvalidParameterException where Batch says ClientException."""
    if service == "logs" and type(error) is ClientError:
        return InvalidParameter(error.message)
    return error


class InjectedError(BatchError):
    """A fault injected on purpose (``fake_batch.faults``), answered as AWS answers it: a
    throttle is HTTP 429 ``TooManyRequestsException``, a service error HTTP 500
    ``ServerException``."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
