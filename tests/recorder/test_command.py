"""FFmpeg command lines, and proof against a real stream that the recording flags are clean."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
import signal

from custom_components.heldar.recorder.command import AudioMode, RecordCommand, probe_argv
from custom_components.heldar.recorder.segments import segment_start
from tests.media import RtspCamera, duration, ffprobe, first_frame_is_keyframe


def test_rtsp_command() -> None:
    """RTSP inputs get TCP transport and the socket timeout; output is fragmented MP4."""
    argv = RecordCommand("ffmpeg", "rtsp://h/s", Path("/rec/cam"), 60).argv()
    assert argv[0] == "ffmpeg"
    assert argv[argv.index("-rtsp_transport") + 1] == "tcp"
    assert argv[argv.index("-timeout") + 1] == "15000000"
    assert argv.index("-timeout") < argv.index("-i")
    assert argv[argv.index("-i") + 1] == "rtsp://h/s"
    assert argv[argv.index("-c:v") + 1] == "copy"
    assert "-an" in argv
    assert argv[argv.index("-segment_time") + 1] == "60"
    assert (
        "movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1"
        in argv
    )
    # Packets are stamped on arrival; probe packets (a session's first keyframe) are kept.
    assert argv[argv.index("-use_wallclock_as_timestamps") + 1] == "1"
    assert argv.index("-use_wallclock_as_timestamps") < argv.index("-i")
    assert "nobuffer" not in argv
    assert argv[-1] == "/rec/cam/%Y%m%d_%H%M%S.mp4"
    assert argv[argv.index("-strftime") + 1] == "1"
    assert argv[argv.index("-reset_timestamps") + 1] == "1"


def test_http_command_has_no_rtsp_options() -> None:
    """http(s) sources must not get -rtsp_transport or the RTSP meaning of -timeout."""
    argv = RecordCommand("ffmpeg", "https://h/s.m3u8", Path("/r"), 1, AudioMode.COPY).argv()
    assert "-rtsp_transport" not in argv
    assert "-timeout" not in argv
    assert argv[argv.index("-segment_time") + 1] == "2"  # never below 2 s
    assert argv[argv.index("-c:a") + 1] == "copy"


def test_aac_audio() -> None:
    """Audio MP4 cannot hold is re-encoded to AAC; video stays a copy."""
    argv = RecordCommand("ffmpeg", "rtsp://h/s", Path("/r"), 10, AudioMode.AAC).argv()
    assert argv[argv.index("-c:a") + 1] == "aac"
    assert argv[argv.index("-c:v") + 1] == "copy"


def test_probe_command() -> None:
    """The probe copies one video packet to nowhere, with the socket timeout set."""
    argv = probe_argv("ff", "rtsp://h/s", 5)
    assert argv[argv.index("-timeout") + 1] == "5000000"
    assert argv[-3:] == ["-f", "null", "-"]
    assert "-rtsp_transport" not in probe_argv("ff", "http://h/s", 5)


async def test_recording_flags_are_clean_and_gap_free(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """Real FFmpeg, real RTSP: no timestamp warnings, every segment plays, no gaps.

    This is the test behind the input flags in command.py. The first packet, the keyframe
    the camera sends when the session starts, is kept (``-fflags nobuffer`` dropped it).
    """
    camera = rtsp_camera(fps=25, gop=25)
    argv = RecordCommand("ffmpeg", camera.url, tmp_path, 2).argv()
    process = await asyncio.create_subprocess_exec(
        *argv, stderr=asyncio.subprocess.PIPE, env={"TZ": "UTC"}
    )
    await asyncio.sleep(9)
    process.send_signal(signal.SIGINT)
    _, stderr = await process.communicate()
    # The session's first keyframe arrives while FFmpeg probes, without a timestamp: FFmpeg
    # says so once and stamps it 1. Any other warning (a DTS changed later on) fails.
    warnings = stderr.decode().strip().splitlines()
    first_packet = [
        "Timestamps are unset in a packet for stream 0",
        "Non-monotonous DTS in output stream 0:0; previous: 0, current: 0; changing to 1",
    ]
    assert len(warnings) <= len(first_packet)
    for line in warnings:
        assert any(expected in line for expected in first_packet), line

    files = sorted(tmp_path.glob("*.mp4"))
    assert len(files) >= 4
    # Every segment, the first included, starts with a keyframe.
    for path in files:
        assert first_frame_is_keyframe(path), path.name
    infos = [ffprobe(path) for path in files]
    for info in infos:
        (stream,) = info["streams"]
        assert stream["codec_name"] == "h264"
    durations = [float(info["format"]["duration"]) for info in infos]
    for middle in durations[1:-1]:
        assert abs(middle - 2.0) <= 0.2
    # Consecutive segments abut: each starts where the previous ended (names have 1 s steps).
    starts = [segment_start(path.name) for path in files]
    for (start, length), following in zip(
        zip(starts, durations, strict=True), starts[1:], strict=False
    ):
        assert start is not None
        assert following is not None
        assert abs((following - start).total_seconds() - length) <= 1.0
    # No frame is lost between segments: packets match the total duration at 25 fps.
    packets = sum(int(info["streams"][0]["nb_read_packets"]) for info in infos)
    assert abs(packets - round(sum(durations) * 25)) <= len(files)
    assert duration(files[-1]) > 0
