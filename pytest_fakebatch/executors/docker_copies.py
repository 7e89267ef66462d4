"""Host volumes on a remote Docker engine: copied in before the container starts, and out
after it exits, instead of bind-mounted.

A job definition's ``host.sourcePath`` names a path on the machine that runs the test (that
is where the test writes a job's input and reads its output). A bind mount names a path on the
engine's machine: the same machine when the engine is reached on its local socket, another one
when ``DOCKER_HOST`` names a TCP or SSH address. So on such an engine, a source path that is a
directory or a regular file on the test's machine, or does not exist there, is copied instead:

- before the container starts, its content is copied in: a directory into a volume at the
  container path (an anonymous one; for a ``readOnly`` mount point a named one, filled through
  a container that is never started and mounted read-only), a file into the container's
  filesystem; a source that does not exist yet gives an empty directory, as Docker makes a
  bind mount's missing source;
- after the container has exited, unless the mount point is ``readOnly``, the container path is
  copied back onto the source path, so the test reads what the job wrote.

Any other source path (a socket such as ``/var/run/docker.sock``, a device) cannot be copied
and stays a bind mount, naming the engine machine's path: the container's host, as the
instance is on AWS.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import stat
import tarfile
import uuid
from dataclasses import dataclass
from typing import Any

from .task_containers import TASK_VOLUME_PREFIX


@dataclass(frozen=True)
class HostCopy:
    """One host volume copied in and (``write_back``) out rather than bind-mounted."""

    source: str  # on the test's machine
    target: str  # in the container
    write_back: bool
    directory: bool
    volume: str | None = None  # the named volume a read-only directory is copied into


def is_remote(base_url: str) -> bool:
    """Whether the engine a docker SDK client reaches (its ``api.base_url``) is reached over
    the network (``tcp://``, ``ssh://``), not its machine's local socket or named pipe."""
    return not base_url.startswith(("http+docker://local", "http+unix://", "npipe://"))


def copies_instead_of_binds(create: dict[str, Any]) -> list[HostCopy]:
    """Turn the bind mounts of ``create`` (``create_container`` arguments) whose source is a
    directory or regular file on this machine, or nothing yet, into copies; the copies."""
    host = create["host_config"]
    kept: list[str] = []
    copies: list[HostCopy] = []
    for bind in host.get("binds") or []:
        source, target, mode = bind.rsplit(":", 2)
        if source.startswith(TASK_VOLUME_PREFIX) or not posixpath.isabs(source):
            kept.append(bind)  # a Docker volume: it lives on the engine
            continue
        try:
            kind = os.stat(source).st_mode
        except FileNotFoundError:
            kind = stat.S_IFDIR  # made, as Docker makes a missing bind source
        except OSError:
            kind = 0
        if not (stat.S_ISDIR(kind) or stat.S_ISREG(kind)):
            kept.append(bind)  # a socket or device: the engine machine's own
            continue
        directory = stat.S_ISDIR(kind)
        if directory and mode == "ro":  # a task volume's name: created, labelled, removed with them
            volume = f"{TASK_VOLUME_PREFIX}copy-{uuid.uuid4().hex}"
            kept.append(f"{volume}:{target}:ro")
            copies.append(HostCopy(source, target, write_back=False, directory=True, volume=volume))
            continue
        copies.append(HostCopy(source, target, write_back=mode == "rw", directory=directory))
        if directory:
            create["volumes"] = [*(create.get("volumes") or []), target]
    if copies:
        host["binds"] = kept
    return copies


def copy_in(api: Any, container_id: str, copy: HostCopy, create: dict[str, Any]) -> None:
    """Copy ``copy.source`` into the created container (not yet started); a read-only
    volume through a container of the same image and labels, created and removed here."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if copy.directory:
            if os.path.isdir(copy.source):
                for name in sorted(os.listdir(copy.source)):
                    tar.add(os.path.join(copy.source, name), arcname=name)
            destination = copy.target
        else:
            tar.add(copy.source, arcname=copy.target.lstrip("/"))
            destination = "/"
    if copy.volume is None:
        api.put_archive(container_id, destination, buffer.getvalue())
        return
    filler = api.create_container(
        create["image"],
        command=["true"],
        labels=create["labels"],
        host_config=api.create_host_config(binds=[f"{copy.volume}:/fill:rw"]),
    )["Id"]
    try:
        api.put_archive(filler, "/fill", buffer.getvalue())
    finally:
        api.remove_container(filler, force=True)


def copy_out(api: Any, container_id: str, copy: HostCopy) -> None:
    """Copy the exited container's ``copy.target`` back onto ``copy.source``. Members that
    would land outside it (absolute paths, links leaving it, devices) are skipped."""
    stream, _ = api.get_archive(container_id, copy.target)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream)), mode="r") as tar:
        top = tar.next()
        if top is None:
            return
        if copy.directory:
            destination = copy.source
            os.makedirs(destination, exist_ok=True)
            prefix = top.name.rstrip("/") + "/"
            members = [m for m in tar.getmembers()[1:] if m.name.startswith(prefix)]
            for member in members:
                member.name = member.name[len(prefix) :]
        else:
            destination = os.path.dirname(copy.source)
            top.name = os.path.basename(copy.source)
            members = [top]
        for member in members:
            with contextlib.suppress(tarfile.TarError, OSError):
                _extract(tar, member, destination)


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, destination: str) -> None:
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is not None:
        tar.extract(data_filter(member, destination), destination, filter="fully_trusted")
        return
    root = os.path.realpath(destination)  # no data_filter (Python 3.10 before 3.10.12)
    inside = os.path.realpath(os.path.join(destination, member.name))
    if (member.isfile() or member.isdir()) and os.path.commonpath([inside, root]) == root:
        tar.extract(member, destination)
