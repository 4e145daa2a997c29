"""Segment names, the watcher that follows one FFmpeg run, and stub handling."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
import struct

from custom_components.heldar.recorder.segments import (
    QUARANTINE_DIR,
    SegmentVerdict,
    SegmentWatcher,
    newest_recent_segment,
    read_mp4_shape,
    segment_name,
    segment_start,
    settle_last_segment,
)

T0 = datetime(2026, 3, 29, 0, 59, 58, tzinfo=UTC).timestamp()


def box(kind: bytes, payload: bytes = b"") -> bytes:
    """Return one MP4 box."""
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


FRAGMENT = box(b"moof") + box(b"mdat", b"\0" * 100)
HEADER = box(b"ftyp", b"isom") + box(b"moov")


def test_names_round_trip_in_utc() -> None:
    """Names are the UTC second a segment opened, and parse back to it."""
    assert segment_name(T0) == "20260329_005958.mp4"
    assert segment_start("20260329_005958.mp4") == datetime(2026, 3, 29, 0, 59, 58, tzinfo=UTC)
    assert segment_start("20260329_005958.mp4.part") is None
    assert segment_start("20261399_000000.mp4") is None
    assert segment_start("notes.txt") is None


def test_watcher_follows_growth_and_rotation(tmp_path: Path) -> None:
    """Growth is progress; a newer file closes the previous one."""
    watcher = SegmentWatcher(tmp_path, T0)
    assert not watcher.scan(T0 + 0.5).progressed

    first = tmp_path / segment_name(T0 + 1)
    first.write_bytes(HEADER)
    scan = watcher.scan(T0 + 1.5)
    assert scan.progressed
    assert scan.opened == [first]
    assert scan.closed == []

    assert not watcher.scan(T0 + 2.5).progressed  # no growth, no news

    with first.open("ab") as handle:
        handle.write(FRAGMENT)
    assert watcher.scan(T0 + 3.5).progressed

    second = tmp_path / segment_name(T0 + 4)
    third = tmp_path / segment_name(T0 + 5)
    second.write_bytes(HEADER + FRAGMENT)
    third.write_bytes(HEADER)
    scan = watcher.scan(T0 + 5.5)
    assert scan.opened == [second, third]
    assert scan.closed == [first, second]
    assert watcher.current == third
    assert watcher.files == [first, second, third]


def test_watcher_ignores_files_older_than_the_run(tmp_path: Path) -> None:
    """Footage from earlier runs in the same folder is not mistaken for this run's."""
    (tmp_path / segment_name(T0 - 30)).write_bytes(HEADER + FRAGMENT)
    watcher = SegmentWatcher(tmp_path, T0)
    assert not watcher.scan(T0 + 1).progressed
    assert watcher.current is None


def test_watcher_ignores_the_last_file_of_a_run_in_the_same_second(tmp_path: Path) -> None:
    """A run that began in the second its predecessor named its last file does not take it."""
    earlier = tmp_path / segment_name(T0)
    earlier.write_bytes(HEADER + FRAGMENT)
    assert newest_recent_segment(tmp_path, T0 + 0.4) == earlier.name
    watcher = SegmentWatcher(tmp_path, T0 + 0.5, after=earlier.name)
    assert not watcher.scan(T0 + 0.9).progressed
    own = tmp_path / segment_name(T0 + 1)
    own.write_bytes(HEADER)
    assert watcher.scan(T0 + 1.5).opened == [own]
    assert watcher.files == [own]


def test_newest_recent_segment_looks_only_at_the_last_seconds(tmp_path: Path) -> None:
    """Only names of the last few seconds can collide with a new run's; older ones are skipped."""
    (tmp_path / segment_name(T0 - 30)).write_bytes(HEADER)
    assert newest_recent_segment(tmp_path, T0) is None
    (tmp_path / segment_name(T0 - 2)).write_bytes(HEADER)
    (tmp_path / segment_name(T0 - 1)).write_bytes(HEADER)
    assert newest_recent_segment(tmp_path, T0) == segment_name(T0 - 1)


def test_watcher_lists_the_directory_after_a_long_pause(tmp_path: Path) -> None:
    """After a long gap between scans it lists the folder instead of guessing names."""
    watcher = SegmentWatcher(tmp_path, T0)
    late = tmp_path / segment_name(T0 + 100)
    late.write_bytes(HEADER)
    (tmp_path / "unrelated.mp4").write_bytes(b"")
    scan = watcher.scan(T0 + 1000)
    assert scan.opened == [late]


def test_watcher_adopts_names_inotify_reported_without_the_disk(tmp_path: Path) -> None:
    """Named new segments close the previous one; nothing is read, so no folder is needed."""
    nowhere = tmp_path / "not-created"
    watcher = SegmentWatcher(nowhere, T0)
    first, second, third = (segment_name(T0 + offset) for offset in (1, 61, 121))
    adopted = watcher.adopt([first, "index.json", segment_name(T0 - 30)], T0 + 2)
    assert adopted.opened == [nowhere / first]
    assert adopted.closed == []
    assert adopted.progressed
    assert watcher.adopt([], T0 + 30).opened == []  # nothing new: no news
    later = watcher.adopt([third, second, first], T0 + 122)  # unordered, one already known
    assert later.opened == [nowhere / second, nowhere / third]
    assert later.closed == [nowhere / first, nowhere / second]
    assert later.current == nowhere / third


def test_a_long_run_keeps_its_first_and_latest_names_only() -> None:
    """A run of thousands of segments holds a bounded list (the soak found it growing)."""
    folder = Path("/nonexistent")
    watcher = SegmentWatcher(folder, T0)
    for index in range(2000):
        watcher.adopt([segment_name(T0 + 2 * index + 1)], T0 + 2 * index + 2)
    files = watcher.files
    assert len(files) == 9
    assert files[0] == folder / segment_name(T0 + 1)
    assert files[-1] == watcher.current == folder / segment_name(T0 + 3999)
    assert files[1:] == sorted(files[1:])


def test_a_full_scan_lists_what_guessing_would_miss(tmp_path: Path) -> None:
    """After names were adopted up to now, guesses start there; ``full`` lists the folder."""
    watcher = SegmentWatcher(tmp_path, T0)
    missed = tmp_path / segment_name(T0 + 5)  # created, but its inotify event was lost
    missed.write_bytes(HEADER)
    watcher.adopt([], T0 + 20)
    assert watcher.scan(T0 + 30).opened == []
    assert watcher.scan(T0 + 31, full=True).opened == [missed]


def test_watcher_handles_a_vanished_segment(tmp_path: Path) -> None:
    """A segment deleted under the watcher reads as empty rather than crashing."""
    watcher = SegmentWatcher(tmp_path, T0)
    first = tmp_path / segment_name(T0)
    first.write_bytes(HEADER)
    watcher.scan(T0 + 0.5)
    first.unlink()
    scan = watcher.scan(T0 + 1)
    assert scan.current_size == 0
    missing = SegmentWatcher(tmp_path / "absent", T0)
    assert missing.scan(T0 + 500).opened == []


def test_mp4_shape(tmp_path: Path) -> None:
    """Top-level boxes are walked without reading the media."""
    path = tmp_path / "a.mp4"
    path.write_bytes(HEADER + FRAGMENT + FRAGMENT)
    shape = read_mp4_shape(path)
    assert shape.boxes == ("ftyp", "moov", "moof", "mdat", "moof", "mdat")
    assert shape.has_media
    assert not shape.truncated

    path.write_bytes(HEADER + FRAGMENT[:-10])
    assert read_mp4_shape(path).truncated

    large = struct.pack(">I4sQ", 1, b"mdat", 16 + 4) + b"abcd"
    path.write_bytes(HEADER + large)
    assert read_mp4_shape(path).boxes[-1] == "mdat"

    path.write_bytes(HEADER + struct.pack(">I4s", 0, b"mdat") + b"rest of file")
    assert read_mp4_shape(path).boxes[-1] == "mdat"

    path.write_bytes(struct.pack(">I4s", 3, b"ftyp"))
    assert read_mp4_shape(path).truncated

    path.write_bytes(HEADER + struct.pack(">I4s", 1, b"mdat") + b"\0\0")
    assert read_mp4_shape(path).truncated


def test_settle_keeps_footage_and_removes_stubs(tmp_path: Path) -> None:
    """A stop can leave a 0-byte or ftyp-only file: it holds no samples and is removed."""
    good = tmp_path / "20260101_000000.mp4"
    good.write_bytes(HEADER + FRAGMENT)
    assert settle_last_segment(good) is SegmentVerdict.KEPT

    for content in (b"", box(b"ftyp", b"isom"), HEADER):
        stub = tmp_path / "20260101_000002.mp4"
        stub.write_bytes(content)
        assert settle_last_segment(stub) is SegmentVerdict.REMOVED_EMPTY
        assert not stub.exists()

    assert settle_last_segment(tmp_path / "gone.mp4") is SegmentVerdict.REMOVED_EMPTY


def test_settle_quarantines_garbage(tmp_path: Path) -> None:
    """A file that is not an MP4 at all is moved aside, never silently kept or lost."""
    garbage = tmp_path / "20260101_000004.mp4"
    garbage.write_bytes(b"<html>not video</html>" * 10)
    assert settle_last_segment(garbage) is SegmentVerdict.QUARANTINED
    assert not garbage.exists()
    assert (tmp_path / QUARANTINE_DIR / garbage.name).exists()
