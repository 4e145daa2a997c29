"""One run's output: new segments are learnt from inotify's names, the folder is a fallback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
import time

import pytest

from custom_components.heldar.recorder.births import BirthWatcher
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.progress import MediaClock
from custom_components.heldar.recorder.run_output import RunOutput
from custom_components.heldar.recorder.segments import (
    QUARANTINE_DIR,
    ScanResult,
    SegmentWatcher,
    recorded_at,
    segment_name,
)
from custom_components.heldar.recorder.store import CameraStore
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    StaticSource,
    Timing,
)
from tests.media import RtspCamera, duration

from .helpers import StatusLog

RESCAN = 60.0


class CountingWatcher(SegmentWatcher):
    """A segment watcher that counts its looks at the folder."""

    scans = 0

    def scan(self, now: float | None = None, *, full: bool = False) -> ScanResult:
        """Count, then look."""
        self.scans += 1
        self.full = full
        return super().scan(now, full=full)


@pytest.fixture
async def output(tmp_path: Path) -> AsyncGenerator[RunOutput]:
    """A run's output in ``tmp_path``, with inotify watching it."""
    runs: list[RunOutput] = []

    def born() -> None:  # what the supervisor does when inotify reports a file
        runs[0].file_born = True

    births = BirthWatcher(tmp_path, born)
    births.start()
    assert births.active
    watcher = CountingWatcher(tmp_path, time.time() - 10)
    run = RunOutput(watcher, births, buffering=False, clock=MediaClock(time.time))
    runs.append(run)
    yield run
    births.stop()


async def test_a_named_segment_needs_no_look_at_the_folder(
    output: RunOutput, tmp_path: Path
) -> None:
    """After the first scan, a reporting run learns each new segment from inotify alone."""
    watcher = output.watcher
    assert isinstance(watcher, CountingWatcher)
    now = time.time()
    first = tmp_path / segment_name(now - 3)
    first.write_bytes(b"")
    await asyncio.sleep(0.05)
    assert (await output.look(0.0, reporting=True, rescan=RESCAN)).opened == [first]
    assert watcher.scans == 1  # the run's first look lists what is there
    second = tmp_path / segment_name(now - 2)
    second.write_bytes(b"")
    await asyncio.sleep(0.05)
    assert output.file_born
    scan = await output.look(1.0, reporting=True, rescan=RESCAN)
    assert (scan.opened, scan.closed) == ([second], [first])
    assert watcher.scans == 1  # taken by name
    # Without progress reports growth is the evidence: the folder is looked at. FFmpeg names
    # a file by the second it opens it, after the last look (which tries the names since).
    third = tmp_path / segment_name(time.time())
    third.write_bytes(b"")
    await asyncio.sleep(0.05)
    assert (await output.look(2.0, reporting=False, rescan=RESCAN)).opened == [third]
    assert watcher.scans == 2
    # The rescan still comes, as a safety net.
    await output.look(2.0 + RESCAN, reporting=True, rescan=RESCAN)
    assert watcher.scans == 3


async def test_lost_names_make_the_next_look_list_the_folder(
    output: RunOutput, tmp_path: Path
) -> None:
    """When inotify's names may be incomplete, the folder is listed, not guessed."""
    watcher = output.watcher
    assert isinstance(watcher, CountingWatcher)
    await output.look(0.0, reporting=True, rescan=RESCAN)
    for index in range(600):  # more than the watcher keeps: some names are dropped
        (tmp_path / f"{index}.tmp").write_bytes(b"")
    segment = tmp_path / segment_name(time.time() - 5)
    segment.write_bytes(b"")
    await asyncio.sleep(0.1)
    assert (await output.look(1.0, reporting=True, rescan=RESCAN)).opened == [segment]
    assert watcher.scans == 2
    assert watcher.full


def test_a_birth_read_late_gives_way_to_the_files_name(tmp_path: Path) -> None:
    """A stamp within the name's second is kept; one read seconds late is not believed."""
    watcher, births = SegmentWatcher(tmp_path, 0.0), BirthWatcher(tmp_path)
    run = RunOutput(watcher, births, buffering=False, clock=MediaClock(time.time))
    on_time, late = segment_name(1_000_000.0), segment_name(1_000_002.0)
    run.births.times[on_time] = 1_000_000.4
    run.births.times[late] = 1_000_006.9  # the loop was held up: read 5 s late
    named = recorded_at(late)
    assert run.start_of(tmp_path / on_time) == 1_000_000.4
    assert run.start_of(tmp_path / late) == named == 1_000_002.0


def test_the_file_before_dates_a_segment_whose_birth_was_read_late(tmp_path: Path) -> None:
    """FFmpeg's last write to the file before is this one's birth, whenever the loop reads it.

    A stamp outside the name's second is not that moment (a file written to afterwards).
    """
    watcher, births = SegmentWatcher(tmp_path, 0.0), BirthWatcher(tmp_path)
    run = RunOutput(watcher, births, buffering=False, clock=MediaClock(time.time))
    late, odd = segment_name(1_000_002.0), segment_name(1_000_004.0)
    run.births.times[late] = 1_000_006.9  # the loop was held up: read 5 s late
    run.switched_at[late] = 1_000_002.72
    run.births.times[odd] = 1_000_004.3
    run.switched_at[odd] = 1_000_005.5
    assert run.start_of(tmp_path / late) == 1_000_002.72
    assert run.start_of(tmp_path / odd) == 1_000_004.3


async def test_a_held_up_loop_loses_no_footage(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """HA's loop blocked for 5 s while 2 s segments are written: each keeps its true span.

    Before, the births read together after the block were stamped alike, and the segments
    between them, playable, were quarantined as 0 s long.
    """
    camera = rtsp_camera()
    store = CameraStore("cam", "Cam", tmp_path, SegmentIndex(tmp_path, None))
    spec = CameraSpec("cam", "Cam", StaticSource(camera.url), tmp_path, segment_seconds=2)
    log = StatusLog()
    timing = Timing(poll_connecting=0.25, poll_recording=0.5)
    recorder = CameraRecorder(
        spec, ffmpeg_binary="ffmpeg", listener=log, timing=timing, store=store
    )
    recorder.start()
    try:
        await log.wait_state(RecorderState.RECORDING, timeout=20)
        await asyncio.sleep(2.5)
        time.sleep(5.0)  # noqa: ASYNC251 - the point: the loop is held up
        async with asyncio.timeout(30):
            while len(store.index.segments) < 6:
                await asyncio.sleep(0.25)
    finally:
        await recorder.stop()
    # Only the file the stop cut a moment after it opened may go (too short to keep).
    quarantined = sorted(path.name for path in (tmp_path / QUARANTINE_DIR).glob("*.mp4"))
    newest = max(segment.name for segment in store.index.segments)
    assert all(name > newest for name in quarantined), quarantined
    indexed = store.index.segments[1:-1]  # whole segments: neither the first nor the last
    for segment in indexed:
        played = duration(tmp_path / segment.name)
        # Dated by the file before's last write, not by the name's second (up to 1 s early).
        assert abs(segment.duration - played) < 0.25, (segment.name, segment.duration, played)


async def test_the_file_being_written_is_dated_as_it_will_be_indexed(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """A growing file's start is the recorder's own, not its name's second (up to 1 s early).

    A live playlist dated the newest file by its name while the file before was being filed:
    the two overlapped by the name's missing fraction, and the grid's players jumped back.
    """
    camera = rtsp_camera()
    store = CameraStore("cam", "Cam", tmp_path, SegmentIndex(tmp_path, None))
    spec = CameraSpec("cam", "Cam", StaticSource(camera.url), tmp_path, segment_seconds=2)
    log = StatusLog()
    timing = Timing(poll_connecting=0.25, poll_recording=0.5)
    recorder = CameraRecorder(
        spec, ffmpeg_binary="ffmpeg", listener=log, timing=timing, store=store
    )
    growing: dict[str, float] = {}
    recorder.start()
    try:
        await log.wait_state(RecorderState.RECORDING, timeout=20)
        async with asyncio.timeout(30):
            while len(store.index.segments) < 5:
                for path in store.busy():
                    if (opened := store.opened_at(path)) is not None:
                        growing.setdefault(path.name, opened)
                await asyncio.sleep(0.05)
    finally:
        await recorder.stop()
    assert store.opened_at(tmp_path / "20000101_000000.mp4") is None  # no run writes it
    indexed = {segment.name: segment.start for segment in store.index.segments[1:]}
    compared = [name for name in growing if name in indexed]
    assert len(compared) >= 3, (growing, indexed)
    for name in compared:
        assert abs(growing[name] - indexed[name]) < 0.05, (name, growing[name], indexed[name])
        assert recorded_at(name) is not None
