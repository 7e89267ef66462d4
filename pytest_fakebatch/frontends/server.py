"""HTTP server mode: the same operations, answered over HTTP for clients outside the process.

Code in a Docker container (or any other process) reaches the fake through
``AWS_ENDPOINT_URL_BATCH`` / ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`` and signs with the fake's
credentials. Every request is checked before it is answered (:mod:`.auth`): browser-style
requests are refused, then the SigV4 signature is verified. Requests are routed exactly as the
botocore hook routes them: Batch by method and path from botocore's service model, Logs by
``X-Amz-Target``. The server threads only answer requests; jobs still move when observed.

Connections are bounded. werkzeug answers one request a connection and closes it; one that
stays idle (opened and not used, as a client's pool may leave it, or stalled mid-request) for
``idle_timeout`` seconds is closed (clients reconnect, as they do whenever a server closes a
connection), and at most ``max_connections`` are served at once, each on a thread of its own;
more wait to be accepted until one closes. A request the HTTP layer cannot read (a request
target that is not a path, a malformed request line) is answered 400, in the same JSON shape
as every error.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import socket
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.credentials import ReadOnlyCredentials
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from ..errors import BatchError, ClientError, ResourceNotFound, ServerError, as_answered_by
from .auth import refuse_browsers, refuse_fetch_metadata, scope_of, verify_signature
from .payload import MAX_BYTES, read_json
from .routes import resolve
from .shapes import fitted

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

    from .dispatcher import Dispatcher

_LOGS_TARGET = "Logs_20140328."
_POLL = 0.02  # how often a waiting accept loop looks for shutdown(): stop() waits at most that long
IDLE_TIMEOUT = 30.0  # seconds a connection may stay idle (before or within a request) until closed
MAX_CONNECTIONS = 64  # connections answered at once, a thread each
_log = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler, logging request lines to this module's logger at DEBUG instead of
    configuring the ``werkzeug`` logger to write to stderr; its connection times out when idle,
    and what it cannot parse is answered in AWS's JSON error shape."""

    protocol_version = "HTTP/1.1"  # as werkzeug's threaded server (which closes after each answer)
    server: _TrackingServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # every read and write on it

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        try:
            urlsplit(self.path)  # werkzeug splits it too, and fails on "//[" (a bad IPv6 host)
        except ValueError:
            self.send_error(400, f"the request target {self.path!r} is not a valid URL path")
            return False
        if not self.path.startswith("/"):
            self.send_error(400, f"the request target must be a path (/v1/...), not {self.path!r}")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, too many headers, ...) as AWS
        errors: a JSON ``message`` and ``x-amzn-ErrorType``, never an HTML page."""
        reason = self.responses.get(code, ("Error", ""))[0]
        self.log_error("code %d, message %s", code, message)
        body = json.dumps({"message": f"pytest-fakebatch cannot read this request: {message or reason}"})
        self.send_response(code, reason)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-ErrorType", "ClientException" if code < 500 else "ServerException")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body.encode())
        self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The request line as received (werkzeug's own splits the target, which may not be a URL)."""
        status = int(code) if isinstance(code, int) else code
        self.log("info", '"%s" %s %s', self.requestline, status, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        _log.debug("%s - %s", self.address_string(), message % args if args else message)


class _TrackingServer(ThreadedWSGIServer):
    """A threaded werkzeug server that knows its open connections, so closing it ends them, and
    answers at most ``max_connections`` at once (one thread each)."""

    def __init__(self, host: str, port: int, app: Any, idle_timeout: float, max_connections: int) -> None:
        self.idle_timeout = idle_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self._closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._connections_lock = threading.Lock()
        super().__init__(host, port, app, handler=_QuietHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Answer the connection on a thread of its own once a slot is free (the accept loop
        waits for one; connections arriving meanwhile wait in the listen backlog)."""
        while not self._slots.acquire(timeout=_POLL):
            if self._closing.is_set():
                self.shutdown_request(request)
                return
        thread = threading.Thread(
            target=self._answer_connection, args=(request, client_address), name="fakebatch-connection"
        )
        thread.daemon = True
        with self._connections_lock:
            self._connections.add(request)
            self._handlers.add(thread)
        thread.start()

    def _answer_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)  # finishes and closes it
        finally:
            with self._connections_lock:
                self._handlers.discard(threading.current_thread())
            self._slots.release()

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def log(self, type: str, message: str, *args: Any) -> None:  # werkzeug's own, to stderr
        _log.debug(message, *args)

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.debug("connection from %s failed", client_address, exc_info=True)

    def stop_accepting(self) -> None:
        self._closing.set()  # an accept loop waiting for a free slot gives up
        self.shutdown()  # the accept loop has ended when this returns

    def close_connections(self, timeout: float) -> None:
        """End every open connection (its handler's read ends; it closes it) and wait up to
        ``timeout`` seconds for the handlers to finish."""
        with self._connections_lock:
            open_now = list(self._connections)
            threads = list(self._handlers)
        for connection in open_now:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)


class Server:
    """A werkzeug server on a loopback port, answering for one FakeBatch.

    With ``verify_signatures`` (the default) every request must be SigV4-signed with
    ``credentials``; without, any signature (or none) is accepted, and requests carrying a
    browser's ``Sec-Fetch-*`` headers are refused too. Browser-style requests are refused either
    way. ``idle_timeout`` and ``max_connections`` bound the connections (see the module)."""

    def __init__(
        self,
        fake: Dispatcher,
        credentials: ReadOnlyCredentials,
        *,
        verify_signatures: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout: float = IDLE_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self._fake = fake
        self._credentials = credentials
        self.verify_signatures = verify_signatures
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self._server = _TrackingServer(host, port, self._app, idle_timeout, max_connections)
        bound = self._server.server_port
        self.url = f"http://{host}:{bound}"
        self._own_hosts = (f"{host}:{bound}", f"localhost:{bound}")
        self._thread = threading.Thread(
            # the accept loop looks for shutdown() this often: stop() waits at most that long
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL},
            name="fakebatch-server",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop accepting, end every open connection (keep-alive ones too), close the port."""
        self._server.stop_accepting()
        self._server.close_connections(timeout=5)
        self._server.server_close()  # closes the listener
        self._thread.join(timeout=5)

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        # get_data() refuses a bigger Content-Length unread, and reads a chunked body only this
        # far (werkzeug cuts it there silently): one byte over the limit tells it was bigger
        request.max_content_length = MAX_BYTES + 1
        try:
            response = self._answer(request)
        except (ConnectionError, TimeoutError):
            raise  # the client went away or stalled: werkzeug drops the connection
        except BatchError as error:
            response = _error(error, _service(request))
        except RequestEntityTooLarge:
            too_large = ClientError(f"the request body is over the limit of {MAX_BYTES} bytes")
            response = _error(too_large, _service(request))
        except Exception as bug:  # an error page is JSON too, never werkzeug's HTML
            failed = ServerError(f"pytest-fakebatch failed internally: {type(bug).__name__}: {bug}")
            response = _error(failed, _service(request))
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if len(request.get_data()) > MAX_BYTES:
            raise RequestEntityTooLarge()
        refuse_browsers(request, self._own_hosts)
        if not self.verify_signatures:
            refuse_fetch_metadata(request)
        service = _service(request)
        if self.verify_signatures:
            now = datetime.datetime.now(datetime.timezone.utc)
            region = verify_signature(request, self._credentials, service, now).region
        else:
            scope = scope_of(request)
            region = scope.region if scope else "us-east-1"
        body = read_json(request.get_data())
        if service == "logs":
            operation = request.headers["X-Amz-Target"][len(_LOGS_TARGET) :]
            if not isinstance(body, dict) or not self._fake.answers_logs(region, operation, body):
                raise ResourceNotFound("The specified log group does not exist.")  # here, at least
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
        document = json.dumps(fitted(answer, service, operation))
        return Response(document, status=200, content_type="application/json")


def _service(request: Request) -> str:
    """The signing name a request belongs to: "logs" for CloudWatch Logs' targets, else "batch"."""
    return "logs" if request.headers.get("X-Amz-Target", "").startswith(_LOGS_TARGET) else "batch"


def _error(error: BatchError, service: str) -> Response:
    """An AWS error in the service's protocol: rest-json's ``x-amzn-ErrorType`` header (Batch),
    json 1.1's ``__type`` (Logs); both carry the code and a ``message``."""
    error = as_answered_by(service, error)
    payload: dict[str, Any] = {"message": error.message}
    if service == "logs":
        payload = {"__type": error.code, **payload}
    return Response(
        json.dumps(payload),
        status=error.status,
        content_type="application/x-amz-json-1.1" if service == "logs" else "application/json",
        headers={"x-amzn-ErrorType": error.code},
    )
