"""fake_batch.serve() hands the HTTP server's connection bounds through (idle_timeout,
max_connections), and a running server is not silently re-configured."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_server_connections import closed_unanswered

from pytest_fakebatch import FakeBatch


def test_serve_closes_an_idle_connection_after_its_idle_timeout(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve(idle_timeout=0.2)
    client = socket.create_connection(("127.0.0.1", urlsplit(url).port or 0), timeout=30)

    closed = closed_unanswered(client)  # blocks until the server gives up on the connection
    client.close()

    assert closed
    assert fake_batch.calls == []


def test_serve_again_with_the_same_or_no_settings_gives_the_same_endpoint(fake_batch: FakeBatch) -> None:
    url = fake_batch.serve(idle_timeout=5, max_connections=3)

    assert fake_batch.serve(idle_timeout=5, max_connections=3) == url
    assert fake_batch.serve() == url
    assert fake_batch.environ()["AWS_ENDPOINT_URL_BATCH"] == url


@pytest.mark.parametrize(
    ("setting", "running"),
    [({"idle_timeout": 6.0}, "idle_timeout=5.0"), ({"max_connections": 4}, "max_connections=3")],
    ids=["idle_timeout", "max_connections"],
)
def test_serve_refuses_to_change_a_running_server_s_bounds(
    fake_batch: FakeBatch, setting: dict[str, Any], running: str
) -> None:
    url = fake_batch.serve(idle_timeout=5.0, max_connections=3)

    with pytest.raises(RuntimeError) as refused:
        fake_batch.serve(**setting)

    assert str(refused.value) == (
        f"this fake already serves {url} with {running}; serve() once, with the setting you need"
    )


def test_environ_starts_the_server_with_the_default_bounds(fake_batch: FakeBatch) -> None:
    url = fake_batch.environ()["AWS_ENDPOINT_URL_BATCH"]

    with pytest.raises(RuntimeError) as refused:
        fake_batch.serve(max_connections=2)

    assert str(refused.value) == (
        f"this fake already serves {url} with max_connections=64; serve() once, with the setting you need"
    )
