"""Activity levels on disk: one byte a second, one file a UTC day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from custom_components.heldar.recorder.activity import ActivityMeter
from custom_components.heldar.recorder.activity_store import ACTIVITY_DIR, DAY, ActivityStore
from custom_components.heldar.recorder.frame_sizes import FrameReader

from .activity_clips import record, scene_filter

MIDNIGHT = int(datetime(2026, 11, 24, tzinfo=UTC).timestamp())


def test_levels_round_trip_across_midnight(tmp_path: Path) -> None:
    """A run written across midnight lands in two day files and reads back as one."""
    store = ActivityStore(tmp_path)
    written = [(MIDNIGHT - 3 + n, 10 + n) for n in range(6)]
    store.write(written)
    assert store.days() == [date(2026, 11, 23), date(2026, 11, 24)]
    back = store.load(MIDNIGHT - 5, MIDNIGHT + 5)
    assert back.start == MIDNIGHT - 5
    assert list(back.levels) == [0, 0, 10, 11, 12, 13, 14, 15, 0, 0]
    # Each file is the header and a whole day, so any second is at a fixed offset.
    for day in store.days():
        assert store.path(day).stat().st_size == 8 + DAY


def test_later_writes_fill_in_and_overwrite(tmp_path: Path) -> None:
    """Seconds written out of order, and again, keep the last value; gaps read as 0."""
    store = ActivityStore(tmp_path)
    store.write([(MIDNIGHT + 100, 7), (MIDNIGHT + 50, 3)])
    store.write([(MIDNIGHT + 100, 9), (MIDNIGHT + 101, 1)])
    levels = store.load(MIDNIGHT + 49.5, MIDNIGHT + 102)
    assert levels.start == MIDNIGHT + 49
    assert levels.level(MIDNIGHT + 50.9) == 3
    assert levels.level(MIDNIGHT + 100) == 9
    assert levels.level(MIDNIGHT + 101) == 1
    assert levels.level(MIDNIGHT + 75) == 0
    assert len(levels.levels) == 53


def test_nothing_stored_reads_as_unmeasured(tmp_path: Path) -> None:
    """No folder, no file: zeros of the asked length, and no folder is created."""
    store = ActivityStore(tmp_path / "camera")
    assert store.load(MIDNIGHT, MIDNIGHT + 30).levels == bytes(30)
    assert store.days() == []
    assert not (tmp_path / "camera").exists()


def test_a_file_that_is_not_ours_is_never_misread(tmp_path: Path) -> None:
    """A day file with a wrong header reads as unmeasured, and is moved aside on a write."""
    store = ActivityStore(tmp_path)
    store.write([(MIDNIGHT + 5, 40)])
    path = store.path(date(2026, 11, 24))
    path.write_bytes(b"garbage!" + bytes([200]) * DAY)
    assert store.load(MIDNIGHT, MIDNIGHT + 10).levels == bytes(10)
    store.write([(MIDNIGHT + 6, 41)])
    assert path.with_suffix(".bad").exists()
    assert list(store.load(MIDNIGHT + 5, MIDNIGHT + 7).levels) == [0, 41]
    # A file cut short (a full disk) reads what it holds, zeros after.
    with path.open("r+b") as handle:
        handle.truncate(8 + 7)
    assert list(store.load(MIDNIGHT + 5, MIDNIGHT + 9).levels) == [0, 41, 0, 0]


def test_prune_deletes_whole_days_only(tmp_path: Path) -> None:
    """Days that ended before the limit go; the day holding the limit stays."""
    store = ActivityStore(tmp_path)
    store.write([(MIDNIGHT - DAY, 5), (MIDNIGHT, 5), (MIDNIGHT + DAY, 5)])
    assert store.prune(MIDNIGHT + 10) == [date(2026, 11, 23)]
    assert store.days() == [date(2026, 11, 24), date(2026, 11, 25)]
    (tmp_path / ACTIVITY_DIR / "notes.txt").write_text("not a day")
    (tmp_path / ACTIVITY_DIR / "2026xx01.act").write_text("not a day either")
    assert store.days() == [date(2026, 11, 24), date(2026, 11, 25)]


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    """Day files are created under a temporary name and linked into place."""
    store = ActivityStore(tmp_path)
    store.write([(MIDNIGHT + n * 3600, 2) for n in range(30)])
    names = sorted(path.name for path in (tmp_path / ACTIVITY_DIR).iterdir())
    assert names == ["20261124.act", "20261125.act"]


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, float]]:
    """56 s of a still scene with an object crossing it from 24 s to 30 s."""
    return record(tmp_path_factory.mktemp("walker"), scene_filter([(24.0, 30.0)]), 56)


def test_a_real_recording_is_stored_and_read_back(
    walker: list[tuple[Path, float]], tmp_path: Path
) -> None:
    """The meter's levels of real segments survive the store byte for byte."""
    store = ActivityStore(tmp_path)
    meter = ActivityMeter()
    origin = MIDNIGHT - 30.5  # the clip crosses midnight
    written: dict[int, int] = {}
    for path, start in walker:
        for frames in FrameReader(path).read_new():
            closed = meter.add(origin + start, frames)
            store.write(closed)
            written.update(closed)
    levels = store.load(origin, origin + 56)
    assert {s: levels.level(s) for s in written} == written
    assert len(store.days()) == 2


def test_a_run_longer_than_a_day(tmp_path: Path) -> None:
    """A run of levels spanning three day files is split at each midnight."""
    store = ActivityStore(tmp_path)
    run = bytes(n % 250 + 1 for n in range(DAY + 20))
    store.write_run(MIDNIGHT - 10, run)
    assert store.days() == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]
    assert store.load(MIDNIGHT - 10, MIDNIGHT - 10 + len(run)).levels == run
