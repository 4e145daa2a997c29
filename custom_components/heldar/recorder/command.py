"""FFmpeg command lines for recording and for testing a stream.

The recording arguments are the original recorder's, with three measured changes:

- ``-fflags nobuffer``: the packets FFmpeg reads while probing the input come out of the RTSP
  demuxer without timestamps; muxing them made FFmpeg warn "Timestamps are unset" and
  "Non-monotonous DTS" at the start of every run. Dropping them (stream copy then starts at the
  next keyframe) removes both warnings. ``+genpts``, ``+igndts``, ``+discardcorrupt``,
  ``-copyts`` and ``-use_wallclock_as_timestamps 1`` did not (see tests/recorder/test_command.py).
- ``-c:v copy`` plus an explicit audio choice instead of ``-c copy`` then ``-c:a``, which made
  FFmpeg warn about two codec options for one stream.
- Audio that MP4 cannot hold (G.711, common on IP cameras) is transcoded to AAC when the
  camera records audio: copying it makes FFmpeg refuse to start at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .progress import PROGRESS_PERIOD
from .urls import is_rtsp

SEGMENT_NAME_FORMAT = "%Y%m%d_%H%M%S.mp4"
MIN_SEGMENT_SECONDS = 2
RTSP_IO_TIMEOUT_US = 15_000_000
FRAGMENTED_MP4 = "movflags=+frag_keyframe+empty_moov+default_base_moof"


class AudioMode(StrEnum):
    """What to do with the camera's audio track."""

    DROP = "drop"
    COPY = "copy"
    AAC = "aac"


@dataclass(frozen=True, slots=True)
class RecordCommand:
    """Everything needed to start one recording FFmpeg."""

    binary: str
    url: str
    output_dir: Path
    segment_seconds: int
    audio: AudioMode = AudioMode.DROP

    def argv(self) -> list[str]:
        """Return the argument vector, binary first."""
        args = [self.binary, "-nostdin", "-hide_banner", "-loglevel", "warning"]
        # Progress on stdout: the supervisor's liveness signal (see progress.py).
        args += ["-progress", "pipe:1", "-stats_period", f"{PROGRESS_PERIOD:g}", "-nostats"]
        args += input_options(self.url)
        args += ["-fflags", "nobuffer", "-i", self.url]
        args += ["-c:v", "copy", *_audio_args(self.audio), "-sn", "-dn"]
        args += [
            "-f",
            "segment",
            "-segment_time",
            str(max(self.segment_seconds, MIN_SEGMENT_SECONDS)),
            "-segment_format",
            "mp4",
            "-segment_format_options",
            FRAGMENTED_MP4,
            "-reset_timestamps",
            "1",
            "-strftime",
            "1",
            str(self.output_dir / SEGMENT_NAME_FORMAT),
        ]
        return args


def input_options(url: str, io_timeout_us: int = RTSP_IO_TIMEOUT_US) -> list[str]:
    """Options that must precede ``-i``; the RTSP ones only for rtsp/rtsps inputs.

    ``-timeout`` means a socket I/O timeout for RTSP on FFmpeg 5 and later; HTTP inputs would
    read it differently, hence the split.
    """
    if is_rtsp(url):
        return ["-rtsp_transport", "tcp", "-timeout", str(io_timeout_us)]
    return []


def _audio_args(audio: AudioMode) -> list[str]:
    match audio:
        case AudioMode.DROP:
            return ["-an"]
        case AudioMode.COPY:
            return ["-c:a", "copy"]
        case AudioMode.AAC:
            return ["-c:a", "aac", "-b:a", "64k"]


def probe_argv(binary: str, url: str, timeout_seconds: float) -> list[str]:
    """Return an FFmpeg command that opens ``url``, copies one video packet and exits.

    Exit status 0 means the stream is reachable, authorised and carries video. FFmpeg alone is
    enough here: an ffprobe next to a user-configured FFmpeg is not guaranteed.
    """
    return [
        binary,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        *input_options(url, int(timeout_seconds * 1_000_000)),
        "-i",
        url,
        "-map",
        "0:v:0",
        "-c",
        "copy",
        "-frames:v",
        "1",
        "-f",
        "null",
        "-",
    ]
