"""An offline test image for Docker mode: the host's static busybox, packed with docker import.

Nothing is pulled from a registry. Used by the Docker tests and by benchmarks/docker_array.py.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from typing import Any

import docker

IMAGE = "fakebatch-busybox:test"


def ensure_busybox_image(client: Any) -> str:
    """Build IMAGE from /bin/busybox and its applet links unless the engine has it; its name."""
    try:
        client.images.get(IMAGE)
        return IMAGE
    except docker.errors.ImageNotFound:
        pass
    busybox = shutil.which("busybox") or "/bin/busybox"
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder in ("bin", "tmp", "etc", "proc", "sys", "dev"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, arcname="bin/busybox")
        for applet in applets.split():
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
    repository, _, tag = IMAGE.partition(":")
    client.api.import_image_from_data(
        buffer.getvalue(), repository=repository, tag=tag, changes=['CMD ["sh"]']
    )
    return IMAGE
