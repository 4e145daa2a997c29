"""Where an event clip's media lies on the wall clock (its runs), from its segments and length."""

from __future__ import annotations

import pytest

from custom_components.heldar.recorder.clips import clip_runs
from custom_components.heldar.recorder.events import Event, SegmentRef

T0 = 1_800_000_000.0


def event(*spans: tuple[float, float], start: float, end: float) -> Event:
    """An event from ``start`` to ``end`` over segments with these wall-clock spans."""
    found = Event("e", "Cam", T0 + start, T0 + end, end=T0 + end)
    found.segments = [SegmentRef(f"s{n}.mp4", T0 + a, T0 + b) for n, (a, b) in enumerate(spans)]
    return found


def test_contiguous_segments_are_one_run_ending_at_the_events_end() -> None:
    """The clip starts at the keyframe before the event: its extra media is placed before."""
    runs = clip_runs(event((0, 2), (2, 4), (4, 6), start=1.4, end=5.0), media=4.6)
    assert runs == [[0.0, pytest.approx(T0 + 0.4), pytest.approx(4.6)]]


def test_a_hole_inside_the_event_makes_two_runs() -> None:
    """An FFmpeg restart inside the event: the second run is placed by its own segments."""
    runs = clip_runs(event((0, 2), (2, 4), (10, 12), (12, 14), start=1.0, end=13.0), media=6.0)
    assert runs == [
        [0.0, pytest.approx(T0 + 1.0), pytest.approx(3.0)],
        [pytest.approx(3.0), pytest.approx(T0 + 10.0), pytest.approx(3.0)],
    ]


def test_without_a_measured_length_the_clip_starts_at_the_event() -> None:
    """A clip whose length could not be read is placed from the event's start."""
    assert clip_runs(event((0, 2), (2, 4), start=1.0, end=4.0), media=0.0) == [[0.0, T0 + 1.0, 3.0]]
    assert clip_runs(event(start=1.0, end=4.0), media=3.0) == []
