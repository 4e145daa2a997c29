"""Why a recording attempt failed, in a word a person understands.

FFmpeg's own output ("Could not write header ... (incorrect codec parameters ?): No space left
on device") stays in the diagnostics; the state shows one of these reasons, which Home
Assistant translates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import errno

from .health import RunEnd
from .stderr_tail import summarize


class Problem(StrEnum):
    """Which part of the chain is at fault, for repairs and diagnostics."""

    SOURCE = "source"  # no stream URL to be had (a camera entity that is gone)
    AUTH = "auth"  # the camera refused the login
    STORAGE = "storage"  # the recordings cannot be written
    FFMPEG = "ffmpeg"  # FFmpeg cannot be run
    STREAM = "stream"  # the stream is unreachable, ended or went silent
    INTERNAL = "internal"  # Heldar itself failed; it retries


class Reason(StrEnum):
    """The short reason shown on the state sensor (translated in Home Assistant)."""

    DISK_FULL = "disk_full"
    PERMISSION_DENIED = "permission_denied"
    READ_ONLY = "read_only"
    STORAGE_ERROR = "storage_error"
    CONNECTION_REFUSED = "connection_refused"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    TIMEOUT = "timeout"
    STALLED = "stalled"
    NO_MEDIA = "no_media"
    MEDIA_DRIFT = "media_drift"
    AUDIO_TRANSCODED = "audio_transcoded"
    FFMPEG_MISSING = "ffmpeg_missing"
    SOURCE_UNAVAILABLE = "source_unavailable"
    INTERNAL_ERROR = "internal_error"
    EXITED = "exited"


@dataclass(frozen=True, slots=True)
class Failure:
    """One classified failure: the reason, the part at fault and whether it is an error.

    ``error`` failures (login, disk, FFmpeg) need the user; the others are the camera being
    offline, which heals by itself.
    """

    reason: Reason
    problem: Problem
    error: bool


# Checked in order against FFmpeg's lower-cased output: the first match wins.
_MARKERS: tuple[tuple[tuple[str, ...], Failure], ...] = (
    (("no space left on device",), Failure(Reason.DISK_FULL, Problem.STORAGE, error=True)),
    (("read-only file system",), Failure(Reason.READ_ONLY, Problem.STORAGE, error=True)),
    (
        ("401 unauthorized", "authorization failed", "401 authorization required"),
        Failure(Reason.UNAUTHORIZED, Problem.AUTH, error=True),
    ),
    (("403 forbidden",), Failure(Reason.FORBIDDEN, Problem.AUTH, error=True)),
    (("permission denied",), Failure(Reason.PERMISSION_DENIED, Problem.STORAGE, error=True)),
    (("connection refused",), Failure(Reason.CONNECTION_REFUSED, Problem.STREAM, error=False)),
    (
        ("404 not found", "404 stream not found", "server returned 404"),
        Failure(Reason.NOT_FOUND, Problem.STREAM, error=False),
    ),
    (
        ("timed out", "timeout"),
        Failure(Reason.TIMEOUT, Problem.STREAM, error=False),
    ),
)
_EXITED = Failure(Reason.EXITED, Problem.STREAM, error=False)

_ERRNO_REASONS = {
    errno.ENOSPC: Reason.DISK_FULL,
    errno.EDQUOT: Reason.DISK_FULL,
    errno.EACCES: Reason.PERMISSION_DENIED,
    errno.EPERM: Reason.PERMISSION_DENIED,
    errno.EROFS: Reason.READ_ONLY,
}


# What FFmpeg says about the first packet of every run (the keyframe that arrives while it
# probes the input): true, harmless, and no reason for anything.
_STARTUP_NOISE = (
    "Timestamps are unset in a packet",
    "previous: 0, current: 0; changing to 1",
)


def without_startup_noise(text: str) -> str:
    """Drop the lines every run prints about its first packet, keeping what explains an exit."""
    lines = text.splitlines()
    return "\n".join(line for line in lines if not any(n in line for n in _STARTUP_NOISE))


def classify_output(text: str) -> Failure:
    """Classify an FFmpeg run that exited by itself, from the end of its output."""
    lowered = text.lower()
    for markers, failure in _MARKERS:
        if any(marker in lowered for marker in markers):
            return failure
    return _EXITED


def classify_os_error(err: OSError) -> Failure:
    """Classify a file operation that failed (NFS stalls, full or read-only disks...)."""
    reason = _ERRNO_REASONS.get(err.errno or 0, Reason.STORAGE_ERROR)
    return Failure(reason, Problem.STORAGE, error=True)


def describe_os_error(err: OSError) -> str:
    """Return an OSError's words without its path (paths can be long; the errno is enough)."""
    name = errno.errorcode.get(err.errno or 0, "error")
    return f"{err.strerror or err} ({name})"


_CONTAINER = ("codec not currently supported in container", "could not find tag for codec")


@dataclass(frozen=True, slots=True)
class ExitVerdict:
    """What an FFmpeg run's end means: the failure, its words, and whether to switch to AAC."""

    failure: Failure
    words: str
    transcode_audio: bool = False


def judge_exit(
    end: RunEnd, code: int, tail: str, *, drift: float, copying_audio: bool
) -> ExitVerdict:
    """Explain why a run ended: a health verdict (``end``), else FFmpeg's own output.

    ``copying_audio`` says whether audio was copied, in which case a container error means
    MP4 cannot hold the camera's audio codec.
    """
    words = summarize(without_startup_noise(tail))
    transcode = False
    if end is RunEnd.STALLED:
        failure = Failure(Reason.STALLED, Problem.STREAM, error=False)
        words = "the stream stopped sending media; restarting FFmpeg"
    elif end is RunEnd.NO_DATA:
        failure = Failure(Reason.NO_MEDIA, Problem.STREAM, error=False)
        words = "no media arrived after connecting; restarting FFmpeg"
    elif end is RunEnd.DRIFT:
        failure = Failure(Reason.MEDIA_DRIFT, Problem.STREAM, error=False)
        words = (
            f"the recorded media ran {drift:+.1f} s off the wall clock "
            "(camera timestamps jumped); restarting FFmpeg"
        )
    else:
        failure = classify_output(tail)
        if failure.reason is Reason.UNAUTHORIZED or failure.reason is Reason.FORBIDDEN:
            words = "the camera refused the username or password (401/403)"
        elif copying_audio and any(m in tail.lower() for m in _CONTAINER):
            # MP4 cannot hold this audio codec (G.711 ...): record AAC from now on.
            transcode = True
            failure = Failure(Reason.AUDIO_TRANSCODED, Problem.STREAM, error=False)
            words = "the camera's audio codec does not fit in MP4; transcoding audio to AAC"
    return ExitVerdict(failure, words or f"FFmpeg exited with status {code}", transcode)


def judge_crash(err: Exception) -> tuple[Failure, str]:
    """Explain an attempt that failed outside FFmpeg: file work (an ``OSError``) or a bug."""
    if isinstance(err, OSError):
        return classify_os_error(err), f"file operation failed: {describe_os_error(err)}"
    return Failure(Reason.INTERNAL_ERROR, Problem.INTERNAL, error=True), f"internal error: {err!r}"
