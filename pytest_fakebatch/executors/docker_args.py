"""How a job attempt becomes ``docker create`` arguments, and how its logs come back.

Pure functions: no engine calls, so they are tested without Docker.
"""

from __future__ import annotations

import calendar
import fnmatch
import re
import time
from typing import Any

from .base import AttemptSpec

_MIN_MEMORY_MIB = 6  # Docker refuses less; AWS accepts 4
_LOOPBACK_URL = re.compile(r"https?://(127\.|localhost\b|\[::1\])")
_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def resolve_image(images: dict[str, str], image: str) -> str:
    """The local image for a job's image: the first glob of ``images`` it matches, else itself."""
    for pattern, local in images.items():
        if fnmatch.fnmatchcase(image, pattern):
            return local
    return image


def container_args(
    spec: AttemptSpec, image: str, host_cpus: float, network: str | None, engine_network: str | None = None
) -> dict[str, Any]:
    """``create_container`` arguments (``host_config`` as ``create_host_config`` arguments)
    for the container AWS would start for ``spec``. ``network`` is the user's choice;
    ``engine_network`` the mode that stands for the engine's default network
    (:func:`.docker_engine.default_network`)."""
    props = spec.container
    linux = props.get("linuxParameters") or {}
    host: dict[str, Any] = {
        "read_only": bool(props.get("readonlyRootFilesystem")),
        "privileged": bool(props.get("privileged")),
        "network_mode": network or _default_network(spec.environment) or engine_network,
    }
    if spec.vcpus > 0:
        host["nano_cpus"] = int(min(spec.vcpus, host_cpus) * 1e9)
    if spec.memory_mib:
        memory = max(spec.memory_mib, _MIN_MEMORY_MIB) * 2**20
        host["mem_limit"] = memory
        host["memswap_limit"] = memory + int(linux.get("maxSwap") or 0) * 2**20
    if "swappiness" in linux and linux.get("maxSwap") is not None:  # ignored without maxSwap (AWS)
        host["mem_swappiness"] = int(linux["swappiness"])
    if linux.get("initProcessEnabled"):
        host["init"] = True
    if linux.get("sharedMemorySize"):
        host["shm_size"] = int(linux["sharedMemorySize"]) * 2**20
    if linux.get("tmpfs"):
        host["tmpfs"] = {
            t["containerPath"]: ",".join([f"size={t['size']}m", *(t.get("mountOptions") or [])])
            for t in linux["tmpfs"]
        }
    if linux.get("devices"):
        host["devices"] = [
            f"{d['hostPath']}:{d.get('containerPath') or d['hostPath']}:"
            + "".join(p[0].lower() for p in d.get("permissions") or ["READ", "WRITE", "MKNOD"])
            for d in linux["devices"]
        ]
    if props.get("ulimits"):
        host["ulimits"] = [
            {"Name": u["name"], "Soft": int(u["softLimit"]), "Hard": int(u["hardLimit"])}
            for u in props["ulimits"]
        ]
    binds, anonymous = _mounts(props)
    if binds:
        host["binds"] = binds
    return {
        "image": image,
        "command": list(spec.command) or None,  # None: the image's own CMD
        "environment": dict(spec.environment),
        "user": props.get("user") or None,
        "volumes": anonymous or None,
        "host_config": host,
    }


def _default_network(environment: dict[str, str]) -> str | None:
    """The host's network when the attempt is told to reach the fake's server on loopback."""
    endpoints = (v for k, v in environment.items() if k.startswith("AWS_ENDPOINT_URL"))
    return "host" if any(_LOOPBACK_URL.match(url) for url in endpoints) else None


def _mounts(props: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Bind mounts for volumes with a ``host.sourcePath``; other volumes (Docker-managed,
    EFS) become anonymous volumes, empty at start and removed with the container."""
    volumes = {v.get("name"): v for v in props.get("volumes") or []}
    binds, anonymous = [], []
    for point in props.get("mountPoints") or []:
        volume = volumes.get(point.get("sourceVolume")) or {}
        target = point["containerPath"]
        source = (volume.get("host") or {}).get("sourcePath")
        if source:
            binds.append(f"{source}:{target}:{'ro' if point.get('readOnly') else 'rw'}")
        else:
            anonymous.append(target)
    return binds, anonymous


def parse_logs(raw: bytes) -> list[tuple[int | None, str]]:
    """``docker logs --timestamps`` output as (epoch ms, line); a line without a timestamp of
    its own (a continued partial line) takes the previous one's."""
    events: list[tuple[int | None, str]] = []
    last: int | None = None
    for line in raw.decode("utf-8", errors="replace").split("\n"):
        stamp, _, message = line.partition(" ")
        ms = epoch_ms(stamp)
        if ms is None:
            message = line
        else:
            last = ms
        if line:
            events.append((last, message.rstrip("\r")))
    return events


def epoch_ms(stamp: str) -> int | None:
    """RFC 3339 (Docker's nanosecond form) to epoch ms; None for Docker's zero time or junk."""
    match = _TIMESTAMP.match(stamp)
    if match is None or stamp.startswith("0001-"):
        return None
    whole, fraction, zone = match.groups()
    seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds * 1000 + int((fraction or "0").ljust(3, "0")[:3])
