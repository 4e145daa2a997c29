"""The schedule timer: evaluated now and again exactly at each boundary (HA time travel)."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.heldar.recorder.schedule import Schedule
from custom_components.heldar.schedule_timer import ScheduleTimer


async def test_timer_fires_at_each_boundary(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Open at 08:00, close at 09:00 local time, to the second, with nothing in between."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    zone = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 6, 1, 7, 59, 0, tzinfo=zone))  # a Monday
    seen: list[tuple[datetime, bool, datetime | None]] = []
    timer = ScheduleTimer(hass, lambda active, nxt: seen.append((dt_util.utcnow(), active, nxt)))
    timer.async_set(Schedule.parse([{"days": [0], "start": "08:00", "end": "09:00"}]))
    opening = datetime(2026, 6, 1, 8, 0, tzinfo=zone)
    closing = datetime(2026, 6, 1, 9, 0, tzinfo=zone)
    assert seen[-1][1:] == (False, opening)

    freezer.move_to(opening - timedelta(seconds=1))
    async_fire_time_changed(hass, opening - timedelta(seconds=1))
    assert len(seen) == 1  # nothing happens before the boundary

    freezer.move_to(opening)
    async_fire_time_changed(hass, opening)
    assert seen[-1] == (opening, True, closing)

    freezer.move_to(closing)
    async_fire_time_changed(hass, closing)
    assert seen[-1] == (closing, False, datetime(2026, 6, 8, 8, 0, tzinfo=zone))
    assert len(seen) == 3

    timer.async_set(None)  # the mode no longer uses a schedule
    assert seen[-1][1:] == (False, None)
    timer.async_cancel()


async def test_time_zone_change_moves_the_boundary(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Windows follow HA's configured time zone, not the server's."""
    await hass.config.async_set_time_zone("UTC")
    freezer.move_to(datetime(2026, 6, 1, 6, 0, tzinfo=dt_util.UTC))
    seen: list[tuple[bool, datetime | None]] = []
    timer = ScheduleTimer(hass, lambda active, nxt: seen.append((active, nxt)))
    timer.async_set(Schedule.parse([{"days": [0], "start": "08:00", "end": "09:00"}]))
    assert seen[-1] == (False, datetime(2026, 6, 1, 8, 0, tzinfo=dt_util.UTC))
    await hass.config.async_set_time_zone("Asia/Tokyo")  # 06:00 UTC is 15:00 in Tokyo
    timer.async_evaluate()
    assert seen[-1] == (False, datetime(2026, 6, 7, 23, 0, tzinfo=dt_util.UTC))
    timer.async_cancel()
