"""What a camera sends, and how each stream must be written so the MP4 plays everywhere.

Stream copy is the rule. The exceptions, each for a player that would otherwise fail:

- H.265 is tagged ``hvc1``: Safari, iOS and the HA iOS app refuse FFmpeg's default ``hev1``.
- MJPEG is the one video Heldar transcodes (to H.264, at the camera's size and rate, with
  x264's cheapest preset): no browser plays MJPEG in MP4. The user can turn this off.
- G.711 (A-law, mu-law) becomes AAC: MP4 cannot hold it. AAC, Opus and MP3 are copied.
  Any other audio is dropped with a warning, never a failed recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import json

from .process import finish_child, start_child
from .spawn_gate import spawn_turn
from .urls import is_rtsp

PROBE_TIMEOUT = 15.0
# ffprobe's own socket I/O timeout: a camera that accepts the connection and then says
# nothing ends the probe inside PROBE_TIMEOUT, which then only backs it up.
PROBE_IO_TIMEOUT_US = 10_000_000
_COPYABLE_AUDIO = frozenset({"aac", "opus", "mp3"})
_G711 = frozenset({"pcm_alaw", "pcm_mulaw"})


class VideoMode(StrEnum):
    """How the video stream is written."""

    COPY = "copy"
    HVC1 = "hvc1"  # H.265, copied, tagged for Apple players
    H264 = "h264"  # transcoded (MJPEG)


class AudioMode(StrEnum):
    """What to do with the camera's audio track."""

    DROP = "drop"
    COPY = "copy"
    AAC = "aac"


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """The codecs of a camera's first video and audio streams (None: none or unknown)."""

    video: str | None
    audio: str | None
    # The video reorders frames (B-frames): presentation differs from arrival order.
    b_frames: bool = False


@dataclass(frozen=True, slots=True)
class MediaPlan:
    """How to write one camera's streams, and a note for the user when audio is dropped."""

    video: VideoMode = VideoMode.COPY
    audio: AudioMode = AudioMode.DROP
    dropped_audio: str | None = None
    # Stamp packets on arrival (see command.py); not for B-frames, whose order arrival breaks.
    wallclock: bool = True

    def describe(self, info: StreamInfo | None) -> str:
        """Say what Heldar does with the streams, for the state sensor and diagnostics."""
        if info is None:
            return f"video {self.video}, audio {self.audio} (streams not probed)"
        video = {
            VideoMode.COPY: f"{info.video} copied",
            VideoMode.HVC1: f"{info.video} copied, tagged hvc1",
            VideoMode.H264: f"{info.video} transcoded to h264",
        }[self.video]
        if self.dropped_audio:
            audio = f"{self.dropped_audio} dropped (MP4 cannot hold it)"
        elif self.audio is AudioMode.DROP:
            audio = "no audio recorded"
        elif self.audio is AudioMode.AAC:
            audio = f"{info.audio} transcoded to aac"
        else:
            audio = f"{info.audio} copied"
        clock = "" if self.wallclock else "; camera timestamps (B-frames)"
        return f"{video}; {audio}{clock}"


def plan_media(
    info: StreamInfo | None,
    *,
    record_audio: bool,
    transcode_mjpeg: bool = True,
) -> MediaPlan:
    """Choose how to write each stream; without a probe, copy (and learn from FFmpeg)."""
    if info is None:
        return MediaPlan(audio=AudioMode.COPY if record_audio else AudioMode.DROP)
    video = VideoMode.COPY
    if info.video == "hevc":
        video = VideoMode.HVC1
    elif info.video == "mjpeg" and transcode_mjpeg:
        video = VideoMode.H264
    # Transcoded frames come out in order; copied B-frames keep the camera's timestamps.
    wallclock = video is VideoMode.H264 or not info.b_frames
    if not record_audio or info.audio is None:
        return MediaPlan(video, wallclock=wallclock)
    if info.audio in _COPYABLE_AUDIO:
        return MediaPlan(video, AudioMode.COPY, wallclock=wallclock)
    if info.audio in _G711:
        return MediaPlan(video, AudioMode.AAC, wallclock=wallclock)
    return MediaPlan(video, AudioMode.DROP, dropped_audio=info.audio, wallclock=wallclock)


def probe_streams_argv(ffprobe: str, url: str) -> list[str]:
    """Return an ffprobe command that lists the stream codecs as JSON, with an I/O timeout.

    ``-timeout`` is RTSP's socket timeout (FFmpeg 5 and later); other protocols take the
    generic ``-rw_timeout``.
    """
    io_timeout_us = PROBE_IO_TIMEOUT_US
    argv = [ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name,has_b_frames"]
    if is_rtsp(url):
        argv += ["-rtsp_transport", "tcp", "-timeout", str(io_timeout_us)]
    else:
        argv += ["-rw_timeout", str(io_timeout_us)]
    return [*argv, "-of", "json", url]


def parse_streams(output: bytes) -> StreamInfo | None:
    """Read ffprobe's JSON: the first video and the first audio stream's codecs."""
    try:
        streams = json.loads(output).get("streams", [])
    except ValueError:
        return None
    picture = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s.get("codec_name") for s in streams if s.get("codec_type") == "audio"), None)
    if picture is None or picture.get("codec_name") is None:
        return None
    return StreamInfo(picture["codec_name"], audio, b_frames=bool(picture.get("has_b_frames")))


async def probe_streams(ffprobe: str, url: str) -> StreamInfo | None:
    """Ask ffprobe what the camera sends; None when it cannot tell (offline, no ffprobe)."""
    try:
        async with spawn_turn():  # 32 cameras starting together take turns
            process = await start_child(probe_streams_argv(ffprobe, url))
    except OSError:
        return None
    output = await finish_child(process, PROBE_TIMEOUT)
    if output is None or process.returncode != 0:
        return None
    return parse_streams(output)
