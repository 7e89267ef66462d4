"""A second Docker engine reached over TCP, standing for an engine on another machine.

It has its own TCP port on loopback, unix socket, data root, exec root (so its own containerd)
and pid file, so it never touches the default engine or anyone else's. It is started when the
``dockerd`` binary exists and this is root (else the test is skipped, saying why), given the
offline busybox image, and stopped with its directories removed when the fixture ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from busybox_image import ensure_busybox_image

_START_SECONDS = 120  # a fresh engine answers in one or two seconds; a loaded machine is slower


@dataclass
class RemoteEngine:
    host: str  # DOCKER_HOST for it: tcp://127.0.0.1:<port>
    client: Any  # a docker SDK client of it
    image: str  # the offline busybox image, in it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _why_not() -> str | None:
    if shutil.which("dockerd") is None:
        return "no dockerd binary to start a second (remote) Docker engine with"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "starting a second (remote) Docker engine needs root"
    return None


@contextlib.contextmanager
def remote_engine() -> Iterator[RemoteEngine]:
    """Start the second engine, yield it, stop it and remove its directories."""
    why = _why_not()
    if why is not None:
        pytest.skip(why)
    import docker

    root = tempfile.mkdtemp(prefix="fbre-")  # short: a unix socket path has 108 bytes at most
    host = f"tcp://127.0.0.1:{_free_port()}"
    log = open(os.path.join(root, "dockerd.log"), "wb")  # noqa: SIM115 (closed below)
    daemon = subprocess.Popen(
        [
            "dockerd",
            "--iptables=false",
            "--bridge=none",
            f"--data-root={root}/data",
            f"--exec-root={root}/exec",
            f"--pidfile={root}/dockerd.pid",
            f"--host=unix://{root}/docker.sock",
            f"--host={host}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = None
    try:
        client = _wait_until_it_answers(docker, host, daemon, root)
        yield RemoteEngine(host, client, ensure_busybox_image(client))
    finally:
        if client is not None:
            client.close()
        daemon.terminate()  # the engine stops its containers and its containerd
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_it_answers(docker: Any, host: str, daemon: subprocess.Popen[bytes], root: str) -> Any:
    deadline = time.monotonic() + _START_SECONDS
    while True:
        try:
            client = docker.DockerClient(base_url=host, timeout=60)
            client.ping()
            return client
        except Exception as error:
            if daemon.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(root, "dockerd.log"), errors="replace") as log:
                    tail = "".join(log.readlines()[-20:])
                raise RuntimeError(f"the second dockerd did not answer on {host}: {error}\n{tail}") from None
        time.sleep(0.2)
