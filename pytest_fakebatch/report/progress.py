"""The live line of a test that waits on real containers: jobs done out of all, containers
running. It appears once containers have been running for a few seconds, is rewritten in place
(at most twice a second) while the test polls Batch, and is wiped when the test ends."""

from __future__ import annotations

import time
from collections.abc import Callable

SHOW_AFTER_S = 3.0  # of containers running before the line appears
EVERY_S = 0.5  # between two rewrites


class Progress:
    """Fed by :meth:`observe` after each Batch call; ``write`` puts text on the terminal."""

    def __init__(self, write: Callable[[str], None], now: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._now = now
        self._waiting_since: float | None = None
        self._last = -EVERY_S
        self._shown = 0  # width of the line on screen, 0 while none is

    def observe(self, done: int, total: int, running: int) -> None:
        now = self._now()
        if running == 0:
            self._waiting_since = None
        elif self._waiting_since is None:
            self._waiting_since = now
        waited = now - self._waiting_since if self._waiting_since is not None else 0.0
        if not self._shown and waited < SHOW_AFTER_S:
            return
        if now - self._last < EVERY_S:
            return
        self._last = now
        containers = "container" if running == 1 else "containers"
        line = f"fakebatch: {done}/{total} jobs done, {running} {containers} running"
        if running:
            line += f" ({waited:.0f} s)"
        if not self._shown:
            self._write("\n")  # a line of its own, under the test's name or its dots
        self._write("\r" + line.ljust(self._shown))
        self._shown = max(self._shown, len(line))

    def close(self) -> None:
        """Wipe the line, if one is shown."""
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0
