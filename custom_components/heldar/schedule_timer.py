"""Tell a camera's recorder when its schedule opens and closes, at the exact instant.

The original recorder polled every 30 s. Here the next boundary is computed and handed to
Home Assistant's time tracking, so a window opens or closes on its boundary, in HA's
configured time zone; nothing runs in between.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .recorder.schedule import Schedule


class ScheduleTimer:
    """Evaluate one schedule now and again at each of its boundaries."""

    def __init__(
        self, hass: HomeAssistant, on_change: Callable[[bool, datetime | None], None]
    ) -> None:
        """``on_change(active, next_change)`` is called on every evaluation."""
        self._hass = hass
        self._on_change = on_change
        self._schedule: Schedule | None = None
        self._unsub: CALLBACK_TYPE | None = None

    @callback
    def async_set(self, schedule: Schedule | None) -> None:
        """Follow ``schedule`` from now on; None means the camera's mode ignores schedules."""
        self._schedule = schedule
        self.async_evaluate()

    @callback
    def async_evaluate(self, _now: datetime | None = None) -> None:
        """Work out whether the schedule is open and arm a timer for its next boundary."""
        self.async_cancel()
        if self._schedule is None:
            self._on_change(False, None)  # noqa: FBT003 - the callback's positional protocol
            return
        zone = dt_util.get_default_time_zone()
        now = dt_util.utcnow()
        active = self._schedule.is_active(now, zone)
        following = self._schedule.next_change(now, zone)
        if following is not None:
            self._unsub = async_track_point_in_utc_time(self._hass, self.async_evaluate, following)
        self._on_change(active, following)

    @callback
    def async_cancel(self) -> None:
        """Disarm the timer."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
