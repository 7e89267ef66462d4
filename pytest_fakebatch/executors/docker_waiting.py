"""How a running container of the Docker executor ends, read the moment it exits.

A waiting thread per running container blocks in the engine's ``wait``, as ``docker run``
does, then reads what the attempt's outcome needs: nothing more when it exited 0 (``wait``
says all), its state otherwise (an OOM kill, an error, or removed behind the fake's back),
then its logs; host volumes copied for a remote engine are copied back first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .docker_copies import HostCopy, copy_out
from .docker_engine import docker


@dataclass(frozen=True)
class Ended:
    """How a container ended: its state (``inspect``'s, or ``{"ExitCode": 0}`` from ``wait``
    alone), its raw logs and when ``wait`` returned (epoch ms); or why it could not be read
    (``gone``: the container was removed)."""

    state: dict[str, Any]
    raw_logs: bytes = b""
    waited_ms: int | None = None
    gone: str | None = None


def await_exit(api: Any, cid: str, copies: Sequence[HostCopy]) -> Ended:
    """Block until container ``cid`` exits (no timeout: a job runs as long as it runs); how it
    ended. An engine that fails (not a 4xx/5xx answer) raises."""
    try:
        status = api.wait(cid)
        waited_ms = time.time_ns() // 1_000_000
        if status.get("StatusCode") == 0:  # nothing inspect would add: no OOM kill, no error
            state: dict[str, Any] = {"ExitCode": 0}
        else:
            state = api.inspect_container(cid)["State"]
            if state.get("Status") == "removing":  # force-removed: the removal killed it
                raise docker.errors.NotFound(f"container {cid} is being removed")
        raw = read_logs(api, cid)
        for copy in copies:  # before the attempt ends: the test reads what it wrote
            if copy.write_back:
                copy_out(api, cid, copy)
    except docker.errors.APIError as error:
        return Ended({}, gone=str(getattr(error, "explanation", None) or error))
    return Ended(state, raw, waited_ms)


def read_logs(api: Any, cid: str) -> bytes:
    """The container's output with timestamps: docker-py's ``logs`` without the ``inspect``
    it makes first to learn whether the container has a TTY (the executor's never have one)."""
    params = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": 0, "tail": "all"}
    answer = api._get(api._url("/containers/{0}/logs", cid), params=params, stream=False)
    return bytes(api._get_result_tty(False, answer, False))
