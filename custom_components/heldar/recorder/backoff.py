"""Reconnect backoff, as in the original recorder: 1, 2, 4, ... capped at 30 seconds.

A run that recorded healthily for longer than ``healthy_after`` seconds resets the sequence,
so a camera that drops once a day reconnects after one second, while a camera that is down
costs at most one FFmpeg start every 30 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """The delay before the next FFmpeg start after a failed or finished run."""

    initial: float = 1.0
    maximum: float = 30.0
    healthy_after: float = 30.0
    _next: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        """Start at the initial delay."""
        self._next = self.initial

    def failure(self, healthy_seconds: float) -> float:
        """Return the delay to wait after a run that recorded for ``healthy_seconds``."""
        if healthy_seconds > self.healthy_after:
            self._next = self.initial
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Forget past failures, for example when the camera is reconfigured."""
        self._next = self.initial
