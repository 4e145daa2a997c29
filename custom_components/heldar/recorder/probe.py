"""One-shot checks with FFmpeg: can this stream be recorded, and which FFmpeg is this.

Used by the config flow before a camera is saved, so a typo or a wrong password is reported
in the form instead of as a camera that never records.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import re

from .command import probe_argv
from .process import FFmpegNotFoundError, FFmpegProcess, StopTimeouts, finish_child, start_child
from .stderr_tail import summarize
from .urls import is_rtsp, mask, url_secrets

_AUTH = re.compile(
    r"\b(401|403)\b|unauthori[sz]ed|forbidden|authori[sz]ation failed", re.IGNORECASE
)
_VERSION = re.compile(r"^ffmpeg version (\S+)", re.MULTILINE)
_MAJOR = re.compile(r"(\d+)\.")
_QUICK_STOP = StopTimeouts(interrupt=0.5, terminate=0.5, kill=1.0)
_VERSION_TIMEOUT = 10.0


class ProbeOutcome(StrEnum):
    """The answer a config form can show."""

    OK = "ok"
    INVALID_AUTH = "invalid_auth"
    CANNOT_CONNECT = "cannot_connect"
    FFMPEG_MISSING = "ffmpeg_missing"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The outcome plus FFmpeg's own words, credentials masked."""

    outcome: ProbeOutcome
    detail: str = ""


def stream_probe_argv(binary: str, url: str, seconds: float) -> list[str]:
    """Return the probe's command line, with a socket I/O timeout whatever the protocol.

    RTSP's comes with its input options; any other protocol gets the generic ``-rw_timeout``.
    """
    argv = probe_argv(binary, url, seconds)
    if not is_rtsp(url):
        at = argv.index("-i")
        argv[at:at] = ["-rw_timeout", str(int(seconds * 1_000_000))]
    return argv


async def probe_stream(binary: str, url: str, seconds: float = 10.0) -> ProbeResult:
    """Open ``url`` with FFmpeg and copy one video packet, giving up after ``seconds``."""
    try:
        process = await FFmpegProcess.start(stream_probe_argv(binary, url, seconds))
    except FFmpegNotFoundError as err:
        return ProbeResult(ProbeOutcome.FFMPEG_MISSING, str(err))
    code: int | None = None
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds + 2):
            code = await process.wait()
    if code is None:
        await process.stop(_QUICK_STOP)
    detail = summarize(mask(process.tail.text(), url_secrets(url)))
    if code == 0:
        return ProbeResult(ProbeOutcome.OK, detail)
    if _AUTH.search(detail):
        return ProbeResult(ProbeOutcome.INVALID_AUTH, detail)
    return ProbeResult(ProbeOutcome.CANNOT_CONNECT, detail or "timed out")


@dataclass(frozen=True, slots=True)
class FFmpegVersion:
    """What ``ffmpeg -version`` said."""

    text: str
    major: int | None


async def ffmpeg_version(binary: str) -> FFmpegVersion | None:
    """Return the FFmpeg version, or None when the binary cannot be run."""
    try:
        process = await start_child([binary, "-version"])
    except OSError:
        return None
    if (out := await finish_child(process, _VERSION_TIMEOUT)) is None:
        return None
    if (match := _VERSION.search(out.decode(errors="replace"))) is None:
        return None
    major = _MAJOR.match(match[1].lstrip("n"))
    return FFmpegVersion(match[1], int(major[1]) if major else None)
