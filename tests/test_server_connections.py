"""The HTTP server's connections are bounded: an idle kept-alive connection is closed after the
idle timeout, and at most ``max_connections`` are answered at once (a thread each); more wait
until one closes. Driven with a short timeout and blocking reads, never sleeps."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from raw_http import prepare

from pytest_fakebatch import FakeBatch
from pytest_fakebatch.frontends.server import Server

CONNECTION_THREAD = "fakebatch-connection"


@pytest.fixture
def serve(fake_batch: FakeBatch) -> Iterator[list[Server]]:
    """Servers started by the test (``Server(fake_batch, ...)``), closed after it."""
    started: list[Server] = []
    yield started
    for server in started:
        server.close()


def request_bytes(fake: FakeBatch, url: str) -> bytes:
    """One signed, kept-alive DescribeJobQueues request, as bytes on the wire."""
    path, data, headers = prepare(url, "POST", "/v1/describejobqueues", {}, credentials=fake.credentials)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    host = urlsplit(url).netloc
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{head}Content-Length: {len(data)}\r\n\r\n".encode() + data
    )


def read_answer(client: socket.socket) -> bytes:
    """One whole answer (its head and its Content-Length of body), blocking until it is there."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(4096)
        assert chunk, f"the server closed the connection before answering: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += client.recv(4096)
    return head.split(b"\r\n")[0]


def closed_unanswered(client: socket.socket) -> bool:
    """Whether the server closed ``client``'s connection without a word (at its end of file, or
    with a reset: a connection closed with the request unread, or still in the listen backlog)."""
    try:
        return client.recv(100) == b""
    except ConnectionResetError:
        return True


def connection_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == CONNECTION_THREAD and t.is_alive()]


@pytest.mark.parametrize(
    "sent", [b"", b"POST /v1/describejobqueues HTTP/1.1\r\nHost: "], ids=["nothing", "half"]
)
def test_an_idle_connection_is_closed_and_its_thread_ends(
    fake_batch: FakeBatch, serve: list[Server], sent: bytes
) -> None:
    server = Server(fake_batch, fake_batch.credentials, idle_timeout=0.2)
    serve.append(server)
    client = socket.create_connection(("127.0.0.1", urlsplit(server.url).port or 0), timeout=30)

    client.sendall(sent)  # a client's pool may open a connection and leave it unused
    closed = closed_unanswered(client)  # blocks until the server gives up on the connection
    client.close()
    for thread in connection_threads():
        thread.join(timeout=10)

    assert closed
    assert connection_threads() == []
    assert fake_batch.calls == []


def test_connections_beyond_the_bound_wait_for_a_thread(fake_batch: FakeBatch, serve: list[Server]) -> None:
    server = Server(fake_batch, fake_batch.credentials, idle_timeout=30, max_connections=2)
    serve.append(server)
    port = urlsplit(server.url).port or 0
    idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(2)]
    client = socket.create_connection(("127.0.0.1", port), timeout=30)  # accepted after the idle two

    client.sendall(request_bytes(fake_batch, server.url))
    client.setblocking(False)
    with pytest.raises(BlockingIOError):  # both threads are held by the idle connections
        client.recv(1)
    client.setblocking(True)
    threads_while_full = len(connection_threads())
    idle[0].close()  # its thread ends, and the waiting connection is served
    status = read_answer(client)
    for connection in (client, idle[1]):
        connection.close()

    assert threads_while_full <= 2
    assert status == b"HTTP/1.1 200 OK"
    assert [c.operation for c in fake_batch.calls] == ["DescribeJobQueues"]


def test_stop_ends_a_connection_waiting_for_a_thread(fake_batch: FakeBatch) -> None:
    server = Server(fake_batch, fake_batch.credentials, max_connections=1)
    port = urlsplit(server.url).port or 0
    idle = socket.create_connection(("127.0.0.1", port), timeout=30)  # holds the one thread
    waiting = socket.create_connection(("127.0.0.1", port), timeout=30)
    waiting.sendall(request_bytes(fake_batch, server.url))

    closing = threading.Thread(target=server.close, daemon=True)
    closing.start()
    closing.join(timeout=10)
    answers = [closed_unanswered(idle), closed_unanswered(waiting)]
    idle.close()
    waiting.close()

    assert not closing.is_alive(), "close() waited for a connection"
    assert answers == [True, True]
    assert fake_batch.calls == []
