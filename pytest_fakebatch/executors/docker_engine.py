"""The Docker engine as the Docker executor and the plugin's session checks meet it: the
connection, the labels every container carries, and the sweep of dead runs' leftovers.

Every container carries the label ``pytest-fakebatch=1`` plus the session, pid, process start,
host, test, job and attempt, so :func:`sweep_leftovers` can remove exactly the containers of
test runs that died, and nothing else.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from packaging.version import Version

_SDK_MISSING: ImportError | None = None
try:
    import docker as docker  # re-exported for the executor
except ImportError as _missing:  # the module is importable; check_engine says what to install
    _SDK_MISSING = _missing
    docker = None

LABEL = "pytest-fakebatch"  # "1" on every container this plugin creates
_SESSION, _PID, _PID_START, _HOST = (f"{LABEL}.{k}" for k in ("session", "pid", "pid-start", "host"))
EXECUTOR, TEST, JOB, ATTEMPT = (f"{LABEL}.{k}" for k in ("executor", "test", "job-id", "attempt"))


def process_start(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, Linux), "" where unknown:
    a pid alone may have been reused by now."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


SESSION_ID = uuid.uuid4().hex  # this test process; labels every container it creates
HOST = socket.gethostname()  # this machine: the sweep leaves other machines' containers alone
SESSION_LABELS = {
    LABEL: "1",
    _SESSION: SESSION_ID,
    _PID: str(os.getpid()),
    _PID_START: process_start(os.getpid()),
    _HOST: HOST,
}


class DockerUnavailable(RuntimeError):
    """Docker mode cannot run: the docker SDK is missing or no engine answers. The message
    says what to do; the pytest plugin turns it into a usage error."""


# how long a session waits for an engine to answer before Docker mode gives up
ENGINE_CHECK_SECONDS = 10.0
SDK_FLOOR = Version("7.1")  # 7.0 cannot reach an engine with requests 2.32 ("http+docker")


def _sdk() -> Any:
    if _SDK_MISSING is not None:
        raise DockerUnavailable(
            "pytest-fakebatch's Docker mode needs the docker SDK, which is not installed "
            f"({_SDK_MISSING}): pip install 'pytest-fakebatch[docker]'"
        )
    found = getattr(docker, "__version__", "0")
    if Version(found) < SDK_FLOOR:
        raise DockerUnavailable(
            f"pytest-fakebatch's Docker mode needs the docker SDK {SDK_FLOOR} or newer, and {found} is "
            "installed (older releases cannot reach an engine with today's requests): "
            "pip install -U 'pytest-fakebatch[docker]'"
        )
    return docker


def connect(**options: Any) -> Any:
    """A client for the engine DOCKER_HOST names; DockerUnavailable when it does not answer."""
    sdk = _sdk()
    try:
        client = sdk.from_env(**options)
        client.ping()
    except Exception as error:  # DockerException, or the connection error beneath it
        host = os.environ.get("DOCKER_HOST")
        where = f"DOCKER_HOST={host}" if host else "DOCKER_HOST unset, using the default socket"
        raise DockerUnavailable(
            f"pytest-fakebatch Docker mode: no Docker engine answers ({where}): {error}. "
            "Start dockerd (or Docker Desktop), or set DOCKER_HOST to a running engine; "
            "or leave Docker mode off to use the in-process executor."
        ) from None
    return client


def default_network(client: Any) -> str | None:
    """The network mode for a container nobody chose one for: ``"none"`` on an engine started
    without its default bridge (``dockerd --bridge=none``), which lists only its ``host`` and
    ``none`` networks; ``None`` (the engine's own default) on any other engine, or one that will
    not list its networks. On such an engine the default gives a container its loopback alone,
    as ``"none"`` does, but the engine also keeps each such container's network sandbox in its
    store after the container is gone, and replays every one at its next start (about 0.1 s
    each: a test suite's thousands of containers made an engine take half an hour to start)."""
    try:
        names = {network.get("Name") for network in client.api.networks()}
    except docker.errors.APIError:  # a socket proxy that does not serve /networks, say
        return None
    return "none" if "none" in names and names <= {"host", "none"} else None


def check_engine() -> None:
    """Raise DockerUnavailable, naming DOCKER_HOST, unless a Docker engine answers."""
    connect(timeout=ENGINE_CHECK_SECONDS).close()


def sweep_leftovers() -> None:
    """Remove the containers a crashed earlier test run left: only ours (labelled), only
    from this host, only those whose creating process is gone."""
    client = connect(timeout=60)
    try:
        found = client.containers.list(all=True, sparse=True, filters={"label": f"{LABEL}=1"})
        for container in found:
            if _session_is_dead(container.attrs.get("Labels") or {}):
                remove(client, container.id)
    finally:
        client.close()


def _session_is_dead(labels: dict[str, str]) -> bool:
    pid = labels.get(_PID, "")
    if labels.get(LABEL) != "1" or labels.get(_HOST) != HOST or not pid.isdigit():
        return False  # another host's, or not ours: nothing to tell whether it is alive
    if int(pid) == os.getpid():
        return labels.get(_SESSION) != SESSION_ID
    if os.name == "nt":
        return False  # os.kill(pid, 0) would terminate the process there
    try:
        os.kill(int(pid), 0)  # pragma: no mutate (a mutant signal would reach a live process)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    started = labels.get(_PID_START, "")
    return bool(started) and process_start(int(pid)) not in ("", started)  # the pid was reused


def remove(client: Any, container_id: str) -> None:
    """Remove a container and its volumes. One already gone (404) or already being removed
    (409, say by another session sweeping the same leftovers) is not an error: either way it
    goes. Every other engine error is raised."""
    try:
        client.api.remove_container(container_id, force=True, v=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        if not _removal_in_progress(error):
            raise


def _removal_in_progress(error: Any) -> bool:
    """The engine's 409 "removal of container ... is already in progress"."""
    return bool(error.status_code == 409 and "already in progress" in str(error.explanation or ""))
