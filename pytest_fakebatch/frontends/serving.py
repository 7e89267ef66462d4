"""The facade's HTTP mode: one server per fake, its credentials, and what clients need to reach it.

:class:`Serving` starts the :class:`~.server.Server` on first use (werkzeug is imported only
then), hands the endpoint's environment to the attempts started from then on, and closes the
server when the fake stops. It sees the fake only as a :class:`~.dispatcher.Dispatcher`.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.credentials import ReadOnlyCredentials

if TYPE_CHECKING:
    from .dispatcher import Dispatcher
    from .server import Server


def fresh_credentials() -> ReadOnlyCredentials:
    """An access key and secret for one fake's HTTP clients to sign with."""
    return ReadOnlyCredentials(
        "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
        secrets.token_urlsafe(30),
        None,
    )


class Serving:
    """One fake's HTTP server, started when first asked for and closed with the fake.

    ``lock`` is the fake's own (the server is started and closed under it); ``on_start``
    receives the client environment (:meth:`client_env`) once the server is up, for the
    attempts started from then on."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        lock: threading.RLock,
        on_start: Callable[[dict[str, str]], None],
    ) -> None:
        self._dispatcher = dispatcher
        self._lock = lock
        self._on_start = on_start
        self._server: Server | None = None
        self._closed = False  # close() ran: no server after this
        # the credentials the HTTP mode's clients sign with (see environ()); fresh per fake
        self.credentials = fresh_credentials()

    def serve(
        self,
        *,
        verify_signatures: bool = True,
        idle_timeout: float | None = None,
        max_connections: int | None = None,
    ) -> str:
        """The endpoint URL, the server started with these settings if it is not running yet;
        asking a running server for other settings raises ``RuntimeError``."""
        with self._lock:
            server = self._serving(verify_signatures, idle_timeout, max_connections)
            asked = {
                "verify_signatures": verify_signatures,
                "idle_timeout": idle_timeout,
                "max_connections": max_connections,
            }
            running = {
                "verify_signatures": server.verify_signatures,
                "idle_timeout": server.idle_timeout,
                "max_connections": server.max_connections,
            }
            for name, value in asked.items():
                if value is not None and value != running[name]:
                    raise RuntimeError(
                        f"this fake already serves {server.url} with {name}="
                        f"{running[name]}; serve() once, with the setting you need"
                    )
            return server.url

    def _serving(
        self,
        verify_signatures: bool = True,
        idle_timeout: float | None = None,
        max_connections: int | None = None,
    ) -> Server:
        """The running server, started (with these settings) if there is none yet."""
        from .server import IDLE_TIMEOUT, MAX_CONNECTIONS, Server  # werkzeug, only when serving

        if self._closed:
            raise RuntimeError(
                "serve() on a stopped FakeBatch: its state is gone; start a new FakeBatch to serve"
            )
        if self._server is None:
            self._server = Server(
                self._dispatcher,
                self.credentials,
                verify_signatures=verify_signatures,
                idle_timeout=IDLE_TIMEOUT if idle_timeout is None else idle_timeout,
                max_connections=MAX_CONNECTIONS if max_connections is None else max_connections,
            )
            self._on_start(self.client_env(self._server.url))
        return self._server

    def environ(self, region: str) -> dict[str, str]:
        """What a subprocess needs to reach the fake over HTTP (the server started if need be)."""
        with self._lock:
            url = self._serving().url
        return {**self.client_env(url), "AWS_DEFAULT_REGION": region, "AWS_REGION": region}

    def client_env(self, url: str) -> dict[str, str]:
        """The endpoint URLs for Batch and CloudWatch Logs, and the credentials to sign with."""
        return {
            "AWS_ENDPOINT_URL_BATCH": url,
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": url,
            "AWS_ACCESS_KEY_ID": self.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": self.credentials.secret_key,
        }

    def close(self) -> None:
        """Close the server (its port and every open connection) and refuse to serve again."""
        with self._lock:  # no serve() after this
            self._closed = True
            server, self._server = self._server, None
        if server is not None:  # outside the lock: its threads may be waiting for it
            server.close()
