"""How each camera stream is written: the plan from ffprobe's answer, and its arguments."""

from __future__ import annotations

import asyncio
from pathlib import Path
import time

import pytest

from custom_components.heldar.recorder import streams
from custom_components.heldar.recorder.command import RecordCommand
from custom_components.heldar.recorder.probe import stream_probe_argv
from custom_components.heldar.recorder.streams import (
    AudioMode,
    MediaPlan,
    StreamInfo,
    VideoMode,
    parse_streams,
    plan_media,
)
from tests.media import require_media_tools


@pytest.mark.parametrize(
    ("info", "record_audio", "transcode_mjpeg", "plan"),
    [
        (StreamInfo("h264", "aac"), True, True, MediaPlan(VideoMode.COPY, AudioMode.COPY)),
        (StreamInfo("hevc", "opus"), True, True, MediaPlan(VideoMode.HVC1, AudioMode.COPY)),
        (StreamInfo("h264", "pcm_alaw"), True, True, MediaPlan(VideoMode.COPY, AudioMode.AAC)),
        (StreamInfo("h264", "pcm_mulaw"), False, True, MediaPlan(VideoMode.COPY)),
        (
            StreamInfo("h264", "adpcm_g726"),
            True,
            True,
            MediaPlan(VideoMode.COPY, AudioMode.DROP, dropped_audio="adpcm_g726"),
        ),
        (StreamInfo("mjpeg", None), True, True, MediaPlan(VideoMode.H264)),
        (StreamInfo("mjpeg", None), True, False, MediaPlan(VideoMode.COPY)),
        (
            StreamInfo("h264", None, b_frames=True),
            False,
            True,
            MediaPlan(VideoMode.COPY, wallclock=False),
        ),
        (None, True, True, MediaPlan(VideoMode.COPY, AudioMode.COPY)),
    ],
)
def test_plan(
    info: StreamInfo | None,
    record_audio: bool,  # noqa: FBT001
    transcode_mjpeg: bool,  # noqa: FBT001
    plan: MediaPlan,
) -> None:
    """Copy what plays; tag, convert or drop only what would not."""
    assert plan_media(info, record_audio=record_audio, transcode_mjpeg=transcode_mjpeg) == plan


def test_parse_ffprobe() -> None:
    """The first video and audio streams' codecs, and whether the video reorders frames."""
    output = (
        b'{"streams": [{"codec_type": "video", "codec_name": "h264", "has_b_frames": 2},'
        b' {"codec_type": "audio", "codec_name": "pcm_alaw"}]}'
    )
    assert parse_streams(output) == StreamInfo("h264", "pcm_alaw", b_frames=True)
    assert parse_streams(b'{"streams": [{"codec_type": "audio", "codec_name": "aac"}]}') is None
    assert parse_streams(b"not json") is None


def test_arguments_follow_the_plan() -> None:
    """hvc1 tag, the MJPEG conversion, and camera timestamps for B-frames."""
    hevc = RecordCommand("ffmpeg", "rtsp://c/s", Path("/r"), 10, video=VideoMode.HVC1).argv()
    assert hevc[hevc.index("-tag:v") + 1] == "hvc1"
    mjpeg = RecordCommand("ffmpeg", "http://c/s", Path("/r"), 10, video=VideoMode.H264).argv()
    assert mjpeg[mjpeg.index("-c:v") + 1] == "libx264"
    assert mjpeg[mjpeg.index("-fps_mode") + 1] == "vfr"
    reordered = RecordCommand("ffmpeg", "rtsp://c/s", Path("/r"), 10, wallclock=False).argv()
    assert "-use_wallclock_as_timestamps" not in reordered


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
async def test_probe_gives_up_on_a_silent_camera(
    scheme: str, socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera that accepts the connection and says nothing: ffprobe's own I/O timeout ends it.

    The asyncio limit is set far away, so only ``-timeout`` (RTSP) or ``-rw_timeout`` (HTTP)
    can end the probe in time. Before, the probe had no I/O timeout: it waited for the limit,
    and a probe left behind by a killed Home Assistant waited for ever.
    """
    require_media_tools()
    monkeypatch.setattr(streams, "PROBE_IO_TIMEOUT_US", 1_000_000)
    monkeypatch.setattr(streams, "PROBE_TIMEOUT", 60.0)
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.monotonic()
    try:
        info = await streams.probe_streams("ffprobe", f"{scheme}://127.0.0.1:{port}/stream")
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    assert info is None
    assert held  # it did connect, and was then left waiting
    assert time.monotonic() - started < 10


def test_probe_arguments_carry_an_io_timeout() -> None:
    """RTSP's socket timeout, or the generic one for every other protocol."""
    rtsp = streams.probe_streams_argv("ffprobe", "rtsp://cam/live")
    assert rtsp[rtsp.index("-timeout") + 1] == str(streams.PROBE_IO_TIMEOUT_US)
    http = streams.probe_streams_argv("ffprobe", "http://cam/video.mjpg")
    assert http[http.index("-rw_timeout") + 1] == str(streams.PROBE_IO_TIMEOUT_US)


def test_the_stream_check_has_an_io_timeout_for_every_protocol() -> None:
    """The camera form's check: RTSP's socket timeout, or -rw_timeout before -i for the rest."""
    http = stream_probe_argv("ffmpeg", "http://cam/video.mjpg", 10)
    assert http[http.index("-rw_timeout") + 1] == "10000000"
    assert http.index("-rw_timeout") < http.index("-i")
    rtsp = stream_probe_argv("ffmpeg", "rtsp://cam/live", 10)
    assert rtsp[rtsp.index("-timeout") + 1] == "10000000"
    assert "-rw_timeout" not in rtsp
