"""Schedule windows: the original recorder's tests ported, plus all-day, DST and next_change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import itertools
from zoneinfo import ZoneInfo

import pytest

from custom_components.heldar.recorder.schedule import (
    Schedule,
    Window,
    parse_days,
    parse_hhmm,
    resolve,
    window_active,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # DST 2026: forward 29 March, back 25 October
WEEKDAYS = frozenset({0, 1, 2, 3, 4})


def schedule(*windows: dict[str, object]) -> Schedule:
    """Build a schedule from stored-form windows."""
    return Schedule.parse(list(windows))


def local(*args: int, zone: ZoneInfo = AMSTERDAM, fold: int = 0) -> datetime:
    """Return the instant (in UTC) at which the local wall clock reads ``args``.

    Converted to UTC because Python compares and subtracts datetimes that share a tzinfo by
    wall clock, which is exactly what a DST test must not do.
    """
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


# -- ported from recorder.rs -------------------------------------------------------------


def test_parse_hhmm_valid_and_invalid() -> None:
    """As the original: 24-hour, unpadded accepted, 24:00 and 12:60 refused."""
    assert parse_hhmm("00:00") == 0
    assert parse_hhmm("9:30") == 570
    assert parse_hhmm("23:59") == 1439
    assert parse_hhmm("24:00") is None
    assert parse_hhmm("12:60") is None
    assert parse_hhmm("x:y") is None
    assert parse_hhmm("1230") is None
    # New: 24:00 is the end of the day, only as an end; HA's time selector adds seconds.
    assert parse_hhmm("24:00", end=True) == 1440
    assert parse_hhmm("08:15:00") == 495
    assert parse_hhmm("08:15:30") is None
    assert parse_hhmm(None) is None
    assert parse_hhmm("-1:00") is None


def test_parse_days_filters_out_of_range() -> None:
    """As the original: only 0..6 survive; a non-list is no days."""
    assert parse_days([0, 1, 6]) == {0, 1, 6}
    assert parse_days([7, -1, 3]) == {3}
    assert parse_days("nope") == frozenset()
    assert parse_days([True, 2.0, "3", 4]) == {4}
    assert parse_days(None) == frozenset()


def test_window_same_day() -> None:
    """Mon..Fri 09:00-17:00: inside, before, end exclusive, weekend."""
    assert window_active(WEEKDAYS, 540, 1020, 0, 600)
    assert not window_active(WEEKDAYS, 540, 1020, 0, 480)
    assert not window_active(WEEKDAYS, 540, 1020, 0, 1020)
    assert not window_active(WEEKDAYS, 540, 1020, 5, 600)


def test_window_overnight_wrap() -> None:
    """Monday 22:00-06:00: evening part, Tuesday carry-over, after end, Sunday's morning."""
    days = frozenset({0})
    assert window_active(days, 1320, 360, 0, 1380)
    assert window_active(days, 1320, 360, 1, 120)
    assert not window_active(days, 1320, 360, 1, 400)
    assert not window_active(days, 1320, 360, 0, 300)


# -- the interval engine agrees with the original away from DST -----------------------------


@pytest.mark.parametrize(
    ("days", "start", "end"),
    [
        (WEEKDAYS, "09:00", "17:00"),
        ({0}, "22:00", "06:00"),
        ({5, 6}, "23:59", "00:01"),
        ({2}, "00:00", "23:59"),
        ({1, 3}, "12:30", "12:31"),
    ],
)
def test_engine_matches_original_rule(days: set[int], start: str, end: str) -> None:
    """Minute by minute over a week in UTC, the engine answers as the original rule."""
    sched = schedule({"days": sorted(days), "start": start, "end": end, "enabled": True})
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    assert begin is not None
    assert finish is not None
    monday = datetime(2026, 6, 1, tzinfo=UTC)
    for minute in range(0, 7 * 24 * 60, 7):
        at = monday + timedelta(minutes=minute)
        expected = window_active(frozenset(days), begin, finish, at.weekday(), minute % 1440)
        assert sched.is_active(at, UTC) is expected, at


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        {"days": [0], "start": "08:00", "end": "08:00"},
        {"days": [], "start": "08:00", "end": "09:00"},
        {"days": [0], "start": "24:00", "end": "09:00"},
        {"days": [0], "start": "8", "end": "09:00"},
        {"days": [0], "start": "08:00", "end": "25:00"},
        {"days": "monday", "start": "08:00", "end": "09:00"},
        {"start": "08:00", "end": "09:00"},
    ],
)
def test_malformed_windows_never_match(raw: dict[str, object]) -> None:
    """Start == end, no days, bad times: the window is dropped and never matches."""
    assert Window.parse(raw) is None
    sched = Schedule.parse([raw])
    assert sched.windows == ()
    assert not sched.is_active(datetime(2026, 6, 1, 8, 30, tzinfo=UTC), UTC)
    assert sched.next_change(datetime(2026, 6, 1, tzinfo=UTC), UTC) is None


def test_disabled_windows_and_garbage_are_ignored() -> None:
    """Disabled windows do not record; a non-list schedule is empty."""
    sched = schedule({"days": [0], "start": "08:00", "end": "09:00", "enabled": False})
    assert sched.windows == ()
    assert Schedule.parse("nonsense").windows == ()
    assert Schedule.parse([1, None]).windows == ()


# -- all day -----------------------------------------------------------------------------


def test_all_day_loses_no_minute() -> None:
    """00:00-24:00 covers 23:59:59.999; the original's 00:00-23:59 lost the last minute."""
    sched = schedule({"days": [0], "start": "00:00", "end": "24:00"})
    monday = datetime(2026, 6, 1, tzinfo=UTC)
    assert sched.is_active(monday, UTC)
    assert sched.is_active(monday + timedelta(hours=23, minutes=59, seconds=59.999), UTC)
    assert not sched.is_active(monday + timedelta(days=1), UTC)
    assert sched.next_change(monday, UTC) == monday + timedelta(days=1)


def test_consecutive_days_merge_without_a_restart() -> None:
    """All-day windows on every day never change; back-to-back windows do not split."""
    always = schedule({"days": list(range(7)), "start": "00:00", "end": "24:00"})
    at = datetime(2026, 6, 3, 12, tzinfo=UTC)
    assert always.is_active(at, UTC)
    assert always.next_change(at, UTC) is None
    relay = schedule(
        {"days": [0], "start": "22:00", "end": "06:00"},
        {"days": [1], "start": "06:00", "end": "10:00"},
    )
    monday_night = datetime(2026, 6, 1, 23, tzinfo=UTC)
    assert relay.next_change(monday_night, UTC) == datetime(2026, 6, 2, 10, tzinfo=UTC)


# -- next change -------------------------------------------------------------------------


def test_next_change_opens_and_closes() -> None:
    """Before a window the next change is its start; inside, its end."""
    sched = schedule({"days": [0, 2], "start": "09:00", "end": "17:00"})
    monday = datetime(2026, 6, 1, tzinfo=UTC)
    assert sched.next_change(monday, UTC) == monday.replace(hour=9)
    assert sched.next_change(monday.replace(hour=9), UTC) == monday.replace(hour=17)
    assert sched.next_change(monday.replace(hour=17), UTC) == datetime(2026, 6, 3, 9, tzinfo=UTC)


def test_next_change_is_exact_at_every_boundary() -> None:
    """Just before each reported change the answer is one thing, at it the other."""
    sched = schedule(
        {"days": [0, 4], "start": "22:00", "end": "06:00"},
        {"days": [2], "start": "12:00", "end": "12:30"},
        {"days": [6], "start": "00:00", "end": "24:00"},
    )
    at = local(2026, 3, 23)
    changes = 0
    while at < local(2026, 4, 6):
        following = sched.next_change(at, AMSTERDAM)
        assert following is not None
        before = following - timedelta(microseconds=1)
        assert sched.is_active(before, AMSTERDAM) is sched.is_active(at, AMSTERDAM)
        assert sched.is_active(following, AMSTERDAM) is not sched.is_active(at, AMSTERDAM)
        at = following
        changes += 1
    assert changes >= 8


# -- DST ---------------------------------------------------------------------------------


def test_spring_forward_window_spanning_the_switch() -> None:
    """Sunday 01:00-04:00 on 29 March 2026 records 01:00 CET to 04:00 CEST, unbroken."""
    sched = schedule({"days": [6], "start": "01:00", "end": "04:00"})
    start = local(2026, 3, 29, 1, 0)
    assert sched.next_change(local(2026, 3, 29, 0, 30), AMSTERDAM) == start
    assert sched.next_change(start, AMSTERDAM) == local(2026, 3, 29, 4, 0)
    assert local(2026, 3, 29, 4, 0) - start == timedelta(hours=2)  # the skipped hour
    for minute in range(0, 120, 5):
        assert sched.is_active(start + timedelta(minutes=minute), AMSTERDAM)
    assert not sched.is_active(local(2026, 3, 29, 4, 0), AMSTERDAM)


def test_spring_forward_start_inside_the_skipped_hour() -> None:
    """A window starting at 02:30, which does not exist that day, opens at the jump (03:00)."""
    sched = schedule({"days": [6], "start": "02:30", "end": "03:30"})
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
    assert resolve(jump.date(), 150, AMSTERDAM) == jump
    assert sched.next_change(local(2026, 3, 29, 1, 0), AMSTERDAM) == jump
    assert sched.next_change(jump, AMSTERDAM) == local(2026, 3, 29, 3, 30)


def test_fall_back_window_spanning_the_switch() -> None:
    """Sunday 01:00-04:00 on 25 October 2026 records through both 02:xx hours, 4 h in all."""
    sched = schedule({"days": [6], "start": "01:00", "end": "04:00"})
    start = local(2026, 10, 25, 1, 0)
    end = sched.next_change(start, AMSTERDAM)
    assert end == local(2026, 10, 25, 4, 0)
    assert end - start == timedelta(hours=4)
    for minutes in range(0, 240, 5):
        assert sched.is_active(start + timedelta(minutes=minutes), AMSTERDAM)
    assert sched.is_active(local(2026, 10, 25, 2, 30, fold=0), AMSTERDAM)
    assert sched.is_active(local(2026, 10, 25, 2, 30, fold=1), AMSTERDAM)


def test_fall_back_window_ending_in_the_repeated_hour() -> None:
    """A window ending at 02:30 ends the first time the clock reads 02:30, once only."""
    sched = schedule({"days": [5], "start": "22:00", "end": "02:30"})
    start = local(2026, 10, 24, 22, 0)
    end = sched.next_change(start, AMSTERDAM)
    assert end == local(2026, 10, 25, 2, 30, fold=0)
    assert not sched.is_active(local(2026, 10, 25, 2, 10, fold=1), AMSTERDAM)
    assert sched.next_change(end, AMSTERDAM) == local(2026, 10, 31, 22, 0)


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
def test_boundaries_hold_across_zones_and_a_year(zone: str) -> None:
    """Every reported change flips the answer, through a year of DST in odd time zones."""
    tz = ZoneInfo(zone)
    sched = schedule(
        {"days": [6], "start": "01:30", "end": "03:00"},
        {"days": [0, 1, 2, 3, 4], "start": "23:00", "end": "02:00"},
    )
    at = datetime(2026, 1, 1, tzinfo=tz).astimezone(UTC)
    for _ in itertools.count():
        following = sched.next_change(at, tz)
        assert following is not None
        assert following > at
        if following.year > 2026:
            break
        assert sched.is_active(following, tz) is not sched.is_active(at, tz)
        at = following
