"""Questions asked of stored activity levels: spans, previous/next, idle footage, the strip."""

from __future__ import annotations

from custom_components.heldar.recorder.activity_levels import ActivityLevels

T0 = 1_795_000_000
THRESHOLD = 33

#        0    5    10   15   20
PATTERN = "..--##--#--------###--"


def levels(pattern: str = PATTERN, start: int = T0) -> ActivityLevels:
    """``.`` unmeasured, ``-`` idle (level 5), ``#`` active (level 40)."""
    values = {".": 0, "-": 5, "#": 40}
    return ActivityLevels(start, bytes(values[c] for c in pattern))


def test_spans_and_joining() -> None:
    """Active runs as [start, end) seconds; runs a few seconds apart can be joined."""
    found = levels()
    assert found.spans(THRESHOLD) == [(T0 + 4, T0 + 6), (T0 + 8, T0 + 9), (T0 + 17, T0 + 20)]
    assert found.spans(THRESHOLD, join=2) == [(T0 + 4, T0 + 9), (T0 + 17, T0 + 20)]
    assert found.spans(41) == []
    assert found.spans(1) == [(T0 + 2, T0 + 22)]  # every measured second


def test_next_and_previous_activity() -> None:
    """Next skips the stretch being played; previous finds the last start before a moment."""
    found = levels()
    assert found.next_active(T0, THRESHOLD) == T0 + 4
    assert found.next_active(T0 + 4.5, THRESHOLD) == T0 + 8  # inside the first stretch
    assert found.next_active(T0 + 8, THRESHOLD) == T0 + 17
    assert found.next_active(T0 + 18, THRESHOLD) is None
    assert found.next_active(T0 - 100, THRESHOLD) == T0 + 4
    assert found.previous_active(T0 + 30, THRESHOLD) == T0 + 17
    assert found.previous_active(T0 + 17.5, THRESHOLD) == T0 + 17
    assert found.previous_active(T0 + 17, THRESHOLD) == T0 + 8
    assert found.previous_active(T0 + 5, THRESHOLD) == T0 + 4
    assert found.previous_active(T0 + 4, THRESHOLD) is None
    assert levels("###--").previous_active(T0 + 2.5, THRESHOLD) == T0


def test_idle_means_measured_and_quiet() -> None:
    """Only measured, quiet seconds are idle: unmeasured footage is kept as if active."""
    found = levels()
    assert found.between(T0 + 9, T0 + 17).is_idle(THRESHOLD)
    assert not found.between(T0 + 9, T0 + 18).is_idle(THRESHOLD)
    assert not found.between(T0, T0 + 4).is_idle(THRESHOLD)  # starts unmeasured
    assert not levels("").is_idle(THRESHOLD)  # nothing known is not idle


def test_between_and_level() -> None:
    """Slicing by wall time, clipped to what is held."""
    found = levels()
    part = found.between(T0 + 3.5, T0 + 6.2)
    assert (part.start, part.end) == (T0 + 3, T0 + 7)
    assert part.levels == bytes([5, 40, 40, 5])
    assert found.between(T0 - 10, T0 + 1).levels == bytes([0])
    assert found.between(T0 + 50, T0 + 60).levels == b""
    assert found.level(T0 + 4.99) == 40
    assert found.level(T0 - 1) == 0
    assert found.level(T0 + 99) == 0


def test_peaks_for_the_strip() -> None:
    """The highest level of each bucket, the last bucket possibly short."""
    assert list(levels().peaks(5)) == [40, 40, 5, 40, 5]
    assert list(levels().peaks(100)) == [40]
