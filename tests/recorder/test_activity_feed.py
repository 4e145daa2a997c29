"""Feeding a camera's meter from segments as they are written, and keeping the levels."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from custom_components.heldar.recorder.activity import UNMEASURED, threshold
from custom_components.heldar.recorder.activity_feed import ActivityFeed
from custom_components.heldar.recorder.frame_sizes import FrameReader

from .activity_clips import record, scene_filter

ORIGIN = 1_795_000_000.37
WINDOW = (24.0, 30.0)
DEFAULT = threshold(0.5)
CHUNK = 16 * 1024


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, float]]:
    """40 s of a still scene with an object crossing it from 24 s to 30 s; 20 s segments."""
    return record(tmp_path_factory.mktemp("walker"), scene_filter([WINDOW]), 40)


async def test_growing_segments_feed_the_live_level_and_the_store(
    walker: list[tuple[Path, float]], tmp_path: Path
) -> None:
    """Segments copied in as FFmpeg would write them: live level, then stored levels.

    Each source file is appended chunk by chunk to a landing file that the follower is
    told is being written; the next file opens when it is complete, as the segment muxer
    does. The listener must hear an active level while the window's bytes land, the store
    must hold the window as active and the rest as idle, and stopping shows nothing live.
    """
    heard: list[tuple[int, int]] = []  # (level, bytes of the window's file written so far)
    landing = tmp_path / "landing"
    landing.mkdir()
    copied = {"bytes": 0}
    feed = ActivityFeed(
        tmp_path / "camera",
        lambda level: heard.append((level, copied["bytes"])),
        poll=0.01,
        save_every=0.05,
    )
    current: list[Path | None] = [None]
    starts = {landing / source.name: ORIGIN + start for source, start in walker}
    follower = feed.follow(lambda: current[0], starts.__getitem__)
    assert follower is not None
    assert feed.follow(lambda: None, starts.__getitem__) is None  # one run feeds a meter
    for source, _ in walker:
        target = landing / source.name
        current[0] = target
        data = source.read_bytes()
        with target.open("wb") as out:
            for offset in range(0, len(data), CHUNK):
                out.write(data[offset : offset + CHUNK])
                out.flush()
                copied["bytes"] += min(CHUNK, len(data) - offset)
                await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    await follower.stop()

    assert any(level >= DEFAULT for level, _ in heard)
    assert heard[-1][0] == UNMEASURED
    assert feed.live == UNMEASURED
    levels = feed.store.load(ORIGIN, ORIGIN + 40)
    spans = levels.spans(DEFAULT, join=2)
    assert spans, "the window was not stored as active"
    for begin, end in spans:  # within one GOP (2 s) of the window
        assert ORIGIN + WINDOW[0] - 2 <= begin
        assert end <= ORIGIN + WINDOW[1] + 3
    # After warm-up, every second is measured: the levels reached the disk.
    assert UNMEASURED not in levels.between(ORIGIN + 20, ORIGIN + 39).levels
    # The feed is free for the next run, and the meter keeps its baseline.
    again = feed.follow(lambda: None, starts.__getitem__)
    assert again is not None
    await again.stop()


async def test_a_segment_that_vanishes_is_let_go(tmp_path: Path) -> None:
    """A file moved away between looks (into an event folder) ends its reading quietly."""
    feed = ActivityFeed(tmp_path / "camera", poll=0.01)
    gone = tmp_path / "gone.mp4"
    gone.write_bytes(b"\x00\x00\x00\x08ftyp")
    follower = feed.follow(lambda: gone, lambda _: ORIGIN)
    assert follower is not None
    await asyncio.sleep(0.05)
    gone.unlink()
    await asyncio.sleep(0.05)
    await follower.stop()
    assert feed.store.days() == []
    assert feed.live == UNMEASURED


async def test_a_file_it_cannot_parse_is_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A parser failure is logged once for that file, and following goes on with the next."""
    calls: list[Path] = []

    def broken(self: FrameReader) -> list[object]:
        calls.append(self.path)
        if self.path.name == "bad.mp4":
            raise ValueError
        return []

    monkeypatch.setattr(FrameReader, "read_new", broken)
    feed = ActivityFeed(tmp_path / "camera", poll=0.01)
    for name in ("bad.mp4", "good.mp4"):  # growing: each look reads them
        (tmp_path / name).write_bytes(b"\x00\x00\x00\x08ftyp")
    current = [tmp_path / "bad.mp4"]
    follower = feed.follow(lambda: current[0], lambda _: ORIGIN)
    assert follower is not None
    await asyncio.sleep(0.1)
    current[0] = tmp_path / "good.mp4"
    await asyncio.sleep(0.05)
    await follower.stop()
    assert calls.count(tmp_path / "bad.mp4") == 1
    assert tmp_path / "good.mp4" in calls
    assert caplog.text.count("Cannot read the frame sizes") == 1


async def test_a_camera_nobody_watches_live_is_looked_at_less_often(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a live listener a segment is read at the idle cadence; with one, every tick.

    The Activity sensor is off by default, and most cameras need only the stored levels, so
    their looks (a thread trip, a stat, a read) are spaced out; enabling the sensor brings
    the fast looks back at the next tick, without a restart.
    """
    reads: list[Path] = []

    def counted(self: FrameReader) -> list[object]:
        reads.append(self.path)
        return []

    monkeypatch.setattr(FrameReader, "read_new", counted)
    segment = tmp_path / "segment.mp4"
    segment.write_bytes(b"\x00\x00\x00\x08ftyp")
    wanted = [False]
    feed = ActivityFeed(tmp_path / "camera", poll=0.01, idle_poll=1.0, wanted=lambda: wanted[0])
    follower = feed.follow(lambda: segment, lambda _: ORIGIN)
    assert follower is not None
    for size in range(10):  # growing: every look would read it
        with segment.open("ab") as out:
            out.write(bytes(size + 1))
        await asyncio.sleep(0.01)
    # One look when the segment appeared (a new segment is looked at in the next tick), and
    # none for its growth.
    assert len(reads) <= 1, "a camera nobody watches live was looked at on the fast cadence"
    wanted[0] = True
    deadline = asyncio.get_running_loop().time() + 5
    while len(reads) < 5 and asyncio.get_running_loop().time() < deadline:
        with segment.open("ab") as out:
            out.write(b"\x00")
        await asyncio.sleep(0.01)
    await follower.stop()
    assert len(reads) >= 5, "the fast looks did not come back once the level was wanted"


async def test_segments_shorter_than_the_idle_look_are_all_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera looked at every few seconds still reads every segment, however short.

    Pre-roll buffers are 2 s segments and a browser test's are 4 s, against looks every 5 s
    for a camera nobody watches live: a segment that opened and closed between two looks
    used to be skipped, and its seconds were never measured. Each change of segment is now
    looked at in the next tick.
    """
    reads: list[Path] = []

    def counted(self: FrameReader) -> list[object]:
        reads.append(self.path)
        return []

    monkeypatch.setattr(FrameReader, "read_new", counted)
    feed = ActivityFeed(tmp_path / "camera", poll=0.01, idle_poll=60.0, wanted=lambda: False)
    segments = [tmp_path / f"{index}.mp4" for index in range(8)]
    current: list[Path | None] = [None]
    follower = feed.follow(lambda: current[0], lambda _: ORIGIN)
    assert follower is not None
    for segment in segments:  # each written for a few ticks, then the next opens
        segment.write_bytes(b"\x00\x00\x00\x08ftyp")
        current[0] = segment
        await asyncio.sleep(0.08)
    await follower.stop()
    assert set(segments) <= set(reads), f"skipped: {sorted(set(segments) - set(reads))}"
