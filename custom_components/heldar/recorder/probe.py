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

# FFmpeg's words for each failure, RTSP's and HTTP's. Every phrase holds a space, so none can
# match inside a URL FFmpeg echoes ("…/Channels/401: Connection refused" is refused, not a 401;
# "tcp://host:554?timeout=…" is no timeout).
_AUTH = re.compile(
    r"\b(401|403) (unauthori[sz]ed|forbidden|authori[sz]ation required)|authori[sz]ation failed",
    re.IGNORECASE,
)
_REFUSED = re.compile(r"connection refused", re.IGNORECASE)
_NOT_FOUND = re.compile(r"\b404 (stream )?not found|server returned 404", re.IGNORECASE)
_TIMED_OUT = re.compile(r"timed out", re.IGNORECASE)
_VERSION = re.compile(r"^ffmpeg version (\S+)", re.MULTILINE)
_MAJOR = re.compile(r"(\d+)\.")
_QUICK_STOP = StopTimeouts(interrupt=0.5, terminate=0.5, kill=1.0)
_VERSION_TIMEOUT = 10.0


class ProbeOutcome(StrEnum):
    """The answer a config form can show."""

    OK = "ok"
    INVALID_AUTH = "invalid_auth"  # 401 or 403: the login is wrong, or may not view the stream
    REFUSED = "refused"  # nothing accepts connections at that host and port
    NOT_FOUND = "not_found"  # the server answered, but has no stream at that path (404)
    TIMEOUT = "timeout"  # no answer within the time allowed
    CANNOT_CONNECT = "cannot_connect"  # anything else: no video, a host that does not resolve…
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
    loop = asyncio.get_running_loop()
    started = loop.time()
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
    # FFmpeg 5.1 ends an RTSP read that timed out with only "Invalid data found when
    # processing input": an unexplained failure after the whole wait is that timeout.
    waited = code is None or loop.time() - started >= seconds
    outcome = classify_probe_output(detail, waited_the_timeout=waited)
    return ProbeResult(outcome, detail or f"no answer within {seconds:g} s")


def classify_probe_output(detail: str, *, waited_the_timeout: bool) -> ProbeOutcome:
    """Say why a probe failed, from FFmpeg's words and whether it used up its time."""
    for pattern, outcome in (
        (_AUTH, ProbeOutcome.INVALID_AUTH),
        (_REFUSED, ProbeOutcome.REFUSED),
        (_NOT_FOUND, ProbeOutcome.NOT_FOUND),
        (_TIMED_OUT, ProbeOutcome.TIMEOUT),
    ):
        if pattern.search(detail):
            return outcome
    return ProbeOutcome.TIMEOUT if waited_the_timeout else ProbeOutcome.CANNOT_CONNECT


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
