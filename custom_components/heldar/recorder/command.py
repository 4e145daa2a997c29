"""FFmpeg command lines for recording and for testing a stream.

The recording arguments are the original recorder's, with these measured changes:

- ``-use_wallclock_as_timestamps 1``: each packet is stamped with the time it arrived, so the
  recording follows wall-clock time whatever the camera's own timestamps do. Cameras restart
  their encoders, restreamers reconnect and shared RTSP media is re-seeked for a second
  client: with the camera's timestamps, FFmpeg then packed 14 s of frames into a 4 s segment
  ("Non-monotonous DTS ... changing to ..."), which played back fast. Frigate records this way
  for the same reason (see tests/recorder/test_command.py and test_supervisor_real.py).
- No ``-fflags nobuffer``: it dropped the packets FFmpeg read while probing the input, among
  them the keyframe a camera sends when a session starts, so a camera with a 10 s GOP was not
  recorded for 10 s (and restarted before that). Stream copy still starts every run at its
  first keyframe (FFmpeg skips the frames before it); the price is one "Timestamps are unset"
  warning for that first packet.
- ``frag_duration`` and ``flush_packets``: a fragment is cut at least every second, not only
  at each keyframe, and written through to the file at once (the segment muxer otherwise
  kept a whole segment in memory until it closed), so footage reaches the disk within a
  second even with a 20 s GOP, and ``recording`` can be checked against the file itself.
- ``-c:v copy`` plus an explicit audio choice instead of ``-c copy`` then ``-c:a``, which made
  FFmpeg warn about two codec options for one stream.
- Codecs that would not play where people watch get what streams.py decides: H.265 tagged
  ``hvc1``, MJPEG transcoded to H.264, G.711 audio transcoded to AAC (copying it makes FFmpeg
  refuse to start at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .progress import PROGRESS_PERIOD
from .streams import AudioMode, MediaPlan, VideoMode
from .urls import is_rtsp

__all__ = [
    "FRAGMENTED_MP4",
    "MIN_SEGMENT_SECONDS",
    "RTSP_IO_TIMEOUT_US",
    "SEGMENT_NAME_FORMAT",
    "AudioMode",
    "RecordCommand",
    "VideoMode",
    "codec_args",
    "command_head",
    "input_args",
    "input_options",
    "probe_argv",
    "segment_output",
]

SEGMENT_NAME_FORMAT = "%Y%m%d_%H%M%S.mp4"
# The shortest segment FFmpeg is asked for; the camera form offers no less.
MIN_SEGMENT_SECONDS = 2
RTSP_IO_TIMEOUT_US = 15_000_000
FRAGMENTED_MP4 = (
    "movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1"
)


@dataclass(frozen=True, slots=True)
class RecordCommand:
    """Everything needed to start one recording FFmpeg."""

    binary: str
    url: str
    output_dir: Path
    segment_seconds: int
    audio: AudioMode = AudioMode.DROP
    video: VideoMode = VideoMode.COPY
    wallclock: bool = True

    @classmethod
    def planned(
        cls, binary: str, url: str, output_dir: Path, segment_seconds: int, plan: MediaPlan
    ) -> RecordCommand:
        """Return the command that writes a camera's streams as ``plan`` says."""
        return cls(binary, url, output_dir, segment_seconds, plan.audio, plan.video, plan.wallclock)

    def argv(self) -> list[str]:
        """Return the argument vector, binary first."""
        args = [*command_head(self.binary), *input_args(self.url, wallclock=self.wallclock)]
        args += [*_video_args(self.video), *_audio_args(self.audio), "-sn", "-dn"]
        return args + segment_output(self.output_dir, self.segment_seconds)


def command_head(binary: str) -> list[str]:
    """The options every recording FFmpeg starts with."""
    args = [binary, "-nostdin", "-hide_banner", "-loglevel", "warning"]
    # Progress on stdout: the supervisor's liveness signal (see progress.py).
    return [*args, "-progress", "pipe:1", "-stats_period", f"{PROGRESS_PERIOD:g}", "-nostats"]


def input_args(url: str, *, wallclock: bool) -> list[str]:
    """One recorded input: its options, then ``-i``."""
    stamps = ["-use_wallclock_as_timestamps", "1"] if wallclock else []
    return [*input_options(url), *stamps, "-i", url]


def codec_args(video: VideoMode, audio: AudioMode) -> list[str]:
    """How one output writes its video and audio (see streams.py)."""
    return [*_video_args(video), *_audio_args(audio)]


def segment_output(output_dir: Path, segment_seconds: int) -> list[str]:
    """One segmented, fragmented MP4 output into ``output_dir``."""
    return [
        "-f",
        "segment",
        "-segment_time",
        str(max(segment_seconds, MIN_SEGMENT_SECONDS)),
        "-segment_format",
        "mp4",
        "-segment_format_options",
        FRAGMENTED_MP4,
        "-reset_timestamps",
        "1",
        "-strftime",
        "1",
        str(output_dir / SEGMENT_NAME_FORMAT),
    ]


def input_options(url: str, io_timeout_us: int = RTSP_IO_TIMEOUT_US) -> list[str]:
    """Options that must precede ``-i``; the RTSP ones only for rtsp/rtsps inputs.

    ``-timeout`` means a socket I/O timeout for RTSP on FFmpeg 5 and later; HTTP inputs would
    read it differently, hence the split.
    """
    if is_rtsp(url):
        return ["-rtsp_transport", "tcp", "-timeout", str(io_timeout_us)]
    return []


# MJPEG to H.264: the cheapest x264 preset, the camera's own size and rate, a keyframe every
# 2 s so segments can be cut, and the pixel format every browser decodes. Frames keep their
# arrival times (``vfr``): a constant-rate output made FFmpeg "duplicate" thousands of frames
# to fill the jump from the first, unstamped packet to the wall clock; ``vfr`` never duplicates,
# and drops a frame only if it would share its timestamp with the one before (frames read in a
# burst). The encoder's time base is a microsecond, the resolution of the wall-clock stamps, so
# that happens only within a microsecond. (It was ``-1``, "the input's": FFmpeg 9 refuses it,
# "Invalid time base: -1", and every MJPEG camera failed to start; a plain rational reads the
# same on 5.1 and 9. tests/recorder/test_clock_real.py runs the transcode on both.)
_MJPEG_TO_H264 = [
    "-fps_mode",
    "vfr",
    "-enc_time_base:v",
    "1:1000000",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-pix_fmt",
    "yuv420p",
    "-force_key_frames",
    "expr:gte(t,n_forced*2)",
]


def _video_args(video: VideoMode) -> list[str]:
    match video:
        case VideoMode.COPY:
            return ["-c:v", "copy"]
        case VideoMode.HVC1:
            return ["-c:v", "copy", "-tag:v", "hvc1"]
        case VideoMode.H264:
            return list(_MJPEG_TO_H264)


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
