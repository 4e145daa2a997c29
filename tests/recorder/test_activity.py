"""The activity meter on real clips of a scripted camera, and on frame sizes made up to order."""

from __future__ import annotations

import math
from pathlib import Path
import random

import pytest

from custom_components.heldar.recorder.activity import (
    UNMEASURED,
    ActivityMeter,
    level_byte,
    threshold,
)
from custom_components.heldar.recorder.frame_sizes import FragmentFrames, FrameReader

from .activity_clips import FPS, record, scene_filter

ORIGIN = 1_795_000_000.37  # wall seconds do not line up with keyframes, as on a camera
WINDOWS = [(24.0, 30.0), (40.0, 46.0)]
GOP_SECONDS = 2
DEFAULT = threshold(0.5)


def levels_of(files: list[tuple[Path, float]]) -> dict[int, int]:
    """Run a meter over whole files; return each wall second's level."""
    meter = ActivityMeter()
    levels: dict[int, int] = {}
    for path, start in files:
        for frames in FrameReader(path).read_new():
            levels.update(meter.add(ORIGIN + start, frames))
    levels.update(meter.flush())
    return levels


def seconds_of(start: float, end: float) -> set[int]:
    """Wall seconds overlapping ``[start, end)`` of media time."""
    return set(range(math.floor(ORIGIN + start), math.ceil(ORIGIN + end)))


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, float]]:
    """56 s of a still scene; an object crosses it in WINDOWS; 20 s segments."""
    return record(tmp_path_factory.mktemp("walker"), scene_filter(WINDOWS), 56)


def test_the_scripted_windows_are_found(walker: list[tuple[Path, float]]) -> None:
    """Nearly every second of each window is active, and nothing far from one is."""
    levels = levels_of(walker)
    active = {second for second, level in levels.items() if level >= DEFAULT}
    near = set().union(*(seconds_of(a - GOP_SECONDS, b + GOP_SECONDS) for a, b in WINDOWS))
    assert active - near == set()
    for start, end in WINDOWS:
        truth = seconds_of(start, end)
        assert len(truth & active) >= 0.8 * len(truth), (start, end)
    # Learning takes 3 GOPs and 10 idle seconds; then every second is measured.
    unmeasured = {second for second, level in levels.items() if level == UNMEASURED}
    assert unmeasured
    assert max(unmeasured) < ORIGIN + 20
    assert set(levels) == seconds_of(0, 56)


def test_the_live_level_is_active_within_a_fragment(
    walker: list[tuple[Path, float]],
) -> None:
    """Fragment by fragment, as they land: active at most 1.5 s after motion starts.

    Each fragment is fed as FFmpeg writes it (at most a second of frames), and the live
    level is read after each one, as a sensor would.
    """
    meter = ActivityMeter()
    first_active: dict[float, float] = {}
    for path, start in walker:
        for frames in FrameReader(path).read_new():
            meter.add(ORIGIN + start, frames)
            landed = start + frames.end
            assert frames.end - frames.start <= 1.0 + 1e-6
            for window, _ in WINDOWS:
                if window not in first_active and landed > window and meter.live_level() >= DEFAULT:
                    first_active[window] = landed
    for window, _ in WINDOWS:
        assert 0 < first_active[window] - window <= 1.5


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, float]]:
    """56 s of the still scene, 12 % darker from 30.3 s on (a cloud), nothing moving."""
    return record(tmp_path_factory.mktemp("cloud"), scene_filter([], step=30.3), 56)


def test_a_brightness_step_is_not_activity(cloud: list[tuple[Path, float]]) -> None:
    """The step makes the meter learn again (unmeasured for a while), never active."""
    levels = levels_of(cloud)
    assert all(level < DEFAULT for level in levels.values())
    after = sorted(s for s, level in levels.items() if level == UNMEASURED and s > ORIGIN + 20)
    assert after, "the step was not taken for a new picture"
    assert after[0] >= math.floor(ORIGIN + 30.3)
    assert after[-1] < ORIGIN + 30.3 + 20
    assert levels[math.floor(ORIGIN + 55)] != UNMEASURED


# -- made-up frame sizes -------------------------------------------------------------------


def gop(start: float, keyframe: int, sizes: list[int]) -> FragmentFrames:
    """One fragment: a keyframe, then ``sizes``, at 25 fps from ``start``."""
    frames = [keyframe, *sizes]
    return FragmentFrames(
        start=start,
        times=tuple(start + n / FPS for n in range(len(frames))),
        sizes=tuple(frames),
        keyframes=(True,) + (False,) * len(sizes),
        end=start + len(frames) / FPS,
    )


def feed(meter: ActivityMeter, seconds: int, first: int, size: float) -> dict[int, int]:
    """Feed 1 s GOPs of P-frames around ``size`` bytes (2 % noise); return the levels."""
    noise = random.Random(first)
    levels: dict[int, int] = {}
    for second in range(first, first + seconds):
        sizes = [round(size * noise.uniform(0.98, 1.02)) for _ in range(FPS - 1)]
        keyframe = round(60_000 * noise.uniform(0.8, 1.2))  # keyframes vary: never scored
        levels.update(meter.add(0.0, gop(second, keyframe, sizes)))
    return levels


def test_a_lasting_change_becomes_the_new_normal() -> None:
    """P-frames three times larger for good: active at first, idle again within minutes."""
    meter = ActivityMeter()
    quiet = feed(meter, 120, 0, 1000)
    assert {level for s, level in quiet.items() if s >= 30} <= set(range(1, DEFAULT))
    changed = feed(meter, 600, 120, 3000)
    assert all(changed[s] >= DEFAULT for s in range(120, 130))
    settled = next(s for s in range(130, 720) if changed.get(s, 0) < DEFAULT)
    assert settled < 120 + 300
    assert all(changed[s] < DEFAULT for s in range(settled + 30, 719))


def test_a_burst_is_active_and_keyframes_never_are() -> None:
    """Five seconds of larger P-frames are five active seconds; huge keyframes are not."""
    meter = ActivityMeter()
    levels = feed(meter, 60, 0, 1000)
    levels.update(feed(meter, 5, 60, 1600))
    levels.update(feed(meter, 30, 65, 1000))
    active = sorted(s for s, level in levels.items() if level >= DEFAULT)
    assert active == [60, 61, 62, 63, 64]
    assert meter.flush() != []
    assert meter.flush() == []
    assert meter.live_level() == UNMEASURED  # nothing in flight after a flush


def test_sensitivity_and_levels() -> None:
    """More sensitive means a lower threshold; levels are clamped to one byte."""
    thresholds = [threshold(s / 4) for s in range(5)]
    assert thresholds == sorted(thresholds, reverse=True)
    assert len(set(thresholds)) == 5
    assert threshold(-1) == threshold(0)
    assert threshold(2) == threshold(1)
    assert level_byte(-3.0) == 1
    assert level_byte(0.0) == 1
    assert level_byte(4.0) == threshold(0.5)
    assert level_byte(1e9) == 255
