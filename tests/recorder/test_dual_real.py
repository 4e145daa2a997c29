"""A camera with a sub-stream, against real FFmpeg and the real RTSP camera serving two sizes.

The footage (24/7) is the 320x180 sub-stream, the events with their pre-roll are the 1280x720
main stream: one FFmpeg per stream. Files are checked with ffprobe; a failing stream's fallback
is timed and its footage judged against the camera's clock (``tests/footage_clock.py``).
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
from tests.media import RtspCamera, processes_with, recording_ffmpeg, recording_ffprobe

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
    """Count, every 100 ms, the live processes whose command line holds each needle.

    Needles are a folder's segment pattern (``folder/%Y%m%d_%H%M%S.mp4``: the FFmpeg writing
    it; event clips are joined by short-lived FFmpeg runs of their own, which do not match) or
    a stream's URL (every process reading it: the recording FFmpeg, a probe).
    """

    def __init__(self, *needles: str) -> None:
        """Count the processes holding each of ``needles``."""
        self.needles = needles
        self.most = dict.fromkeys(needles, 0)
        self.pids: dict[str, set[int]] = {needle: set() for needle in needles}
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def writing(cls, *folders: Path) -> FFmpegCount:
        """Count the FFmpeg writing segments into each of ``folders``."""
        return cls(*(str(folder / SEGMENT_NAME_FORMAT) for folder in folders))

    async def _run(self) -> None:
        while True:
            for needle in self.needles:
                pids = await asyncio.to_thread(processes_with, needle)
                self.most[needle] = max(self.most[needle], len(pids))
                self.pids[needle].update(pids)
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
        ffprobe=recording_ffprobe(),
        sub_source=StaticSource(sub_url or camera.sub_url),
    )
    return CameraRecorder(
        spec,
        ffmpeg_binary=recording_ffmpeg(),
        listener=log,
        timing=timing,
        demand=Demand(mode, schedule_active=True),
        event_listener=on_event,
        store=store,
    )


async def test_dual_footage_on_sub_events_on_main(dual_camera: RtspCamera, tmp_path: Path) -> None:
    """Sub-size footage all along, a main-size clip with its pre-roll, one FFmpeg per stream."""
    out, buffer = tmp_path / "cam", tmp_path / "buffer"
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
    needles = (dual_camera.url, dual_camera.sub_url)
    with FFmpegCount.writing(out, buffer) as count, FFmpegCount(*needles) as readers:
        recorder.start()
        try:
            status = await log.wait_state(RecorderState.RECORDING, timeout=30)
            assert status.streams == {"sub": "recording", "main": "recording"}
            pids = recorder.pids
            assert len(pids) == 2
            if recording_ffprobe() is not None:
                assert "sub: h264 copied" in (status.media or "")
                assert "main: h264 copied" in (status.media or "")
            await asyncio.sleep(PRE_ROLL + 4)
            trigger_at = time.time()
            until = datetime.fromtimestamp(trigger_at, UTC) + timedelta(seconds=3)
            assert recorder.trigger(until, "door")
            await asyncio.wait_for(done.wait(), 40)
            await asyncio.sleep(SEGMENT)
            assert recorder.pids == pids  # never restarted
            assert recorder.status.state is RecorderState.RECORDING
        finally:
            await recorder.stop()
    stopped = time.time()
    # One writer per folder, each stream read by one process, nothing left.
    assert set(count.most.values()) == {1}
    assert set().union(*count.pids.values()) == set(pids)
    assert set(readers.most.values()) == {1}
    assert processes_with(str(out)) == processes_with(str(buffer)) == []

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
