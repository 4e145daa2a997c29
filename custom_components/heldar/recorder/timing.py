"""Timeouts and intervals of the recorder; tests shrink them, users never need to."""

from __future__ import annotations

from dataclasses import dataclass, field

from .process import StopTimeouts


@dataclass(frozen=True, slots=True)
class Timing:
    """Timeouts and intervals; tests shrink them, users never need to."""

    poll_connecting: float = 1.0
    # FFmpeg reported frames but its first fragment is not on disk yet: it lands within a
    # fragment (1 s), and ``recording`` should show the moment it does.
    poll_footage: float = 0.2
    poll_recording: float = 2.0
    connect_timeout: float = 30.0
    stall_floor: float = 6.0
    stall_ceiling: float = 60.0
    stall_factor: float = 3.0
    stop: StopTimeouts = field(default_factory=StopTimeouts)
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    healthy_after: float = 30.0
    # Written media this far ahead of (or behind) the wall clock ends the run.
    drift_limit: float = 5.0
    # While FFmpeg reports progress and inotify reports new files, the output directory is
    # only looked at when a file appears, and at least this often: a safety net for a missed
    # inotify event (and a lost one is noticed: the kernel's queue overflow makes the next look
    # list the folder). Silence and drift are caught by the progress drain's tick, not by this.
    # Each look is an executor job; with 32 cameras, a look each minute showed in the loop lag.
    rescan: float = 300.0
