"""Activity-tiered retention on real segments: idle footage goes first, active never early.

A scripted camera (still picture, an object crossing it from 24 s to 30 s) is recorded as
Heldar writes footage, 20 s segments; its levels come from the meter reading those files,
stored as the integration stores them; then retention runs over the real files.
"""

from __future__ import annotations

from pathlib import Path
import shutil

import pytest

from custom_components.heldar.recorder.activity import ActivityMeter, threshold
from custom_components.heldar.recorder.activity_retention import idle_segments
from custom_components.heldar.recorder.activity_store import ActivityStore
from custom_components.heldar.recorder.frame_sizes import FrameReader
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.retention import Retention
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.recorder.store import CameraStore, Limits

from .activity_clips import record, scene_filter
from .test_retention import FakeDisk

HOUR = 3600.0
NOW = 1_800_000_000.0
ORIGIN = NOW - 10 * HOUR  # the recording started ten hours ago
SEGMENT = 20


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, float]]:
    """140 s: still, then an object crossing from 24 s to 30 s, then still; 20 s segments."""
    folder = tmp_path_factory.mktemp("tiered")
    return record(folder, scene_filter([(24.0, 30.0)]), 140, segment=SEGMENT)


def recorded_camera(tmp_path: Path, clips: list[tuple[Path, float]], limits: Limits) -> CameraStore:
    """A camera folder holding the clips as footage, indexed, with the meter's levels stored."""
    folder = tmp_path / "yard"
    index = SegmentIndex(folder, None)
    meter = ActivityMeter()
    levels: list[tuple[int, int]] = []
    for source, offset in clips:
        start = ORIGIN + offset
        path = folder / segment_name(start)
        folder.mkdir(exist_ok=True)
        shutil.copy(source, path)
        for frames in FrameReader(path).read_new():
            levels += meter.add(start, frames)
        index.add_known(path, start, start + SEGMENT)
    levels += meter.flush()
    ActivityStore(folder).write(levels)
    return CameraStore("yard", "Yard", folder, index, limits)


def kept(store: CameraStore) -> list[int]:
    """Return which of the recording's 20 s segments are still on disk (0 to 6)."""
    return sorted(
        round((segment.start - ORIGIN) / SEGMENT)
        for segment in store.index.segments
        if (store.directory / segment.name).exists()
    )


async def test_idle_footage_goes_first_and_active_footage_stays(
    clips: list[tuple[Path, float]], tmp_path: Path
) -> None:
    """Past the idle limit only segments a minute or more from activity go; the rest stay.

    Segment 0 was unmeasured (the meter learning), 1 holds the object, 2 to 4 are within a
    minute of it; 5 and 6 are idle. Within the idle limit, or with no idle limit, all stay.
    """
    limits = Limits(retention_hours=24, idle_retention_hours=6, activity_threshold=threshold(0.5))
    store = recorded_camera(tmp_path, clips, limits)
    assert kept(store) == [0, 1, 2, 3, 4, 5, 6]
    retention = Retention(tmp_path, 0, FakeDisk(tmp_path, 10**12))

    # Five hours old: younger than the idle limit, nothing goes.
    report = await retention.run([store], set(), now=ORIGIN + 5 * HOUR)
    assert kept(store) == [0, 1, 2, 3, 4, 5, 6]
    assert report.by_reason == {}

    # What is being written or played is never deleted, idle or not.
    busy = {store.directory / store.index.segments[-1].name}
    report = await retention.run([store], busy, now=NOW)
    assert kept(store) == [0, 1, 2, 3, 4, 6]
    assert report.by_reason == {"idle": 1}

    report = await retention.run([store], set(), now=NOW)
    assert kept(store) == [0, 1, 2, 3, 4]
    assert report.by_reason == {"idle": 1}
    assert len(store.index) == 5


async def test_without_an_idle_limit_only_age_deletes(
    clips: list[tuple[Path, float]], tmp_path: Path
) -> None:
    """No idle limit: idle footage is kept for ``retention_hours`` like the rest."""
    store = recorded_camera(tmp_path, clips, Limits(retention_hours=24))
    retention = Retention(tmp_path, 0, FakeDisk(tmp_path, 10**12))
    await retention.run([store], set(), now=NOW)
    assert kept(store) == [0, 1, 2, 3, 4, 5, 6]
    # Past retention_hours everything goes, active footage too, and its levels with it.
    await retention.run([store], set(), now=NOW + 20 * HOUR)
    assert kept(store) == []
    assert ActivityStore(store.directory).days() == []


def test_unmeasured_footage_is_never_idle(tmp_path: Path, clips: list[tuple[Path, float]]) -> None:
    """Footage without stored levels (before the meter ran) is not a candidate."""
    index = SegmentIndex(tmp_path, None)
    for source, offset in clips:
        path = tmp_path / segment_name(ORIGIN + offset)
        shutil.copy(source, path)
        index.add_known(path, ORIGIN + offset, ORIGIN + offset + SEGMENT)
    assert idle_segments(tmp_path, index.segments, threshold(0.5)) == []
