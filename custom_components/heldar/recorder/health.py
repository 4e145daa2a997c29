"""Whether one FFmpeg run is delivering footage: liveness and drift verdicts.

The evidence is FFmpeg's progress report (frames written) when FFmpeg gives one, else segment
files growing. A run is ``recording`` only once a frame is on disk; it is ended when written
media stops for longer than the stream's own rhythm allows, or when its media time runs away
from the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import random

from .progress import MediaClock
from .timing import Timing

# Up to this fraction of a long wait is cut, differently for each run (see ``poll_interval``).
_SPREAD = 0.15
_SPREAD_ABOVE = 0.5  # seconds: shorter waits (a connecting camera, tests) are kept exact


class RunEnd(StrEnum):
    """Why an FFmpeg run ended."""

    EXITED = "exited"
    REQUESTED = "requested"
    STALLED = "stalled"
    NO_DATA = "no_data"
    DRIFT = "drift"
    CRASHED = "crashed"


@dataclass(slots=True)
class RunHealth:
    """Liveness of one run, learnt from the gaps between pieces of evidence."""

    timing: Timing
    started: float
    recording_since: float | None = None
    last_progress: float = 0.0
    widest_gap: float = 0.0
    # Frames were reported before any fragment was on disk: look again soon, not in a second.
    footage_pending: bool = False
    # This run's share of the spread: cameras whose reports are read in the same tick would
    # otherwise all wake (and scan, in the executor) in the same later tick.
    phase: float = field(default_factory=lambda: random.uniform(0.0, _SPREAD))  # noqa: S311

    def poll_interval(self, now: float, *, reporting: bool = False, watched: bool = False) -> float:
        """Poll fast until media flows, then wake up no later than the stall deadline.

        While FFmpeg reports progress, nothing else needs a poll: reports, new files, exits
        and window ends each wake the supervisor themselves, so it sleeps until the stall
        deadline (or the periodic rescan). When the shared drain reads the reports
        (``watched``), its tick checks the deadlines (``overdue``), so only the rescan is left.
        A long wait is cut by this run's ``phase``: waking early changes no verdict (the
        deadline is checked again), and it spreads the cameras.
        """
        if self.recording_since is None:
            return self.timing.poll_footage if self.footage_pending else self.timing.poll_connecting
        until_stall = self.last_progress + self.stall_seconds - now + 0.01
        if watched:
            wait = self.timing.rescan
        else:
            ceiling = self.timing.rescan if reporting else self.timing.poll_recording
            wait = min(ceiling, until_stall)
        if wait > _SPREAD_ABOVE:
            wait *= 1.0 - self.phase
        return max(0.05, wait)

    def overdue(self, now: float, clock: MediaClock) -> bool:
        """Whether the supervisor must look now: no report for too long, or media drifting.

        Judged from the clock itself, which is ahead of what the supervisor last observed: a
        few comparisons, cheap enough for the drain's tick to ask every second.
        """
        if self.recording_since is None:
            return False
        last = clock.advanced_at if clock.advanced_at is not None else self.last_progress
        limit = self._stall_limit(max(self.widest_gap, clock.widest_gap))
        return now - last > limit or abs(clock.drift()) > self.timing.drift_limit

    @property
    def stall_seconds(self) -> float:
        """How long without written media counts as a silent stream.

        Evidence comes in steps (a report a second, or a fragment per GOP when FFmpeg gives no
        reports): the limit grows with the widest step seen, so a camera that is sending is
        never restarted, and a stopped one is still caught within a few of its own steps.
        """
        return self._stall_limit(self.widest_gap)

    def _stall_limit(self, widest_gap: float) -> float:
        timing = self.timing
        return min(max(timing.stall_floor, timing.stall_factor * widest_gap), timing.stall_ceiling)

    def observe(self, progressed_at: float | None, clock: MediaClock | None = None) -> bool:
        """Take the latest evidence of media; return True when media just started flowing.

        With FFmpeg's reports, the gaps are the clock's own, between reports: the supervisor
        looks less often than FFmpeg reports, and its looks must not widen the limit.
        """
        if progressed_at is None or progressed_at <= self.last_progress:
            return False
        if self.recording_since is None:
            self.recording_since = self.last_progress = progressed_at
            return True
        if clock is not None and clock.advanced_at is not None:
            self.widest_gap = clock.widest_gap
        else:
            self.widest_gap = max(self.widest_gap, progressed_at - self.last_progress)
        self.last_progress = progressed_at
        return False

    def verdict(self, now: float, clock: MediaClock | None = None) -> RunEnd | None:
        """Return why the run must end: silent, never started, or off the wall clock.

        Before the first frame, FFmpeg waits for a keyframe: ``connect_timeout`` must exceed
        the longest GOP a camera may have (20 s and more with "smart codecs").
        """
        if self.recording_since is None:
            return RunEnd.NO_DATA if now - self.started > self.timing.connect_timeout else None
        if now - self.last_progress > self.stall_seconds:
            return RunEnd.STALLED
        if clock is not None and abs(clock.drift()) > self.timing.drift_limit:
            return RunEnd.DRIFT
        return None

    def healthy_seconds(self, now: float) -> float:
        """Return how long media flowed in this run."""
        return now - self.recording_since if self.recording_since is not None else 0.0


def reporting(clock: MediaClock | None) -> bool:
    """Whether FFmpeg gives progress reports (so media flow is pushed, not polled)."""
    return clock is not None and clock.advanced_at is not None


def evidence(clock: MediaClock | None, *, grew: bool, now: float) -> float | None:
    """Return when media last demonstrably flowed: FFmpeg's own report, else file growth now."""
    if clock is not None and clock.advanced_at is not None:
        return clock.advanced_at
    return now if grew else None
