"""A camera's stored activity as the viewers show it: the timeline's strip, the browser's marks.

The levels come from the camera's ``.activity`` day files (``recorder/activity_store.py``),
read in an executor (one ``pread`` a day); whether a second counts as activity is decided
here, with the camera's sensitivity at the time of asking (``Limits.activity_threshold``), so
a new sensitivity applies to footage already recorded.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .recorder.activity_levels import ActivityLevels
from .recorder.activity_store import ActivityStore
from .recorder.store import CameraStore

STRETCH_SECONDS = 300  # the media browser's five-minute marks
TIMELINE_STEPS = 1440  # at most this many joins across a range: a minute in 24 h
MIN_JOIN_SECONDS = 5


async def async_load(
    hass: HomeAssistant, store: CameraStore, start: float, end: float
) -> ActivityLevels:
    """Read a camera's levels of ``[start, end)`` in the executor."""
    return await hass.async_add_executor_job(ActivityStore(store.directory).load, start, end)


def active_stretches(
    levels: ActivityLevels, threshold: int, step: int = STRETCH_SECONDS
) -> list[int]:
    """Return the start (UTC seconds) of each ``step``-long stretch that had activity.

    Stretches are aligned to ``step`` on the clock (08:10, 08:15...), like the browser's
    five-minute tiles.
    """
    found: list[int] = []
    for begin, end in levels.spans(threshold):
        stretch = begin - begin % step
        while stretch < end:
            if not found or found[-1] != stretch:
                found.append(stretch)
            stretch += step
    return found


def timeline_activity(
    levels: ActivityLevels, threshold: int, start: float, end: float
) -> dict[str, Any]:
    """Return the active stretches of a range for ``heldar/timeline``, kept small.

    Stretches closer than ``join`` seconds are one, so a 24 h answer holds at most about
    ``TIMELINE_STEPS`` pairs of numbers however busy the camera was; a short range keeps
    5-second detail. Times are UTC seconds (not ISO strings) because there may be hundreds.
    """
    join = max(MIN_JOIN_SECONDS, int((end - start) // TIMELINE_STEPS))
    return {
        "join": join,
        "threshold": threshold,
        "spans": [[begin, stop] for begin, stop in levels.spans(threshold, join)],
    }
