"""The one clock every timestamp and timeout of the fake is read from."""

from __future__ import annotations

import time


class Clock:
    """Epoch milliseconds that a test can move forward instead of sleeping.

    By default the clock follows the wall clock, plus whatever :meth:`advance` added, so
    timestamps look like AWS's. :meth:`freeze` pins it, for tests that compare exact values.
    """

    def __init__(self) -> None:
        self._offset_ms = 0
        self._frozen_ms: int | None = None

    def now_ms(self) -> int:
        """The current time in epoch milliseconds."""
        if self._frozen_ms is not None:
            return self._frozen_ms
        return time.time_ns() // 1_000_000 + self._offset_ms

    def advance(self, seconds: float) -> None:
        """Move time forward; running attempts time out and simulated work finishes."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, not by {seconds} seconds")
        step = round(seconds * 1000)
        if self._frozen_ms is not None:
            self._frozen_ms += step
        else:
            self._offset_ms += step

    def freeze(self, at_ms: int | None = None) -> None:
        """Stop following the wall clock; time then moves only through :meth:`advance`."""
        self._frozen_ms = self.now_ms() if at_ms is None else at_ms

    def unfreeze(self) -> None:
        """Follow the wall clock again, from the frozen time on."""
        if self._frozen_ms is not None:
            self._offset_ms = self._frozen_ms - time.time_ns() // 1_000_000
            self._frozen_ms = None
