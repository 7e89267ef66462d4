"""HTTP server mode: the same operations, answered over HTTP for clients outside the process.

Code in a Docker container (or any other process) reaches the fake through
``AWS_ENDPOINT_URL_BATCH`` / ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``. Requests are routed exactly as the
botocore hook routes them: Batch by method and path from botocore's service model, Logs by
``X-Amz-Target``. The server thread only answers requests; jobs still move when observed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from ..errors import BatchError, ClientError, ServerError
from .payload import MAX_BYTES, read_json
from .routes import resolve

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

    from .dispatcher import Dispatcher

_LOGS_TARGET = "Logs_20140328."


class Server:
    """A werkzeug server on a loopback port, answering for one FakeBatch."""

    def __init__(self, fake: Dispatcher, host: str = "127.0.0.1", port: int = 0) -> None:
        self._fake = fake
        self._server: BaseWSGIServer = make_server(host, port, self._app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fakebatch-server", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BYTES  # get_data() refuses a bigger body unread
        try:
            response = self._answer(request)
        except RequestEntityTooLarge:
            response = _error(ClientError(f"the request body is over the limit of {MAX_BYTES} bytes"))
        except Exception as bug:  # an error page is JSON too, never werkzeug's HTML
            response = _error(ServerError(f"pytest-fakebatch failed internally: {type(bug).__name__}: {bug}"))
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        region = _region(request.headers.get("Authorization", ""))
        try:
            body = read_json(request.get_data())
        except BatchError as refused:
            return _error(refused)
        target = request.headers.get("X-Amz-Target", "")
        try:
            if target.startswith(_LOGS_TARGET):
                operation = target[len(_LOGS_TARGET) :]
                if not isinstance(body, dict) or not self._fake.answers_logs(region, operation, body):
                    return _error(ClientError(f"{operation}: only job log groups are served here"))
                answer = self._fake.dispatch("logs", operation, region, body)
            else:
                raw_path = str(request.environ.get("RAW_URI") or request.path).split("?", 1)[0]
                operation, from_path = resolve(request.method, raw_path)  # ARNs hold encoded '/'s
                if isinstance(body, dict):
                    body.update(from_path)
                    keys = request.args.getlist("tagKeys")
                    if keys:
                        body["tagKeys"] = keys
                answer = self._fake.dispatch("batch", operation, region, body)
        except BatchError as error:
            return _error(error)
        return Response(json.dumps(answer), status=200, content_type="application/json")


def _region(authorization: str) -> str:
    """The region a SigV4 ``Authorization`` header was signed for (``us-east-1`` if none)."""
    marker = "Credential="
    if marker in authorization:
        scope = authorization.split(marker, 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 3:
            return scope[2]
    return "us-east-1"


def _error(error: BatchError) -> Response:
    payload: dict[str, Any] = {"__type": error.code, "message": error.message}
    return Response(
        json.dumps(payload),
        status=error.status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": error.code},
    )
