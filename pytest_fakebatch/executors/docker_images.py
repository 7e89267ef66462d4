"""The images a Docker executor's jobs name: pulled at most once each, when the settings allow."""

from __future__ import annotations

import threading
from typing import Any

from .docker_engine import docker


class ImagePuller:
    """Pulls an image the engine does not have (``pull="missing"``), once per image even when
    a whole array wants it, and remembers why one could not be had."""

    def __init__(self, client: Any, pull: str) -> None:
        self._client = client
        self.pull = pull
        self._lock = threading.Lock()
        self._pulled: set[str] = set()
        self._unpullable: dict[str, str] = {}  # image -> why it could not be pulled

    def why_missing(self, image: str) -> str | None:
        """Why ``image`` cannot be had, None once it is there."""
        if self.pull == "never":
            return (
                f"{image}: image not found in the local Docker engine and fakebatch_pull is 'never' "
                "(build or tag it locally, map the job's image with --fakebatch-image "
                "PATTERN=IMAGE, or set fakebatch_pull = missing)"
            )
        with self._lock:
            if image not in self._unpullable and image not in self._pulled:
                repository, tag = docker.utils.parse_repository_tag(image)
                try:
                    stream = self._client.api.pull(repository, tag=tag or "latest", stream=True, decode=True)
                    for event in stream:
                        if "error" in event:
                            raise docker.errors.APIError(event["error"])
                    self._client.api.inspect_image(image)
                    self._pulled.add(image)
                except docker.errors.APIError as error:
                    explained = str(getattr(error, "explanation", None) or error)
                    self._unpullable[image] = f"{image}: pull failed: {explained}"
            return self._unpullable.get(image)
