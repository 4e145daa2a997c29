"""Every output on the clock: frame rate and lag behind the wall clock, per run shape.

The test camera marks its picture about once a second and logs when it sent each mark
(``scripts/rtsp_camera.py --marks``); ``tests/footage_clock.py`` finds the marks in what the
recorder wrote. Each output must hold the camera's 25 fps within 5 % and stay at most 1 s
behind the clock, a lag that does not grow. The shapes: one stream, a pre-roll buffer, an MJPEG
transcode, a dual-stream camera's split run (sub-stream footage, main-stream events) and, in
``test_dual_fallback_real.py``, each stream alone after the other failed. These tests run twice
in ``scripts/test``: with Debian's FFmpeg 5.1 and with the newest FFmpeg from PyPI (9.0, no
ffprobe beside it). The five-minute runs are ``bench/clock.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from pathlib import Path
import subprocess

import pytest

from custom_components.heldar.recorder.command import SEGMENT_NAME_FORMAT
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    StaticSource,
    Timing,
)
from tests.footage_clock import Births, Verdict, dated, judge, read_marks
from tests.media import (
    RtspCamera,
    processes_with,
    recording_ffmpeg,
    recording_ffprobe,
)

from .helpers import StatusLog

FPS = 25
RECORD_SECONDS = 30
TIMING = Timing(poll_connecting=0.25, poll_recording=0.5)


def codec_of(path: Path) -> str:
    """Return a file's video codec, as ffprobe reads it."""
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0"]
    argv += ["-show_entries", "stream=codec_name", "-of", "json", str(path)]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30)
    return str(json.loads(result.stdout)["streams"][0]["codec_name"])


def marked_camera(
    rtsp_camera: Callable[..., RtspCamera], marks: Path, **options: str | int
) -> RtspCamera:
    """A 25 fps camera with a 2 s GOP whose picture carries its time into ``marks``."""
    return rtsp_camera(fps=FPS, gop=2 * FPS, marks=str(marks), **options)


def recorder_for(
    spec: CameraSpec, log: StatusLog, mode: RecordMode = RecordMode.CONTINUOUS
) -> CameraRecorder:
    """A recorder of ``spec`` with the FFmpeg under test."""
    demand = Demand(mode, schedule_active=True)
    return CameraRecorder(
        spec, ffmpeg_binary=recording_ffmpeg(), listener=log, timing=TIMING, demand=demand
    )


def verdict_of(births: Births, folder: Path, marks: Path, mount: str) -> Verdict:
    """Judge what first appeared in ``folder`` against ``mount``'s marks."""
    return judge(dated(births.segments(folder)), read_marks(marks), mount)


async def test_one_stream_preroll_and_mjpeg_on_the_clock(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """One stream, a pre-roll buffer and an MJPEG transcode, recorded side by side."""
    marks = tmp_path / "marks.log"
    h264 = marked_camera(rtsp_camera, marks)
    mjpeg = marked_camera(rtsp_camera, tmp_path / "mjpeg-marks.log", codec="mjpeg")
    ffprobe = recording_ffprobe()
    plain = CameraSpec("one", "One", StaticSource(h264.url), tmp_path / "one", 4, ffprobe=ffprobe)
    buffered = CameraSpec(
        "pre",
        "Pre",
        StaticSource(h264.url),
        tmp_path / "pre",
        4,
        ffprobe=ffprobe,
        pre_roll_seconds=4,
        buffer_dir=tmp_path / "pre-buffer",
    )
    # The transcode needs the probe's word that the camera sends MJPEG: without an ffprobe
    # (FFmpeg 9's run) it is given the system one, and the copy is judged alone below.
    transcoded = CameraSpec(
        "mj", "Mj", StaticSource(mjpeg.url), tmp_path / "mj", 4, ffprobe=ffprobe or "ffprobe"
    )
    logs = [StatusLog() for _ in range(3)]
    recorders = [
        recorder_for(plain, logs[0]),
        recorder_for(buffered, logs[1], RecordMode.SCHEDULED_EVENT),
        recorder_for(transcoded, logs[2]),
    ]
    folders = (tmp_path / "one", tmp_path / "pre-buffer", tmp_path / "mj")
    with Births(*folders, keep=tmp_path / "kept") as births:
        for recorder in recorders:
            recorder.start()
        try:
            for log in logs:
                await log.wait_state(RecorderState.RECORDING, timeout=40)
            await asyncio.sleep(RECORD_SECONDS)
        finally:
            await asyncio.gather(*(recorder.stop() for recorder in recorders))
    one = verdict_of(births, tmp_path / "one", marks, "/stream")
    pre = verdict_of(births, tmp_path / "pre-buffer", marks, "/stream")
    mj = verdict_of(births, tmp_path / "mj", tmp_path / "mjpeg-marks.log", "/stream")
    # The buffered footage was moved into the camera folder: the same files, judged above.
    assert len(list((tmp_path / "pre").glob("*.mp4"))) >= RECORD_SECONDS // 2 - 2
    assert codec_of(births.segments(tmp_path / "mj")[-1][0]) == "h264"
    for label, verdict in (("one stream", one), ("pre-roll buffer", pre), ("mjpeg", mj)):
        verdict.check(FPS, label=label)


@pytest.mark.skipif(recording_ffprobe() is not None, reason="the no-ffprobe path")
async def test_mjpeg_copied_without_ffprobe_on_the_clock(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """With no ffprobe (FFmpeg 9's run), MJPEG is copied as it comes, and still on the clock."""
    marks = tmp_path / "marks.log"
    mjpeg = marked_camera(rtsp_camera, marks, codec="mjpeg")
    spec = CameraSpec("mj", "Mj", StaticSource(mjpeg.url), tmp_path / "mj", 4, ffprobe=None)
    log = StatusLog()
    recorder = recorder_for(spec, log)
    with Births(tmp_path / "mj", keep=tmp_path / "kept") as births:
        recorder.start()
        try:
            await log.wait_state(RecorderState.RECORDING, timeout=40)
            await asyncio.sleep(RECORD_SECONDS)
        finally:
            await recorder.stop()
    assert codec_of(births.segments(tmp_path / "mj")[-1][0]) == "mjpeg"
    verdict_of(births, tmp_path / "mj", marks, "/stream").check(FPS, label="mjpeg copied")


def recording_pids(folder: Path) -> list[int]:
    """The live FFmpeg processes writing segments into ``folder``."""
    return processes_with(str(folder / SEGMENT_NAME_FORMAT))


def urls_of(pid: int) -> list[str]:
    """The stream URLs in a process's command line."""
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return [arg.decode() for arg in args if arg.startswith(b"rtsp://")]


async def test_split_run_both_outputs_on_the_clock(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """A 1280x720 main stream and a 320x180 sub-stream: each output at 25 fps, on the clock.

    One FFmpeg per stream, each reading only its own stream and writing only its own folder
    (footage: the camera folder; events: the pre-roll buffer). Before, one FFmpeg read both:
    its sub-stream output held 10.5 fps on FFmpeg 5.1 and 3.75 on 9.0, 10 to 24 s behind.
    """
    marks = tmp_path / "marks.log"
    camera = marked_camera(
        rtsp_camera, marks, width=1280, height=720, bitrate=1500, sub_path="/sub"
    )
    out, buffer = tmp_path / "cam", tmp_path / "buffer"
    spec = CameraSpec(
        "gate",
        "Gate",
        StaticSource(camera.url),
        out,
        4,
        pre_roll_seconds=4,
        buffer_dir=buffer,
        ffprobe=recording_ffprobe(),
        sub_source=StaticSource(camera.sub_url),
    )
    log = StatusLog()
    recorder = recorder_for(spec, log)
    with Births(out, buffer, keep=tmp_path / "kept") as births:
        recorder.start()
        try:
            status = await log.wait_state(RecorderState.RECORDING, timeout=40)
            assert status.streams == {"sub": "recording", "main": "recording"}
            footage, events = recording_pids(out), recording_pids(buffer)
            assert len(footage) == len(events) == 1
            assert urls_of(footage[0]) == [camera.sub_url]
            assert urls_of(events[0]) == [camera.url]
            await asyncio.sleep(RECORD_SECONDS)
            assert recording_pids(out) == footage  # neither restarted
            assert recording_pids(buffer) == events
        finally:
            await recorder.stop()
    assert recording_pids(out) == recording_pids(buffer) == []
    verdict_of(births, out, marks, "/sub").check(FPS, label="footage (sub)")
    verdict_of(births, buffer, marks, "/stream").check(FPS, label="events (main)")
