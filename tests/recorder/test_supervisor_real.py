"""The camera recorder against real FFmpeg and the real GStreamer RTSP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    StaticSource,
    Timing,
)
from tests.media import (
    RtspCamera,
    duration,
    ffprobe,
    pid_alive,
    processes_with,
    recording_ffmpeg,
)

from .helpers import StatusLog

PASSWORD = "p@ss/w:rd%21"
REAL = Timing(poll_connecting=0.25, poll_recording=0.5)


def recorder_for(camera: RtspCamera, out: Path, log: StatusLog, password: str) -> CameraRecorder:
    """Return a recorder of the test camera, 2-second segments."""
    spec = CameraSpec(
        camera_id="cam",
        name="Cam",
        source=StaticSource(camera.url, camera.user, password),
        output_dir=out,
        segment_seconds=2,
    )
    return CameraRecorder(spec, ffmpeg_binary=recording_ffmpeg(), listener=log, timing=REAL)


async def wait_for_files(folder: Path, count: int, timeout: float = 30) -> list[Path]:
    """Wait until ``folder`` holds ``count`` segments."""
    async with asyncio.timeout(timeout):
        while len(files := sorted(folder.glob("*.mp4"))) < count:
            await asyncio.sleep(0.25)
    return files


async def test_records_playable_segments(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """Three full segments and a clean last one, each 2 s long, from a password camera."""
    camera = rtsp_camera(user="admin", password=PASSWORD)
    log = StatusLog()
    recorder = recorder_for(camera, tmp_path, log, PASSWORD)
    recorder.start()
    status = await log.wait_state(RecorderState.RECORDING, timeout=15)
    assert status.pid is not None
    await wait_for_files(tmp_path, 5)
    await recorder.stop()
    assert not pid_alive(status.pid)

    files = sorted(tmp_path.glob("*.mp4"))
    durations = [duration(path) for path in files]  # every file, the last included, plays
    for middle in durations[1:-1]:
        assert abs(middle - 2.0) <= 0.2
    assert ffprobe(files[0])["streams"][0]["codec_name"] == "h264"
    assert log.latest.last_segment is not None
    assert log.latest.reconnects == 0


async def test_server_loss_and_recovery(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """Killing the server makes the camera offline; bringing it back makes it record again."""
    camera = rtsp_camera(user="admin", password=PASSWORD)
    log = StatusLog()
    recorder = recorder_for(camera, tmp_path, log, PASSWORD)
    recorder.start()
    first = await log.wait_state(RecorderState.RECORDING, timeout=15)
    await asyncio.sleep(1)

    camera.stop()
    offline = await log.wait_for(lambda s: s.state is RecorderState.OFFLINE, timeout=20)
    assert offline.reconnects >= 1
    assert offline.last_error
    for status in log.history:
        assert PASSWORD not in str(status)
        assert "p%40ss" not in str(status)
    assert first.pid is not None
    assert not pid_alive(first.pid)

    camera.start()
    again = await log.wait_for(
        lambda s: s.state is RecorderState.RECORDING and s.pid != first.pid, timeout=40
    )
    await recorder.stop()
    assert again.last_error is None
    assert processes_with(str(tmp_path)) == []
    for path in tmp_path.glob("*.mp4"):
        assert duration(path) > 0


async def test_wrong_password(rtsp_camera: Callable[..., RtspCamera], tmp_path: Path) -> None:
    """A refused login is an error, retried slowly, and the password never shows."""
    camera = rtsp_camera(user="admin", password=PASSWORD)
    log = StatusLog()
    recorder = recorder_for(camera, tmp_path, log, "wrong/pass@word")
    recorder.start()
    status = await log.wait_state(RecorderState.ERROR, timeout=15)
    await asyncio.sleep(3)
    await recorder.stop()
    assert status.last_error is not None
    assert "username or password" in status.last_error
    # 1 + 2 s of backoff in those 3 s: no more than three attempts.
    assert log.latest.reconnects <= 3
    assert "wrong/pass@word" not in str(log.history)
    assert not list(tmp_path.glob("*.mp4"))


async def test_repeated_stops_leave_only_playable_files(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """Stopping at any moment, even right after a segment opened, leaves no unplayable file."""
    camera = rtsp_camera()
    for run_seconds in (2.1, 3.05, 4.0, 2.6):
        log = StatusLog()
        recorder = recorder_for(camera, tmp_path, log, "")
        recorder.start()
        await log.wait_state(RecorderState.RECORDING, timeout=15)
        await asyncio.sleep(run_seconds)
        await recorder.stop()
    files = sorted(tmp_path.glob("*.mp4"))
    assert len(files) >= 8
    for path in files:
        assert duration(path) > 0.0
