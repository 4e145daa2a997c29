"""FFmpeg's ``-progress`` reports, reduced to one fact: when the recorded media last advanced.

File growth alone is a coarse liveness signal: a fragmented MP4 grows once per keyframe, so a
camera with a 10-second GOP looks silent for 10 seconds at a time. FFmpeg's progress report
(``out_time_us``, the output's media time) advances with every packet it copies, so a stream
that goes quiet is told apart from a long GOP within a second or two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# How often FFmpeg reports (``-stats_period``), in seconds.
PROGRESS_PERIOD = 1.0
_KEY = b"out_time_us="


@dataclass(slots=True)
class MediaClock:
    """Follow ``out_time_us`` lines; call ``on_advance(now)`` each time it moves forward."""

    clock: Callable[[], float]
    on_advance: Callable[[float], None] | None = None
    out_time_us: int = -1
    advanced_at: float | None = None
    _partial: bytes = field(default=b"", repr=False)

    def feed(self, chunk: bytes) -> None:
        """Take a chunk of FFmpeg's progress output; lines may be split across chunks."""
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()[-256:]  # an unfinished line; never grows without bound
        for line in lines:
            if not line.startswith(_KEY):
                continue
            try:
                value = int(line[len(_KEY) :])
            except ValueError:  # "N/A" until the first packet is written
                continue
            if value > self.out_time_us:
                self.out_time_us = value
                self.advanced_at = now = self.clock()
                if self.on_advance is not None:
                    self.on_advance(now)
