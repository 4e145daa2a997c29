"""The footage index: live additions, quarantine, gaps, and rebuilding from disk with ffprobe."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.heldar.recorder.ffprobe import FFprobeMissingError, ffprobe_for, probe
from custom_components.heldar.recorder.index import CACHE_FILE, SegmentIndex
from custom_components.heldar.recorder.segments import QUARANTINE_DIR, segment_name
from tests.review_common import fragmented_segments

from .test_archive import T0, mp4


def real_segments(folder: Path, count: int, start: float = T0, seconds: int = 2) -> list[Path]:
    """Encode ``count`` real 2 s H.264 segments (plain MP4) named as FFmpeg would."""
    return fragmented_segments(folder, count, start, seconds, fragmented=False)


async def test_live_segments_and_gaps(tmp_path: Path) -> None:
    """Closed segments are indexed with their exact spans; holes over 3 s count as gaps."""
    index = SegmentIndex(tmp_path, None)
    for offset in (0, 2, 4, 12, 14):  # a hole from T0+6 to T0+12
        path = mp4(tmp_path / segment_name(T0 + offset))
        assert index.add_known(path, T0 + offset, T0 + offset + 2)
    assert len(index) == 5
    assert index.gaps() == [(T0 + 6, T0 + 12)]
    assert index.gap_count(now=T0 + 100) == 1
    assert index.gap_count(now=T0 + 2 * 86400) == 0
    assert [s.name for s in index.between(T0 + 2, T0 + 13)] == [
        segment_name(T0 + o) for o in (2, 4, 12)
    ]
    assert index.oldest is not None
    assert index.oldest.start == T0
    assert index.total_bytes == 5 * (tmp_path / segment_name(T0)).stat().st_size
    index.forget([segment_name(T0 + 4), "missing.mp4"])
    assert len(index) == 4


async def test_bad_segments_are_quarantined(tmp_path: Path) -> None:
    """Empty, sample-less or instant segments are moved aside and counted."""
    index = SegmentIndex(tmp_path, None)
    empty = tmp_path / segment_name(T0)
    empty.write_bytes(b"")
    stub = tmp_path / segment_name(T0 + 2)
    stub.write_bytes(b"\0\0\0\x0cftypisom")
    short = mp4(tmp_path / segment_name(T0 + 4))
    assert not index.add_known(empty, T0, T0 + 2)
    assert not index.add_known(stub, T0 + 2, T0 + 4)
    assert not index.add_known(short, T0 + 4, T0 + 4.04)
    assert not index.add_known(tmp_path / "gone.mp4", T0, T0 + 2)
    assert index.quarantined == 3
    assert len(index) == 0
    assert sorted(p.name for p in (tmp_path / QUARANTINE_DIR).iterdir()) == sorted(
        segment_name(T0 + o) for o in (0, 2, 4)
    )


async def test_rebuild_measures_then_remembers(tmp_path: Path) -> None:
    """At start the folder is read again; ffprobe measures new files once, the cache after."""
    paths = real_segments(tmp_path, 3)
    (tmp_path / segment_name(T0 + 30)).write_bytes(b"")  # crashed: an empty file
    (tmp_path / segment_name(T0 + 40)).write_bytes(b"not a video at all" * 50)
    (tmp_path / "notes.txt").write_text("ignored")
    ffprobe = ffprobe_for("ffmpeg")
    index = SegmentIndex(tmp_path, ffprobe)
    await index.rebuild(skip={segment_name(T0 + 4)})  # as if the last one were still open
    assert [s.name for s in index.segments] == [p.name for p in paths[:2]]
    assert all(s.codec == "h264" for s in index.segments)
    assert all(abs(s.duration - 2.0) < 0.25 for s in index.segments)
    assert index.quarantined == 2
    assert (tmp_path / CACHE_FILE).is_file()

    again = SegmentIndex(tmp_path, "/nonexistent/ffprobe")  # would fail if it probed anything
    await again.rebuild(skip={segment_name(T0 + 4)})
    assert [s.name for s in again.segments] == [p.name for p in paths[:2]]
    assert again.segments[0].codec == "h264"


async def test_probe_without_ffprobe(tmp_path: Path) -> None:
    """No ffprobe: files are indexed by name and size, durations unknown (0)."""
    mp4(tmp_path / segment_name(T0))
    index = SegmentIndex(tmp_path, None)
    await index.rebuild()
    assert [s.duration for s in index.segments] == [0.0]
    with pytest.raises(FFprobeMissingError):
        await probe(str(tmp_path / "no-ffprobe"), tmp_path / segment_name(T0))


async def test_missing_ffprobe_never_quarantines(tmp_path: Path) -> None:
    """An ffprobe that cannot run says nothing about the files: they are kept, unmeasured."""
    paths = real_segments(tmp_path, 2)
    index = SegmentIndex(tmp_path, str(tmp_path / "gone" / "ffprobe"))
    await index.rebuild()
    assert [s.name for s in index.segments] == [p.name for p in paths]
    assert index.quarantined == 0
    assert index.ffprobe is None


@pytest.mark.parametrize(
    ("ffmpeg", "ffprobe"),
    [
        ("ffmpeg", "ffprobe"),
        ("/usr/bin/ffmpeg", "/usr/bin/ffprobe"),
        ("/opt/ffmpeg-6/bin/ffmpeg-6", "/opt/ffmpeg-6/bin/ffprobe-6"),
        ("/opt/encoder", "/opt/ffprobe"),
    ],
)
def test_ffprobe_next_to_ffmpeg(ffmpeg: str, ffprobe: str) -> None:
    """Look for ffprobe beside the configured FFmpeg, named like it."""
    assert ffprobe_for(ffmpeg) == ffprobe
