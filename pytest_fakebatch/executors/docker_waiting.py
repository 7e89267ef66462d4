"""How a running container of the Docker executor ends, read the moment it exits.

A waiting thread per running container blocks in the engine's ``wait``, as ``docker run``
does, then reads what the attempt's outcome needs: nothing more when it exited 0 (``wait``
says all), its state otherwise (an OOM kill, an error, or removed behind the fake's back),
then its logs; host volumes copied for a remote engine are copied back first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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


# dockerd learns of an OOM kill from an event of its own, which can come just after the exit
# that ends ``wait`` (or never: docs/docker.md says when): a container SIGKILLed (137) that the
# executor did not stop is inspected again until the engine says whether memory killed it, for
# at most this long
OOM_EVENT_GRACE_S = 1.0
_KILLED = 137


def await_exit(
    api: Any, cid: str, copies: Sequence[HostCopy], stopped: Callable[[], bool] = lambda: False
) -> Ended:
    """Block until container ``cid`` exits (no timeout: a job runs as long as it runs); how it
    ended (``stopped``: whether the executor asked it to stop). An engine that fails (not a
    4xx/5xx answer) raises."""
    try:
        status = api.wait(cid)
        waited_ms = time.time_ns() // 1_000_000
        if status.get("StatusCode") == 0:  # nothing inspect would add: no OOM kill, no error
            state: dict[str, Any] = {"ExitCode": 0}
        else:
            state = api.inspect_container(cid)["State"]
            if state.get("Status") == "removing":  # force-removed: the removal killed it
                raise docker.errors.NotFound(f"container {cid} is being removed")
            if state.get("ExitCode") == _KILLED and not state.get("OOMKilled") and not stopped():
                state = _after_oom_event(api, cid, state)
        raw = read_logs(api, cid)
        for copy in copies:  # before the attempt ends: the test reads what it wrote
            if copy.write_back:
                copy_out(api, cid, copy)
    except docker.errors.APIError as error:
        return Ended({}, gone=str(getattr(error, "explanation", None) or error))
    return Ended(state, raw, waited_ms)


def _after_oom_event(api: Any, cid: str, state: dict[str, Any]) -> dict[str, Any]:
    """``state`` once the engine has recorded an OOM kill, or as it is after the grace period."""
    deadline = time.monotonic() + OOM_EVENT_GRACE_S
    while not state.get("OOMKilled") and time.monotonic() < deadline:
        time.sleep(0.02)
        state = api.inspect_container(cid)["State"]
    return state


def read_logs(api: Any, cid: str) -> bytes:
    """The container's output with timestamps: docker-py's ``logs`` without the ``inspect``
    it makes first to learn whether the container has a TTY (the executor's never have one)."""
    params = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": 0, "tail": "all"}
    answer = api._get(api._url("/containers/{0}/logs", cid), params=params, stream=False)
    return bytes(api._get_result_tty(False, answer, False))
