"""The activity the viewers show: five-minute marks and the timeline's compact stretches."""

from __future__ import annotations

from custom_components.heldar.activity_view import active_stretches, timeline_activity
from custom_components.heldar.recorder.activity import threshold
from custom_components.heldar.recorder.activity_levels import ActivityLevels

DAY = 86400
T = threshold(0.5)
START = 1_795_000_200  # a multiple of 300 s: 5-minute stretches start on it


def test_stretches_are_five_minutes_on_the_clock() -> None:
    """A second of activity marks its stretch; one across a boundary marks both."""
    levels = bytearray([2]) * 1200
    levels[10] = 100  # first stretch
    levels[298:303] = bytes([100]) * 5  # across the first boundary
    levels[1000] = 20  # under the threshold: not activity
    assert active_stretches(ActivityLevels(START, bytes(levels)), T) == [START, START + 300]
    assert active_stretches(ActivityLevels(START, bytes(1200)), T) == []  # unmeasured


def test_a_busy_day_stays_small() -> None:
    """24 h of on-off activity every 10 s joins into at most one stretch a minute."""
    pattern = (bytes([100]) * 3 + bytes([2]) * 7) * (DAY // 10)
    answer = timeline_activity(ActivityLevels(START, pattern), T, START, START + DAY)
    assert answer["join"] == 60
    assert 0 < len(answer["spans"]) <= DAY // 60
    assert answer["spans"][0][0] == START
    # A short range keeps its detail: each burst is its own stretch.
    hour = timeline_activity(ActivityLevels(START, pattern[:60]), T, START, START + 60)
    assert hour["join"] == 5
    assert hour["spans"] == [[START + n, START + n + 3] for n in range(0, 60, 10)]
