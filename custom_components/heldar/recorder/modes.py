"""Recording modes and the demand they make: should FFmpeg be recording right now?

The host (Home Assistant) feeds in the schedule's verdict at each exact boundary and the
trigger windows from ``heldar.trigger``; the recorder only asks ``wants``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RecordMode(StrEnum):
    """When a camera records, as in the original recorder."""

    CONTINUOUS = "continuous"
    SCHEDULED = "scheduled"
    EVENT = "event"
    SCHEDULED_EVENT = "scheduled_event"

    @property
    def uses_schedule(self) -> bool:
        """Whether schedule windows make this mode record."""
        return self in {RecordMode.SCHEDULED, RecordMode.SCHEDULED_EVENT}

    @property
    def uses_triggers(self) -> bool:
        """Whether ``heldar.trigger`` makes this mode record."""
        return self in {RecordMode.EVENT, RecordMode.SCHEDULED_EVENT}

    def takes_triggers(self, *, event_stream: bool) -> bool:
        """Whether ``heldar.trigger`` opens events; ``event_stream``: a second stream has them.

        A dual-stream camera in continuous mode records footage from one stream all day and
        events, with their pre-roll, from the other: the typical "sub-stream 24/7, main-stream
        events" set-up needs no schedule.
        """
        return self.uses_triggers or (event_stream and self is RecordMode.CONTINUOUS)


@dataclass(slots=True)
class Demand:
    """The inputs that decide whether an enabled camera records."""

    mode: RecordMode = RecordMode.CONTINUOUS
    schedule_active: bool = False
    window_end: datetime | None = None
    # The camera has a second stream that records events (see RecordMode.takes_triggers).
    event_stream: bool = False

    @property
    def takes_triggers(self) -> bool:
        """Whether triggers open event windows in the current mode."""
        return self.mode.takes_triggers(event_stream=self.event_stream)

    def wants(self, now: datetime) -> bool:
        """Whether the camera should be recording at ``now``."""
        if self.mode is RecordMode.CONTINUOUS:
            return True
        if self.mode.uses_schedule and self.schedule_active:
            return True
        return self.trigger_active(now)

    @property
    def footage_active(self) -> bool:
        """Whether the camera records for a reason other than a trigger right now."""
        return self.mode is RecordMode.CONTINUOUS or (
            self.mode.uses_schedule and self.schedule_active
        )

    def trigger_active(self, now: datetime) -> bool:
        """Whether a trigger window holds at ``now`` for a mode that honours triggers."""
        return self.takes_triggers and self.window_end is not None and now < self.window_end

    def extend(self, until: datetime) -> bool:
        """Move the trigger window's end to ``until`` if that is later; return whether it moved.

        A trigger only ever extends a window: an earlier end (a shorter post-roll) never cuts
        a window short.
        """
        if self.window_end is not None and until <= self.window_end:
            return False
        self.window_end = until
        return True

    def seconds_until_window_end(self, now: datetime) -> float | None:
        """Return how long the trigger window still holds, if one does."""
        if not self.trigger_active(now) or self.window_end is None:
            return None
        return (self.window_end - now).total_seconds()

    def wait_limit(self, now: datetime, limit: float | None) -> float | None:
        """Wait no longer than ``limit``, nor past the end of the trigger window."""
        remaining = self.seconds_until_window_end(now)
        if remaining is None:
            return limit
        # A hair past the end, so the wake-up finds the window over.
        remaining = max(remaining, 0.0) + 0.001
        return remaining if limit is None else min(limit, remaining)

    def expire(self, now: datetime) -> bool:
        """Forget a trigger window that has ended, so the status shows none; say if one did."""
        if self.window_end is not None and self.window_end <= now:
            self.window_end = None
            return True
        return False
