"""Retention on real files: age, quota, the free-space floor, and what is never deleted."""

from __future__ import annotations

from pathlib import Path

from custom_components.heldar.recorder import events as ev
from custom_components.heldar.recorder.events import Event, EventState
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.previews import preview_path
from custom_components.heldar.recorder.retention import DiskUsage, Retention
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.recorder.store import CameraStore, Limits

from .test_archive import T0, mp4

HOUR = 3600.0
NOW = T0 + 100 * HOUR


def camera(tmp_path: Path, name: str, hours: list[float], limits: Limits) -> CameraStore:
    """A camera with one 60 s segment starting at each of ``hours`` before NOW."""
    folder = tmp_path / name
    index = SegmentIndex(folder, None)
    for hour in hours:
        start = NOW - hour * HOUR
        path = mp4(folder / segment_name(start))
        index.add_known(path, start, start + 60)
    return CameraStore(name, name.title(), folder, index, limits)


def finished_event(store: CameraStore, hours_ago: float) -> Event:
    """Add a finished event with a clip to the camera."""
    start = NOW - hours_ago * HOUR
    event = Event(Event.new_id(start), store.name, start, start + 30, state=EventState.FINISHED)
    event.end = start + 30
    clip = mp4(store.directory / "events" / f"{event.id}.mp4")
    event.clip = f"events/{clip.name}"
    event.clip_bytes = clip.stat().st_size
    ev.save(store.directory, event)
    store.event_finished(event)
    return event


class FakeDisk:
    """A disk whose free space grows as the test's files are deleted."""

    def __init__(self, root: Path, free: int) -> None:
        """Start with ``free`` bytes free beyond what the files under ``root`` hold."""
        self.root = root
        self.base = free + self._used()
        self.calls = 0

    def _used(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*.mp4"))

    def __call__(self, _path: Path) -> DiskUsage:
        """Answer like shutil.disk_usage."""
        self.calls += 1
        free = self.base - self._used()
        return DiskUsage(10**12, 10**12 - free, free)


async def test_age_limits_footage_and_events_separately(tmp_path: Path) -> None:
    """Footage older than its limit goes; event clips may be kept longer."""
    limits = Limits(retention_hours=24, event_retention_hours=72)
    store = camera(tmp_path, "front", [1, 10, 30, 50], limits)
    young, old = finished_event(store, 48), finished_event(store, 80)
    retention = Retention(tmp_path, 0, FakeDisk(tmp_path, 10**12))
    report = await retention.run([store], set(), now=NOW)
    kept = sorted(p.name for p in (tmp_path / "front").glob("*.mp4"))
    assert kept == sorted(segment_name(NOW - h * HOUR) for h in (1, 10))
    assert len(store.index) == 2
    assert set(store.events) == {young.id}
    assert not (tmp_path / "front" / old.journal).exists()
    assert (tmp_path / "front" / young.clip).exists()  # type: ignore[operator]
    assert report.by_reason == {"age": 3}
    assert not report.below_floor


async def test_quota_removes_the_oldest_first(tmp_path: Path) -> None:
    """Over its quota a camera loses its oldest recordings, footage or events alike."""
    size = mp4(tmp_path / "probe.mp4").stat().st_size
    store = camera(tmp_path, "back", [9, 8, 7, 6, 5], Limits(quota_bytes=3 * size))
    finished_event(store, 7.5)
    retention = Retention(tmp_path, 0, FakeDisk(tmp_path, 10**12))
    await retention.run([store], set(), now=NOW)
    assert store.used_bytes() <= 3 * size
    # Oldest first, whatever the kind: the 9 h and 8 h segments, then the 7.5 h event.
    assert [round((NOW - s.start) / HOUR) for s in store.index.segments] == [7, 6, 5]
    assert store.events == {}


async def test_free_space_floor_takes_the_oldest_across_cameras(tmp_path: Path) -> None:
    """Below the floor, the oldest recordings of all cameras go first, until it is met."""
    size = mp4(tmp_path / "probe.mp4").stat().st_size
    (tmp_path / "probe.mp4").unlink()
    front = camera(tmp_path, "front", [10, 6, 2], Limits())
    back = camera(tmp_path, "back", [9, 5, 1], Limits())
    disk = FakeDisk(tmp_path, free=size * 10)
    retention = Retention(tmp_path, min_free_bytes=size * 13, usage=disk)
    report = await retention.run([front, back], set(), now=NOW)
    assert report.free_bytes is not None
    assert report.free_bytes >= size * 13
    assert not report.below_floor
    remaining = sorted(NOW - s.start for s in [*front.index.segments, *back.index.segments])
    assert [round(r / HOUR) for r in remaining] == [1, 2, 5]  # 10, 9 and 6 h went
    assert report.by_reason == {"free_space": 3}


async def test_never_deletes_busy_or_playing_files(tmp_path: Path) -> None:
    """The segment being written, an open event's files and a clip being played survive."""
    store = camera(tmp_path, "front", [30, 29, 28], Limits(retention_hours=1))
    writing = tmp_path / "front" / segment_name(NOW - 29 * HOUR)
    store.busy = lambda: {writing}
    played_event = finished_event(store, 999)
    played = tmp_path / "front" / played_event.clip  # type: ignore[operator]
    retention = Retention(tmp_path, min_free_bytes=10**15, usage=FakeDisk(tmp_path, 0))
    report = await retention.run([store], {played}, now=NOW)
    assert writing.exists()
    assert played.exists()
    assert [s.name for s in store.index.segments] == [writing.name]
    assert report.below_floor  # nothing else was deletable: the caller raises a repair issue


async def test_large_runs_are_batched(tmp_path: Path) -> None:
    """Thousands of expired segments are removed in executor batches, all of them."""
    store = camera(
        tmp_path, "front", [48 + i / 100 for i in range(1000)], Limits(retention_hours=24)
    )
    retention = Retention(tmp_path, 0, FakeDisk(tmp_path, 10**12))
    report = await retention.run([store], set(), now=NOW)
    assert report.deleted_files == 1000
    assert len(store.index) == 0


async def test_a_segments_scrub_preview_goes_with_it(tmp_path: Path) -> None:
    """Age and the free-space floor delete a segment's preview sheet with it, and only then."""
    store = camera(tmp_path, "front", [30, 28, 1], Limits(retention_hours=24))
    sheets = [preview_path(store.directory / s.name) for s in store.index.segments]
    for sheet in sheets:
        sheet.write_bytes(b"\xff\xd8" + b"x" * 100)
    retention = Retention(tmp_path, 0, FakeDisk(tmp_path, 10**12))
    report = await retention.run([store], set(), now=NOW)
    assert [sheet.exists() for sheet in sheets] == [False, False, True]
    assert report.deleted_files == 4  # two segments, two sheets
    floor = Retention(tmp_path, min_free_bytes=10**15, usage=FakeDisk(tmp_path, 0))
    await floor.run([store], set(), now=NOW)
    assert not sheets[2].exists()
    assert list(store.directory.iterdir()) == []
