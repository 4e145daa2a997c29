"""Recordings that play everywhere: each camera codec and audio against the real camera.

For every cell of H.264 / H.265 / MJPEG x no audio / PCMA / PCMU / AAC / Opus, the files are
checked with ffprobe: the video codec and its tag, the audio codec, the duration, and that a
segment decodes on its own (its codec parameters are in its own init segment).
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import subprocess
from typing import Any

import pytest

from custom_components.heldar.recorder.supervisor import (
    Timing,
)
from tests.media import RtspCamera

from .helpers import record_with_audio

REAL = Timing(poll_connecting=0.25, poll_recording=0.5)
# What each camera video becomes: (codec, tag).
VIDEO = {"h264": ("h264", "avc1"), "h265": ("hevc", "hvc1"), "mjpeg": ("h264", "avc1")}
# What each camera audio becomes in the MP4 (None: no audio track).
AUDIO = {"none": None, "alaw": "aac", "mulaw": "aac", "aac": "aac", "opus": "opus"}


def streams_of(path: Path) -> list[dict[str, Any]]:
    """Return ffprobe's streams of a file: codec, tag, size."""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,codec_tag_string,width,height:format=duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    data = json.loads(result.stdout)
    streams: list[dict[str, Any]] = data["streams"]
    for stream in streams:
        stream["duration"] = float(data["format"]["duration"])
    return streams


def decode_errors(path: Path) -> str:
    """Decode a segment's first frames with nothing but the segment; return what went wrong.

    ffprobe decodes without re-muxing, so variable frame timing (frames are stamped on
    arrival) is not mistaken for an error, as a ``-f null`` output at 25 fps would.
    """
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-read_intervals",
            "%+#5",
            "-count_frames",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if result.returncode != 0 or result.stderr.strip():
        return result.stderr.strip() or "exit status"
    return "" if int(result.stdout.strip() or 0) >= 5 else f"decoded {result.stdout.strip()}"


@pytest.mark.parametrize("audio", list(AUDIO))
@pytest.mark.parametrize("video", list(VIDEO))
async def test_codec_matrix(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path, video: str, audio: str
) -> None:
    """Each cell records files whose codecs and tags play in browsers and on Apple devices."""
    camera = rtsp_camera(codec=video, audio=audio, gop=25, width=320, height=240)
    files, log = await record_with_audio(
        camera.url, tmp_path, segment_seconds=2, files=3, timing=REAL
    )
    assert log.latest.reconnects == 0
    assert log.latest.media is not None
    closed = files[1]  # a whole segment: the first may start late, the last is cut
    streams = streams_of(closed)
    (picture,) = [s for s in streams if s["codec_type"] == "video"]
    assert (picture["codec_name"], picture["codec_tag_string"]) == VIDEO[video]
    assert (picture["width"], picture["height"]) == (320, 240)  # the camera's own size
    sound = [s["codec_name"] for s in streams if s["codec_type"] == "audio"]
    assert sound == ([AUDIO[audio]] if AUDIO[audio] else [])
    # The muxer cuts at the first keyframe (one a second) at or after each 2 s mark of its grid,
    # so a keyframe arriving just before a mark makes one segment ~3 s and the next ~1 s: a
    # segment is 2 s within one GOP (plus arrival jitter).
    assert 0.9 <= picture["duration"] <= 3.5
    assert decode_errors(closed) == ""
