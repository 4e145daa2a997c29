"""Weekly recording windows: when a scheduled camera records, and when that next changes.

A window has weekdays (0 = Monday .. 6 = Sunday), a start and an end ("HH:MM", local time)
and an enabled flag. As in the original recorder:

- the end is exclusive;
- ``start > end`` wraps past midnight, and the morning part belongs to the window that started
  the previous day (a Monday 22:00-06:00 window covers Tuesday 02:00, not Monday 02:00);
- a malformed window never matches.

Improvements:

- "All day" is exact: the end may be ``24:00``, the end of the day, so no minute is lost at
  23:59 and back-to-back days merge into one recording without a restart at midnight.
- Each window occurrence is an interval between two *instants*, resolved in the time zone given
  (Home Assistant's). Across a DST change a window that spans the switch records continuously:
  when clocks go back, the repeated hour is inside the window once, not cut out and re-entered;
  when clocks go forward, a start inside the skipped hour opens the window at the jump.
- Overlapping or touching windows merge, so the recorder is never restarted between them, and
  ``next_change`` is the exact instant the answer of ``is_active`` next flips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MINUTES_PER_DAY = 24 * 60
END_OF_DAY = "24:00"
# Windows are at most 24 h long, so a real change is always within 8 days; days are
# generated further out so a schedule that never changes is recognised as such.
_LOOKAHEAD_DAYS = 15
_REAL_CHANGE_WITHIN = timedelta(days=8)


def parse_hhmm(text: object, *, end: bool = False) -> int | None:
    """Parse "HH:MM" (24 h) into minutes since midnight; ``24:00`` only as an ``end``.

    Returns None for anything else, as the original did for "24:00" starts, "12:60" or "1230".
    A seconds part ("08:00:00", what HA's time selector returns) is accepted if it is zero.
    """
    if not isinstance(text, str):
        return None
    parts = text.strip().split(":")
    if len(parts) == 3 and parts[2].strip() in {"0", "00"}:  # noqa: PLR2004
        parts = parts[:2]
    if len(parts) != 2:  # noqa: PLR2004
        return None
    try:
        hours, minutes = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    if end and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if 0 <= hours < 24 and 0 <= minutes < 60:  # noqa: PLR2004
        return hours * 60 + minutes
    return None


def parse_days(value: object) -> frozenset[int]:
    """Keep the valid weekdays (0 = Monday .. 6 = Sunday) of a list; anything else is empty."""
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        return frozenset()
    return frozenset(
        day
        for day in value
        if isinstance(day, int) and not isinstance(day, bool) and 0 <= day < 7  # noqa: PLR2004
    )


def window_active(days: frozenset[int], start: int, end: int, weekday: int, minute: int) -> bool:
    """The original wall-clock rule: is a window active at ``weekday`` and ``minute``?

    Kept as the reference the interval engine is tested against away from DST changes.
    """
    if start < end:
        return weekday in days and start <= minute < end
    yesterday = (weekday + 6) % 7
    return (weekday in days and minute >= start) or (yesterday in days and minute < end)


@dataclass(frozen=True, slots=True)
class Window:
    """One valid schedule window."""

    days: frozenset[int]
    start: int
    end: int
    enabled: bool = True

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> Window | None:
        """Read a stored window; None if it is malformed (it then never matches)."""
        days = parse_days(raw.get("days"))
        start = parse_hhmm(raw.get("start"))
        end = parse_hhmm(raw.get("end"), end=True)
        if not days or start is None or end is None or start == end:
            return None
        return cls(days, start, end, bool(raw.get("enabled", True)))

    def occurrences(
        self, first: date, last: date, zone: tzinfo
    ) -> Iterable[tuple[datetime, datetime]]:
        """Yield the window's intervals (UTC) for occurrences starting on ``first``..``last``."""
        day = first
        while day <= last:
            if day.weekday() in self.days:
                begin = resolve(day, self.start, zone)
                finish_day = day if self.start < self.end else day + timedelta(days=1)
                finish = resolve(finish_day, self.end, zone)
                if finish > begin:
                    yield begin, finish
            day += timedelta(days=1)


def resolve(day: date, minute: int, zone: tzinfo) -> datetime:
    """Return the first instant (UTC) at which the wall clock in ``zone`` reads ``day`` ``minute``.

    When clocks go back that is the first of the two occurrences; when they go forward over
    it, it is the instant of the jump.
    """
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # ``naive`` falls in a skipped hour: find the jump between the two readings of it.
    low, high = sorted((first, naive.replace(tzinfo=zone, fold=1).astimezone(UTC)))
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    # Zone transitions fall on whole seconds, and ``high`` is less than a second past it.
    return high.replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A camera's enabled windows."""

    windows: tuple[Window, ...]

    @classmethod
    def parse(cls, raw: object) -> Schedule:
        """Read stored windows, dropping malformed and disabled ones."""
        if not isinstance(raw, list | tuple):
            return cls(())
        windows = (Window.parse(item) for item in raw if isinstance(item, Mapping))
        return cls(tuple(window for window in windows if window is not None and window.enabled))

    def intervals(self, at: datetime, zone: tzinfo) -> list[tuple[datetime, datetime]]:
        """Return the merged intervals (UTC) around ``at``, in order."""
        today = at.astimezone(zone).date()
        raw = sorted(
            interval
            for window in self.windows
            for interval in window.occurrences(
                today - timedelta(days=2), today + timedelta(days=_LOOKAHEAD_DAYS), zone
            )
        )
        merged: list[tuple[datetime, datetime]] = []
        for begin, finish in raw:
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
            else:
                merged.append((begin, finish))
        return merged

    def is_active(self, at: datetime, zone: tzinfo) -> bool:
        """Whether the schedule says "record" at the instant ``at``."""
        at = at.astimezone(UTC)
        return any(begin <= at < finish for begin, finish in self.intervals(at, zone))

    def next_change(self, at: datetime, zone: tzinfo) -> datetime | None:
        """Return the next instant after ``at`` at which ``is_active`` flips, or None if never."""
        at = at.astimezone(UTC)
        for begin, finish in self.intervals(at, zone):
            boundary = finish if begin <= at < finish else begin if begin > at else None
            if boundary is None:
                continue
            return boundary if boundary - at <= _REAL_CHANGE_WITHIN else None
        return None
