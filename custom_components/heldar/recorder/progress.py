"""FFmpeg's ``-progress`` reports, reduced to the facts the supervisor needs.

File growth alone is a coarse liveness signal: a fragmented MP4 grows once per fragment, and
before the first keyframe nothing is written at all. FFmpeg's report says, once a second, how
many frames it has written (``frame``) and how far the written media reaches (``out_time_us``).

- Media *flows* only once a frame has been written: a report of ``out_time_us=0`` with no
  frame, which FFmpeg prints while it waits for a keyframe, is not media.
- While frames keep being written the camera is alive, whatever its keyframe interval.
- The media time against the wall clock tells a recording that plays at real speed from one
  whose timestamps ran away (see ``drift``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# How often FFmpeg reports (``-stats_period``), in seconds.
PROGRESS_PERIOD = 1.0
# Reports this far apart on average (FFmpeg's, not a test's fast fake) may be read late, in
# a batch with the other cameras' (see ``progress_drain.py``); after this many advances.
_STEADY_GAP = 0.5
_STEADY_AFTER = 3
_MICROSECONDS = 1_000_000


@dataclass(slots=True)
class MediaClock:
    """Follow FFmpeg's reports; call ``on_advance(now)`` each time written media moves on."""

    clock: Callable[[], float]
    on_advance: Callable[[float], None] | None = None
    # Called about once a second while the reports are read by the shared drain, whether a
    # report came or not: the owner checks its deadlines there instead of on its own timer.
    on_tick: Callable[[float], None] | None = None
    # Whether the shared drain reads the reports (and so calls ``on_tick``), set by the reader.
    drained: bool = False
    out_time_us: int = -1
    # Frames written; None while FFmpeg gives no ``frame=`` lines (an audio-less fake, say).
    frames: int | None = None
    advanced_at: float | None = None
    # When the first frame was written, estimated from the frame rate of the reports.
    first_frame_at: float | None = None
    # The longest wait between two advances: the stream's own rhythm, for silence detection.
    widest_gap: float = 0.0
    _partial: bytes = field(default=b"", repr=False)
    _frames_line: int | None = field(default=None, repr=False)
    _first: tuple[float, int, int] | None = field(default=None, repr=False)
    _latest: tuple[float, int] | None = field(default=None, repr=False)
    _advances: int = field(default=0, repr=False)
    _first_advance: float = field(default=0.0, repr=False)

    def feed(self, chunk: bytes) -> None:
        """Take a chunk of FFmpeg's progress output; lines may be split across chunks."""
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()[-256:]  # an unfinished line; never grows without bound
        for line in lines:
            key, _, value = line.partition(b"=")
            if key == b"frame":  # comes first in each report
                self._frames_line = _int(value)
            elif key == b"out_time_us":
                frames, self._frames_line = self._frames_line, None
                self._report(_int(value), frames)

    def tick(self) -> None:
        """Let the owner look at the clock: called by the drain after each of its reads."""
        if self.on_tick is not None:
            self.on_tick(self.clock())

    @property
    def steady(self) -> bool:
        """Whether frames flow, reported about once a second: reading late then costs nothing."""
        if self._advances < _STEADY_AFTER or self.advanced_at is None:
            return False
        mean_gap = (self.advanced_at - self._first_advance) / (self._advances - 1)
        return mean_gap >= _STEADY_GAP

    def drift(self) -> float:
        """Return how far the written media ran ahead of the wall clock (seconds; <0: behind).

        Measured from the first report with frames, so start-up latency does not count.
        """
        if self._first is None or self._latest is None:
            return 0.0
        first_at, first_us, _ = self._first
        latest_at, latest_us = self._latest
        return (latest_us - first_us) / _MICROSECONDS - (latest_at - first_at)

    def _report(self, out_time: int | None, frames: int | None) -> None:
        if out_time is None:
            return
        if frames is not None:
            advanced = frames > (self.frames or 0) or (frames > 0 and out_time > self.out_time_us)
            self.frames = frames
        else:  # no frame counts: only media time that moved past zero is evidence
            advanced = out_time > max(self.out_time_us, 0)
        if not advanced:
            return
        self.out_time_us = max(out_time, self.out_time_us)
        now = self.clock()
        if self.advanced_at is not None:
            self.widest_gap = max(self.widest_gap, now - self.advanced_at)
        else:
            self._first_advance = now
        self.advanced_at = now
        self._advances += 1
        self._note_timing(now, out_time, frames)
        if self.on_advance is not None:
            self.on_advance(now)

    def _note_timing(self, now: float, out_time: int, frames: int | None) -> None:
        self._latest = (now, out_time)
        if self._first is None:
            self._first = (now, out_time, frames or 0)
            return
        if self.first_frame_at is None and frames is not None:
            first_at, first_us, first_frames = self._first
            new_frames = frames - first_frames
            if new_frames > 0 and out_time > first_us:
                seconds_per_frame = (out_time - first_us) / _MICROSECONDS / new_frames
                self.first_frame_at = first_at - max(first_frames - 1, 0) * seconds_per_frame


def _int(value: bytes | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:  # "N/A" until the first packet is written
        return None
