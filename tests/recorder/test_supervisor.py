"""The camera recorder's supervision, driven by a fake FFmpeg for speed.

Every behaviour here is also exercised against real FFmpeg and the real RTSP server in
test_supervisor_real.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import itertools
from pathlib import Path
import time

import pytest

from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.segments import SEGMENT_RE, segment_name
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    SourceUnavailableError,
    StaticSource,
)
from tests.media import pid_alive

from .helpers import FAST, StatusLog, fake_signals, fake_starts, wait_until

PASSWORD = "p@ss/w:rd%21"


def make_recorder(
    binary: Path | str,
    out: Path,
    log: StatusLog,
    *,
    record_audio: bool = False,
    enabled: bool = True,
    source: object | None = None,
) -> CameraRecorder:
    """Return a recorder for a camera whose password is hard to mask."""
    spec = CameraSpec(
        camera_id="cam",
        name="Cam",
        source=source or StaticSource("rtsp://cam.local/s", "admin", PASSWORD),  # type: ignore[arg-type]
        output_dir=out / "cam",
        segment_seconds=2,
        record_audio=record_audio,
    )
    return CameraRecorder(
        spec, ffmpeg_binary=str(binary), listener=log, timing=FAST, enabled=enabled
    )


async def test_recording_follows_segment_growth(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """connecting, then recording once segments grow; stop leaves no process behind."""
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    recording = await log.wait_state(RecorderState.RECORDING)
    assert log.states[:2] == [RecorderState.CONNECTING, RecorderState.RECORDING]
    assert recording.pid is not None
    await log.wait_for(lambda s: s.last_segment is not None)
    pid = recorder.pid
    await recorder.stop()
    assert pid is not None
    assert not pid_alive(pid)
    assert fake_signals(tmp_path / "fake_ffmpeg.log") == {pid: ["SIGINT"]}
    assert not recorder.running
    files = sorted((tmp_path / "cam").iterdir())
    assert files
    assert all(SEGMENT_RE.match(f.name) for f in files)
    argv = fake_starts(tmp_path / "fake_ffmpeg.log")[0]["argv"]
    assert isinstance(argv, list)
    assert "-an" in argv
    assert any("admin:p%40ss%2Fw%3Ard%2521@cam.local" in str(arg) for arg in argv)


async def test_failures_back_off_and_mask_the_error(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each exit counts a reconnect; the delays double to the cap; the error is masked."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv(
        "HELDAR_FAKE_STDERR",
        "rtsp://admin:p%40ss%2Fw%3Ard%2521@cam.local/s: Connection refused\n",
    )
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    await log.wait_for(lambda s: s.reconnects >= 5)
    await recorder.stop()

    status = log.latest
    assert status.state is RecorderState.OFFLINE
    assert status.last_error is not None
    assert "Connection refused" in status.last_error
    assert "rtsp://***@cam.local/s" in status.last_error
    for seen in log.history:
        assert PASSWORD not in str(seen)
        assert "p%40ss" not in str(seen)

    times = [float(start["time"]) for start in fake_starts(tmp_path / "fake_ffmpeg.log")]  # type: ignore[arg-type]
    gaps = [b - a for a, b in itertools.pairwise(times)][:4]
    # Delays of 0.1, 0.2, 0.4, 0.4 s (FAST), plus process start-up time.
    for gap, delay in zip(gaps, [0.1, 0.2, 0.4, 0.4], strict=True):
        assert delay <= gap < delay + 0.5


async def test_wrong_password_is_an_error_without_busy_loop(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 401 puts the camera in error and keeps backing off."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_STDERR", "method DESCRIBE failed: 401 Unauthorized\n")
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    status = await log.wait_state(RecorderState.ERROR)
    assert status.last_error is not None
    assert "username or password" in status.last_error
    await asyncio.sleep(1.0)
    await recorder.stop()
    # With 0.1, 0.2, 0.4, 0.4 ... s delays, one second allows a handful of attempts, not hundreds.
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) <= 6


async def test_missing_ffmpeg_is_an_error(tmp_path: Path) -> None:
    """A missing binary is a clear error, retried with backoff, not counted as a reconnect."""
    log = StatusLog()
    recorder = make_recorder(tmp_path / "no-such-ffmpeg", tmp_path, log)
    recorder.start()
    status = await log.wait_state(RecorderState.ERROR)
    await recorder.stop()
    assert status.last_error is not None
    assert "no-such-ffmpeg" in status.last_error
    assert status.reconnects == 0


async def test_unavailable_source_is_an_error(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """A source that cannot give a URL (a missing camera entity) is reported as such."""

    class Missing:
        async def resolve(self) -> str:
            msg = "camera.front is not available"
            raise SourceUnavailableError(msg)

    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log, source=Missing())
    recorder.start()
    status = await log.wait_state(RecorderState.ERROR)
    await recorder.stop()
    assert status.last_error == "camera.front is not available"
    assert not fake_starts(tmp_path / "fake_ffmpeg.log")


async def test_unwritable_storage_is_an_error(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """A storage path that cannot be created is reported, not crashed on."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, blocker, log)
    recorder.start()
    status = await log.wait_state(RecorderState.ERROR)
    await recorder.stop()
    assert status.last_error is not None
    assert "cannot create" in status.last_error


async def test_silent_stream_is_restarted(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream that stops sending (socket open, no packets) is detected and restarted."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "silent")
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    await log.wait_state(RecorderState.RECORDING)
    status = await log.wait_for(lambda s: s.reconnects >= 1, timeout=5)
    await recorder.stop()
    assert status.state is RecorderState.OFFLINE
    assert status.last_error is not None
    assert "stopped sending media" in status.last_error
    starts = fake_starts(tmp_path / "fake_ffmpeg.log")
    assert all(not pid_alive(int(str(start["pid"]))) for start in starts)


@pytest.mark.parametrize(("progress", "restarted"), [("on", False), ("off", True)])
async def test_long_gop_is_not_mistaken_for_silence(
    fake_ffmpeg: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    progress: str,
    restarted: bool,  # noqa: FBT001
) -> None:
    """A file that grows once per long GOP is alive while FFmpeg reports media advancing.

    Without FFmpeg's progress reports the same camera looks silent between keyframes and is
    restarted, which is why the reports are the liveness signal.
    """
    monkeypatch.setenv("HELDAR_FAKE_MODE", "longgop")
    monkeypatch.setenv("HELDAR_FAKE_GOP", "1.5")  # FAST stalls after 0.6 s without progress
    monkeypatch.setenv("HELDAR_FAKE_PROGRESS", progress)
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    await log.wait_state(RecorderState.RECORDING)
    await asyncio.sleep(3.5)
    await recorder.stop()
    assert (log.latest.reconnects > 0) is restarted
    assert (RecorderState.OFFLINE in log.states) is restarted


async def test_no_media_after_connecting_is_restarted(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An FFmpeg that connects but never writes is stopped after the connect timeout."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_DELAY", "60")
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    status = await log.wait_for(lambda s: s.reconnects >= 1, timeout=5)
    await recorder.stop()
    assert status.last_error is not None
    assert "no media arrived" in status.last_error
    assert RecorderState.RECORDING not in log.states


async def test_a_run_never_takes_an_earlier_runs_file(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """A run started in the second an earlier run named its last file leaves that file alone.

    FFmpeg would have written over it (its name is the second it opens a file), and the run
    would have shown ``recording`` on the earlier run's footage.
    """
    log = StatusLog()
    folder = tmp_path / "cam"
    folder.mkdir()
    await asyncio.sleep(1 - time.time() % 1)  # early in a second: the run starts within it
    earlier = folder / segment_name(time.time())
    earlier.write_bytes(b"the earlier run's footage")
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    await log.wait_for(lambda s: s.last_segment is not None)
    await recorder.stop()
    assert earlier.read_bytes() == b"the earlier run's footage"
    named = {segment_name(s.last_segment.timestamp()) for s in log.history if s.last_segment}
    assert named
    assert earlier.name not in named


async def test_switch_off_and_on(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """Disabling stops FFmpeg gracefully and shows disabled; enabling records again."""
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    first = await log.wait_state(RecorderState.RECORDING)
    recorder.set_enabled(False)
    recorder.set_enabled(False)  # idempotent
    disabled = await log.wait_state(RecorderState.DISABLED)
    assert disabled.pid is None
    assert first.pid is not None
    await wait_until(lambda: not pid_alive(first.pid or 0))
    recorder.set_enabled(True)
    second = await log.wait_state(RecorderState.RECORDING)
    await recorder.stop()
    assert second.pid != first.pid
    assert second.reconnects == 0  # pausing is not a failure


async def test_starts_disabled(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """A camera whose switch is off starts no FFmpeg at all."""
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log, enabled=False)
    assert recorder.status.state is RecorderState.DISABLED
    recorder.start()
    recorder.start()  # starting twice does not start a second task
    await asyncio.sleep(0.3)
    await recorder.stop()
    assert not fake_starts(tmp_path / "fake_ffmpeg.log")


async def test_audio_mp4_cannot_hold_is_transcoded(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """G.711 audio makes the MP4 muxer refuse; the next start transcodes audio to AAC."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv(
        "HELDAR_FAKE_STDERR",
        "[mp4 @ 0x1] Could not find tag for codec pcm_alaw in stream #1, "
        "codec not currently supported in container\n",
    )
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log, record_audio=True)
    recorder.start()
    await log.wait_for(lambda s: s.reconnects >= 2)
    await recorder.stop()
    starts = fake_starts(tmp_path / "fake_ffmpeg.log")
    first, second = (start["argv"] for start in starts[:2])
    assert isinstance(first, list)
    assert isinstance(second, list)
    assert first[first.index("-c:a") + 1] == "copy"
    assert second[second.index("-c:a") + 1] == "aac"


async def test_cancelled_task_kills_ffmpeg(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """If the host cancels the task (HA shutting down), FFmpeg does not outlive it."""
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    tasks: list[asyncio.Task[None]] = []

    def factory(coro: object, name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)  # type: ignore[arg-type]
        tasks.append(task)
        return task

    recorder.start(factory)
    status = await log.wait_state(RecorderState.RECORDING)
    assert status.pid is not None
    tasks[0].cancel()
    await recorder.stop()
    # Reaped before the task ended: no zombie left behind, not even its /proc entry.
    assert not Path(f"/proc/{status.pid}").exists()


async def test_stop_during_backoff_is_prompt(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recorder waiting out a backoff stops at once."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    await log.wait_for(lambda s: s.reconnects >= 3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await recorder.stop()
    assert loop.time() - started < 0.3


def mode_recorder(
    binary: Path, out: Path, log: StatusLog, mode: RecordMode, *, enabled: bool = True
) -> CameraRecorder:
    """Return a recorder in ``mode`` with the fast test timings."""
    spec = CameraSpec("cam", "Cam", StaticSource("rtsp://cam.local/s"), out / "cam", 2)
    return CameraRecorder(
        spec,
        ffmpeg_binary=str(binary),
        listener=log,
        timing=FAST,
        demand=Demand(mode),
        enabled=enabled,
    )


async def test_event_camera_idles_then_records_for_the_window(
    fake_ffmpeg: Path, tmp_path: Path
) -> None:
    """Idle with no FFmpeg; a trigger records; the window end stops it within a second."""
    log = StatusLog()
    recorder = mode_recorder(fake_ffmpeg, tmp_path, log, RecordMode.EVENT)
    recorder.start()
    await asyncio.sleep(0.3)
    assert recorder.status.state is RecorderState.IDLE
    assert not fake_starts(tmp_path / "fake_ffmpeg.log")

    end = datetime.now(UTC) + timedelta(seconds=1.5)
    assert recorder.trigger(end)
    assert recorder.status.window_end == end
    recording = await log.wait_state(RecorderState.RECORDING)
    # A second trigger extends; an earlier end does not shorten.
    later = end + timedelta(seconds=1)
    assert recorder.trigger(later)
    assert not recorder.trigger(end)
    idle = await log.wait_for(lambda s: s.state is RecorderState.IDLE and s.since > recording.since)
    await recorder.stop()
    assert 0 <= (idle.since - later).total_seconds() < 1.0
    assert idle.window_end is None
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == 1  # one FFmpeg for the window
    assert idle.reconnects == 0


async def test_trigger_burst_is_one_window(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """A thousand triggers leave one FFmpeg and one window."""
    log = StatusLog()
    recorder = mode_recorder(fake_ffmpeg, tmp_path, log, RecordMode.EVENT)
    recorder.start()
    base = datetime.now(UTC)
    moved = [recorder.trigger(base + timedelta(seconds=10, milliseconds=i)) for i in range(1000)]
    assert all(moved)
    await log.wait_state(RecorderState.RECORDING)
    await asyncio.sleep(0.5)
    starts = fake_starts(tmp_path / "fake_ffmpeg.log")
    await recorder.stop()
    assert len(starts) == 1
    assert recorder.status.window_end == base + timedelta(seconds=10, milliseconds=999)


async def test_schedule_opens_and_closes_without_restarts(
    fake_ffmpeg: Path, tmp_path: Path
) -> None:
    """A scheduled camera records while its schedule is open, and is never restarted inside."""
    log = StatusLog()
    recorder = mode_recorder(fake_ffmpeg, tmp_path, log, RecordMode.SCHEDULED)
    recorder.start()
    await asyncio.sleep(0.2)
    assert recorder.status.state is RecorderState.IDLE
    recorder.set_schedule_active(True)
    first = await log.wait_state(RecorderState.RECORDING)
    recorder.set_schedule_active(True)  # a repeated "open" changes nothing
    recorder.trigger(datetime.now(UTC) + timedelta(seconds=60))  # ignored by this mode
    await asyncio.sleep(0.4)
    assert recorder.status.pid == first.pid
    recorder.set_schedule_active(False)
    await log.wait_state(RecorderState.IDLE)
    await recorder.stop()
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == 1


async def test_scheduled_event_records_on_either(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """scheduled_event records for a trigger and for an open schedule, one FFmpeg across both."""
    log = StatusLog()
    recorder = mode_recorder(fake_ffmpeg, tmp_path, log, RecordMode.SCHEDULED_EVENT)
    recorder.start()
    recorder.trigger(datetime.now(UTC) + timedelta(seconds=0.8))
    recording = await log.wait_state(RecorderState.RECORDING)
    recorder.set_schedule_active(True)  # the schedule opens before the window ends
    await asyncio.sleep(1.2)
    assert recorder.status.state is RecorderState.RECORDING
    assert recorder.status.pid == recording.pid
    recorder.set_schedule_active(False)
    await log.wait_state(RecorderState.IDLE)
    await recorder.stop()


async def test_mode_change_in_place(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """Switching modes starts or stops FFmpeg as needed without a new recorder."""
    log = StatusLog()
    recorder = mode_recorder(fake_ffmpeg, tmp_path, log, RecordMode.CONTINUOUS)
    recorder.start()
    await log.wait_state(RecorderState.RECORDING)
    recorder.set_mode(RecordMode.EVENT)
    recorder.set_mode(RecordMode.EVENT)
    idle = await log.wait_state(RecorderState.IDLE)
    assert idle.mode is RecordMode.EVENT
    recorder.set_mode(RecordMode.CONTINUOUS)
    await log.wait_state(RecorderState.RECORDING)
    await recorder.stop()


async def test_switch_off_beats_a_trigger(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """With the switch off a trigger is refused and records nothing; on again, one records."""
    log = StatusLog()
    recorder = mode_recorder(fake_ffmpeg, tmp_path, log, RecordMode.EVENT, enabled=False)
    recorder.start()
    assert not recorder.trigger(datetime.now(UTC) + timedelta(seconds=5))
    await asyncio.sleep(0.3)
    assert recorder.status.state is RecorderState.DISABLED
    assert recorder.status.window_end is None
    assert not fake_starts(tmp_path / "fake_ffmpeg.log")
    recorder.set_enabled(True)
    await log.wait_state(RecorderState.IDLE)
    assert recorder.trigger(datetime.now(UTC) + timedelta(seconds=5))
    await log.wait_state(RecorderState.RECORDING)
    await recorder.stop()
