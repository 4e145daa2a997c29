"""A dual-stream camera's stream fails alone: named at once, the other takes over on the clock.

Each stream is served by a camera process of its own here, so that one can be frozen
(SIGSTOP: connections stay open, nothing flows) while the other goes on. Both pictures carry
their time (``--marks``), so the footage recorded alone is judged for frame rate and lag.
Timing is the shipped one: a 6 s stall limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import logging
from pathlib import Path
import time

from custom_components.heldar.recorder.events import Event
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    RecorderStatus,
    StaticSource,
    Timing,
)
from tests.footage_clock import Births, judge, read_marks
from tests.media import RtspCamera, processes_with, recording_ffmpeg, recording_ffprobe

from .helpers import StatusLog
from .test_dual_real import MAIN, SUB, FFmpegCount, frame_size

_LOGGER = logging.getLogger(__name__)
FPS = 25
PRE_ROLL = 4
SEGMENT = 4
TIMING = Timing(poll_connecting=0.25, poll_recording=0.5)
# What the issue promises: healthy footage within the stall limit plus a probe (about 20 s).
TAKEOVER_LIMIT = 20.0
# The failing stream named within the stall limit (6 s) and the drain's tick (1 s), with slack
# for a loaded machine.
NAMED_LIMIT = TIMING.stall_floor + 3.0
ALONE_SECONDS = 30


class Pair:
    """The two streams of one camera, each a server of its own with marks."""

    def __init__(self, rtsp_camera: Callable[..., RtspCamera], tmp_path: Path) -> None:
        """Start both servers (25 fps, a 2 s GOP)."""
        self.main_marks, self.sub_marks = tmp_path / "main-marks.log", tmp_path / "sub-marks.log"
        options = {"fps": FPS, "gop": 2 * FPS}
        self.main = rtsp_camera(
            width=MAIN[0], height=MAIN[1], bitrate=1500, marks=str(self.main_marks), **options
        )
        self.sub = rtsp_camera(
            width=SUB[0], height=SUB[1], bitrate=150, marks=str(self.sub_marks), **options
        )
        self.out, self.buffer = tmp_path / "cam", tmp_path / "buffer"

    def recorder(self, log: StatusLog, on_event: Callable[[Event, str], None]) -> CameraRecorder:
        """Sub-stream 24/7, main-stream events with a pre-roll: the typical set-up."""
        spec = CameraSpec(
            "gate",
            "Gate",
            StaticSource(self.main.url),
            self.out,
            SEGMENT,
            pre_roll_seconds=PRE_ROLL,
            buffer_dir=self.buffer,
            ffprobe=recording_ffprobe(),
            sub_source=StaticSource(self.sub.url),
        )
        return CameraRecorder(
            spec,
            ffmpeg_binary=recording_ffmpeg(),
            listener=log,
            timing=TIMING,
            demand=Demand(RecordMode.CONTINUOUS, schedule_active=True),
            event_listener=on_event,
        )

    def counting(self) -> FFmpegCount:
        """Count writers per folder and readers per stream."""
        return FFmpegCount(
            *(str(folder / "%Y%m%d_%H%M%S.mp4") for folder in (self.out, self.buffer)),
            self.main.url,
            self.sub.url,
        )


def both(status: RecorderStatus) -> bool:
    """Both streams record."""
    return status.state is RecorderState.RECORDING and status.streams == {
        "sub": "recording",
        "main": "recording",
    }


async def first_file_of_size(folder: Path, size: tuple[int, int], after: float) -> float:
    """Wait for a footage file of ``size`` begun after ``after`` in ``folder``; return when."""
    seen: set[Path] = set()
    async with asyncio.timeout(60):
        while True:
            for path in sorted(folder.glob("*.mp4")):
                if path in seen or path.stat().st_mtime < after:
                    continue
                seen.add(path)
                try:
                    found = await asyncio.to_thread(frame_size, path)
                except AssertionError, KeyError, IndexError, ValueError, OSError:
                    seen.discard(path)  # not parseable yet
                    continue
                if found == size:
                    return time.time()
            await asyncio.sleep(0.2)


async def test_sub_stream_fails_the_main_stream_takes_over_on_the_clock(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """The sub-stream freezes: named at once, main-stream footage within 20 s, on the clock.

    The main stream's FFmpeg is never restarted; it records footage and events alone, at
    25 fps and within 1 s of the clock; the camera stays ``recording`` while its files grow,
    and is not once the main stream freezes too. Then both come back, split again.
    """
    pair = Pair(rtsp_camera, tmp_path)
    log = StatusLog()
    recorder = pair.recorder(log, lambda _event, _phase: None)
    with Births(pair.out, pair.buffer, keep=tmp_path / "kept") as births, pair.counting() as count:
        recorder.start()
        try:
            await log.wait_for(both, timeout=40)
            main_pid = recorder.pids[1]
            await asyncio.sleep(2 * SEGMENT)
            pair.sub.pause()
            failed_at = time.time()
            named_at, named = await log.wait_after(
                failed_at, lambda s: (s.streams or {}).get("sub") == "stalled", NAMED_LIMIT + 5
            )
            assert named_at - failed_at <= NAMED_LIMIT
            assert named.state is RecorderState.RECORDING
            assert named.streams == {"sub": "stalled", "main": "recording"}
            assert (named.last_error or "").startswith("sub-stream stalled: ")
            took = await first_file_of_size(pair.out, MAIN, failed_at) - failed_at
            assert took <= TAKEOVER_LIMIT
            await asyncio.sleep(ALONE_SECONDS)
            assert main_pid in recorder.pids  # the healthy stream's FFmpeg went on
            alone = [status for at, status in log.since(named_at)]
            assert all(status.state is RecorderState.RECORDING for status in alone), [
                (status.state, status.streams) for status in alone
            ]
            pair.main.pause()
            frozen_at = time.time()
            off_at, _ = await log.wait_after(
                frozen_at, lambda s: s.state is not RecorderState.RECORDING, NAMED_LIMIT + 5
            )
            assert off_at - frozen_at <= NAMED_LIMIT
            pair.main.resume()
            pair.sub.resume()
            await log.wait_after(time.time(), both, timeout=90)
        finally:
            await recorder.stop()
    assert processes_with(str(pair.out)) == processes_with(str(pair.buffer)) == []
    assert set(count.most.values()) == {1}, count.most
    alone_main = births.segments(pair.buffer, since=named_at + 2)
    kept = [(path, born) for path, born in alone_main if born < frozen_at - 2]
    verdict = judge(list(kept), read_marks(pair.main_marks), "/stream")
    verdict.check(FPS, label="main stream alone")
    _LOGGER.info(
        "sub-stream failed: named after %.2f s, main footage after %.2f s; main alone: %s",
        named_at - failed_at,
        took,
        verdict.summary(),
    )


async def test_main_stream_fails_the_sub_stream_records_on_and_takes_events(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """The main stream freezes: named at once; the sub-stream's footage never stops.

    Its FFmpeg goes on as it was (footage without a gap, on the clock) and an event meanwhile
    is cut from it, in its size.
    """
    pair = Pair(rtsp_camera, tmp_path)
    log = StatusLog()
    finished: list[Event] = []
    recorder = pair.recorder(
        log, lambda event, phase: finished.append(event) if phase == "finished" else None
    )
    with Births(pair.out, keep=tmp_path / "kept") as births, pair.counting() as count:
        recorder.start()
        try:
            await log.wait_for(both, timeout=40)
            sub_pid = recorder.pids[0]
            await asyncio.sleep(2 * SEGMENT)
            pair.main.pause()
            failed_at = time.time()
            named_at, named = await log.wait_after(
                failed_at, lambda s: (s.streams or {}).get("main") == "stalled", NAMED_LIMIT + 5
            )
            assert named_at - failed_at <= NAMED_LIMIT
            assert named.state is RecorderState.RECORDING
            assert (named.last_error or "").startswith("main stream stalled: ")
            await asyncio.sleep(2 * SEGMENT)
            trigger_at = time.time()
            assert recorder.trigger(datetime.fromtimestamp(trigger_at, UTC) + timedelta(seconds=3))
            async with asyncio.timeout(40):
                while not finished:
                    await asyncio.sleep(0.25)
            await asyncio.sleep(ALONE_SECONDS - 2 * SEGMENT)
            assert recorder.pids[0] == sub_pid  # never restarted
            alone = [status for at, status in log.since(named_at)]
            assert all(status.state is RecorderState.RECORDING for status in alone)
            pair.main.resume()
        finally:
            await recorder.stop()
    assert set(count.most.values()) == {1}, count.most
    (event,) = finished
    assert event.stream == "sub"
    assert event.clip is not None
    assert frame_size(pair.out / event.clip) == SUB
    footage = births.segments(pair.out)
    assert {frame_size(path) for path, _ in footage} == {SUB}
    verdict = judge(
        [(path, None if i == 0 else born) for i, (path, born) in enumerate(footage)],
        read_marks(pair.sub_marks),
        "/stream",
    )
    verdict.check(FPS, label="sub-stream across the main stream's failure")
    # No gap: the media covers the wall clock across the failure.
    assert verdict.media_over_wall >= 0.97, verdict.summary()
