"""A camera with a sub-stream, against real FFmpeg and the real RTSP camera serving two sizes.

The footage (24/7) is the 320x180 sub-stream, the events with their pre-roll are the 1280x720
main stream: one FFmpeg reads both. Files are checked with ffprobe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import subprocess
import time

import pytest

from custom_components.heldar.recorder.command import SEGMENT_NAME_FORMAT
from custom_components.heldar.recorder.events import Event, EventState
from custom_components.heldar.recorder.failure import Reason
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.segments import segment_start
from custom_components.heldar.recorder.store import CameraStore
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    StaticSource,
    Timing,
)
from tests.media import RtspCamera, processes_with

from .helpers import StatusLog

MAIN = (1280, 720)
SUB = (320, 180)
PRE_ROLL = 4
GOP_SECONDS = 1.0
SEGMENT = 4


def frame_size(path: Path) -> tuple[int, int]:
    """Return a file's video width and height, as ffprobe reads them."""
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0"]
    argv += ["-show_entries", "stream=width,height", "-of", "json", str(path)]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30)
    stream = json.loads(result.stdout)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def clip_length(path: Path) -> float:
    """Return a file's duration in seconds."""
    argv = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
    result = subprocess.run([*argv, str(path)], capture_output=True, text=True, check=True)
    return float(result.stdout)


@pytest.fixture
def dual_camera(rtsp_camera: Callable[..., RtspCamera]) -> RtspCamera:
    """The real camera: main 1280x720 on /stream, sub 320x180 on /sub, 1 s GOP."""
    return rtsp_camera(width=MAIN[0], height=MAIN[1], bitrate=1500, sub_path="/sub", fps=25, gop=25)


class FFmpegCount:
    """Count, every 100 ms, the live FFmpeg processes recording into a camera's folder.

    Event clips are joined by short-lived FFmpeg runs of their own: only those writing
    segments (``folder/%Y%m%d_%H%M%S.mp4``) record.
    """

    def __init__(self, folder: Path) -> None:
        """Watch recording FFmpeg processes whose segments go into ``folder``."""
        self.folder = folder
        self.most = 0
        self.pids: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            needle = str(self.folder / SEGMENT_NAME_FORMAT)
            pids = await asyncio.to_thread(processes_with, needle)
            self.most = max(self.most, len(pids))
            self.pids.update(pids)
            await asyncio.sleep(0.1)

    def __enter__(self) -> FFmpegCount:  # noqa: PYI034
        """Start counting."""
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        """Stop counting."""
        if self._task is not None:
            self._task.cancel()


def dual_recorder(
    camera: RtspCamera,
    tmp_path: Path,
    log: StatusLog,
    timing: Timing,
    store: CameraStore | None = None,
    on_event: Callable[[Event, str], None] | None = None,
    sub_url: str = "",
    mode: RecordMode = RecordMode.SCHEDULED_EVENT,
) -> CameraRecorder:
    """A camera recording 24/7 on its sub-stream and events with pre-roll on its main one."""
    spec = CameraSpec(
        "gate",
        "Gate",
        StaticSource(camera.url),
        tmp_path / "cam",
        SEGMENT,
        pre_roll_seconds=PRE_ROLL,
        buffer_dir=tmp_path / "buffer",
        ffprobe="ffprobe",
        sub_source=StaticSource(sub_url or camera.sub_url),
    )
    return CameraRecorder(
        spec,
        ffmpeg_binary="ffmpeg",
        listener=log,
        timing=timing,
        demand=Demand(mode, schedule_active=True),
        event_listener=on_event,
        store=store,
    )


async def test_dual_footage_on_sub_events_on_main(dual_camera: RtspCamera, tmp_path: Path) -> None:
    """Sub-size footage all along, a main-size clip with its pre-roll, one FFmpeg throughout."""
    out = tmp_path / "cam"
    store = CameraStore("gate", "Gate", out, SegmentIndex(out, "ffprobe"))
    finished: list[Event] = []
    done = asyncio.Event()

    def on_event(event: Event, phase: str) -> None:
        if phase == "finished":
            finished.append(event)
            done.set()

    log = StatusLog()
    timing = Timing(poll_connecting=0.25, poll_recording=0.5)
    # Continuous mode: with a sub-stream and a pre-roll it takes triggers (the typical set-up).
    recorder = dual_recorder(
        dual_camera, tmp_path, log, timing, store, on_event, mode=RecordMode.CONTINUOUS
    )
    started = time.time()
    with FFmpegCount(out) as count:
        recorder.start()
        try:
            status = await log.wait_state(RecorderState.RECORDING, timeout=30)
            assert status.streams == {"sub": "recording", "main": "recording"}
            pid = recorder.pid
            assert "sub: h264 copied" in (status.media or "")
            assert "main: h264 copied" in (status.media or "")
            await asyncio.sleep(PRE_ROLL + 4)
            trigger_at = time.time()
            until = datetime.fromtimestamp(trigger_at, UTC) + timedelta(seconds=3)
            assert recorder.trigger(until, "door")
            await asyncio.wait_for(done.wait(), 40)
            await asyncio.sleep(SEGMENT)
            assert recorder.pid == pid  # one FFmpeg all along, never restarted
            assert recorder.status.state is RecorderState.RECORDING
        finally:
            await recorder.stop()
    stopped = time.time()
    assert count.most == 1
    assert count.pids == {pid}

    check_footage(store, (started, stopped))
    (event,) = finished
    check_event(out, event, trigger_at)


def check_footage(store: CameraStore, span: tuple[float, float]) -> None:
    """Footage: the sub-stream, continuous from start to stop, indexed as such."""
    started, stopped = span
    footage = sorted(store.directory.glob("*.mp4"))
    assert len(footage) >= 4
    assert all(frame_size(path) == SUB for path in footage)
    segments = store.index.segments
    assert [s.name for s in segments] == [p.name for p in footage]
    assert {s.stream for s in segments} == {"sub"}
    assert store.index.gaps() == []
    assert segments[0].start - started < 10
    assert stopped - segments[-1].end < 3


def check_event(out: Path, event: Event, trigger_at: float) -> None:
    """The event: the main stream, with its pre-roll, and nothing of it left as footage."""
    assert event.state is EventState.FINISHED
    assert event.stream == "main"
    assert event.clip is not None
    clip = out / event.clip
    assert frame_size(clip) == MAIN
    assert event.end is not None
    length = clip_length(clip)
    first_frame = event.end - length
    assert first_frame <= trigger_at - PRE_ROLL + 0.05
    assert first_frame >= trigger_at - PRE_ROLL - GOP_SECONDS - 0.2
    assert length >= PRE_ROLL + 3 - 0.1
    assert not any(ref.shared for ref in event.segments)


async def test_sub_stream_fails_alone(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """The sub-stream goes silent while the main one goes on: it says which, and falls back.

    The sub-stream is served by a camera process of its own here, so that it can be frozen
    (SIGSTOP: connections stay open, nothing flows) while the main stream's server goes on.
    The camera is then not recording both, says the sub-stream stalled, and records the main
    stream alone (footage and events) until the sub-stream answers again; then both again.
    """
    main = rtsp_camera(width=MAIN[0], height=MAIN[1], bitrate=1500, fps=25, gop=25)
    sub = rtsp_camera(width=SUB[0], height=SUB[1], bitrate=150, fps=25, gop=25)
    out = tmp_path / "cam"
    log = StatusLog()
    timing = Timing(
        poll_connecting=0.25,
        poll_recording=0.5,
        connect_timeout=12,
        stall_floor=3,
        stream_recheck=2,
    )
    recorder = dual_recorder(main, tmp_path, log, timing, sub_url=sub.url)
    with FFmpegCount(out) as count:
        recorder.start()
        try:
            await log.wait_state(RecorderState.RECORDING, timeout=30)
            first_pid = recorder.pid
            sub.pause()
            silenced = time.time()
            failed = await log.wait_for(
                lambda s: (s.streams or {}).get("sub") == "stalled", timeout=40
            )
            assert failed.state is RecorderState.OFFLINE
            assert failed.reason is Reason.STALLED
            # The main stream answered on its own: it only stopped because FFmpeg did.
            assert failed.streams == {"sub": "stalled", "main": "stopped"}
            assert (failed.last_error or "").startswith("sub-stream stalled: ")

            # Meanwhile the main stream records alone: footage at its own size.
            alone = await log.wait_for(
                lambda s: s.state is RecorderState.RECORDING and s.streams == {"sub": "down"},
                timeout=30,
            )
            assert alone.pid not in {None, first_pid}
            fallback = await footage_after(out, time.time(), timeout=20)
            assert frame_size(fallback) == MAIN

            sub.resume()
            resumed = time.time()
            back = await log.wait_for(
                lambda s: (
                    s.state is RecorderState.RECORDING
                    and s.since.timestamp() > resumed
                    and s.streams == {"sub": "recording", "main": "recording"}
                ),
                timeout=60,
            )
            assert back.pid not in {None, first_pid, alone.pid}
            assert back.since.timestamp() > silenced
            assert frame_size(await footage_after(out, time.time(), timeout=20)) == SUB
        finally:
            await recorder.stop()
    assert count.most == 1  # restarted, never doubled


async def footage_after(folder: Path, since: float, timeout: float) -> Path:
    """Wait for a footage segment begun after ``since`` to close; return it."""
    async with asyncio.timeout(timeout):
        while True:
            newer = [
                path
                for path in sorted(folder.glob("*.mp4"))
                if (start := segment_start(path.name)) and start.timestamp() >= since
            ]
            if len(newer) >= 2:  # the first one has closed
                return newer[0]
            await asyncio.sleep(0.25)
