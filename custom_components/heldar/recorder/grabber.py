"""One frame grabber for every picture Heldar shows: stills, segment and event thumbnails.

Every grab is one FFmpeg process started like the recorder's (``FFmpegProcess``): it gets
SIGTERM from the kernel when Home Assistant dies (``PR_SET_PDEATHSIG``), carries the
``HELDAR_OWNER`` mark, and runs in its own session. A grab is bounded in time: at its bound
the process is killed and reaped, and the caller gets no picture. Reading a live stream also
gets an I/O timeout on its socket (RTSP ``-timeout``, HTTP ``-rw_timeout``), so a camera that
stops answering ends the grab from inside FFmpeg before the bound has to. At most a few grabs
run at once; two callers asking for the same picture share one grab; answers are kept in a
bounded cache for as long as each caller says (a file's frame never changes, a live picture
does). FFmpeg writes the JPEG into a temporary file, read back and removed in the executor.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
import contextlib
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import tempfile
import time

from .command import input_options
from .process import FFmpegNotFoundError, FFmpegProcess
from .urls import is_rtsp, mask, url_secrets

_LOGGER = logging.getLogger(__name__)

JPEG_START = b"\xff\xd8"
DEFAULT_BOUND = 20.0
LIVE_IO_TIMEOUT = 5.0
_THUMBNAIL_WIDTH = 320


@dataclass(frozen=True, slots=True)
class FrameSource:
    """What FFmpeg reads and which frame it keeps: the arguments around ``-i``."""

    before: tuple[str, ...]  # input options, ending with ``-i <input>``
    after: tuple[str, ...] = ()  # frame selection and scaling
    label: str = ""  # for the log, credentials masked
    secrets: tuple[str, ...] = ()  # masked in FFmpeg's words before they are logged

    @classmethod
    def frame_at(cls, path: Path, offset: float = 0.0, *, width: int | None = None) -> FrameSource:
        """The first keyframe at or after ``offset`` seconds into a file."""
        seek = ("-ss", f"{offset:.3f}") if offset > 0 else ()
        scale = ("-vf", f"scale={width}:-2") if width else ()
        return cls(
            (*seek, "-skip_frame", "nokey", "-i", str(path)),
            ("-frames:v", "1", *scale),
            path.name,
        )

    @classmethod
    def thumbnail(cls, path: Path, offset: float = 0.0) -> FrameSource:
        """A 320-pixel-wide thumbnail of the keyframe at or after ``offset``."""
        return cls.frame_at(path, offset, width=_THUMBNAIL_WIDTH)

    @classmethod
    def last_keyframe(cls, path: Path) -> FrameSource:
        """A file's last keyframe: only its last seconds are read, each keyframe overwrites."""
        return cls(("-sseof", "-3", "-skip_frame", "nokey", "-i", str(path)), (), path.name)

    @classmethod
    def live(cls, url: str, io_timeout: float = LIVE_IO_TIMEOUT) -> FrameSource:
        """One keyframe from a camera's stream, with an I/O timeout on its socket."""
        microseconds = int(io_timeout * 1_000_000)
        if is_rtsp(url):
            options = input_options(url, microseconds)
        else:
            options = ["-rw_timeout", str(microseconds)]
        secrets = url_secrets(url)
        return cls(
            (*options, "-skip_frame", "nokey", "-i", url),
            ("-frames:v", "1"),
            mask(url, secrets),
            secrets,
        )


class FrameGrabber:
    """Grab JPEG frames with FFmpeg: bounded, a few at once, shared and cached."""

    def __init__(
        self,
        ffmpeg: str,
        *,
        at_once: int = 2,
        cache_size: int = 2000,
        bound: float = DEFAULT_BOUND,
    ) -> None:
        """Grab with ``ffmpeg``; each grab is killed after ``bound`` seconds."""
        self.ffmpeg = ffmpeg
        self.bound = bound
        self._slots = asyncio.Semaphore(at_once)
        self._cache: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._cache_size = cache_size
        # One grab per key at a time: later callers wait for its answer. An entry lives only
        # while its grab runs, so thousands of pictures viewed leave nothing behind.
        self._running: dict[Hashable, asyncio.Future[bytes | None]] = {}

    def cached(self, key: Hashable, max_age: float | None = None) -> bytes | None:
        """Return a cached picture no older than ``max_age`` seconds (None: any age)."""
        if (found := self._cache.get(key)) is None:
            return None
        taken, jpeg = found
        if max_age is not None and time.monotonic() - taken > max_age:
            return None
        self._cache.move_to_end(key)
        return jpeg

    def forget(self, key: Hashable) -> None:
        """Drop a cached picture (its file changed or is gone)."""
        self._cache.pop(key, None)

    @property
    def running(self) -> int:
        """Return how many pictures are being grabbed now."""
        return len(self._running)

    async def grab(
        self,
        key: Hashable,
        source: FrameSource,
        *,
        max_age: float | None = None,
        bound: float | None = None,
    ) -> bytes | None:
        """Return the picture ``key`` names: cached, being grabbed, or grabbed now."""
        if (jpeg := self.cached(key, max_age)) is not None:
            return jpeg
        if (pending := self._running.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        jpeg = None
        try:
            async with self._slots:
                jpeg = await self.run(source, self.bound if bound is None else bound)
        finally:
            # Whoever waits gets the answer, or no picture if this caller went away.
            del self._running[key]
            future.set_result(jpeg)
        if jpeg is not None:
            self._cache[key] = (time.monotonic(), jpeg)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return jpeg

    async def run(self, source: FrameSource, bound: float) -> bytes | None:
        """Run one grab, uncached: FFmpeg killed at ``bound`` seconds; None if no picture."""
        loop = asyncio.get_running_loop()
        target = await loop.run_in_executor(None, _reserve)
        argv = [
            self.ffmpeg,
            *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
            *source.before,
            *("-an", "-sn", "-dn", *source.after, "-q:v", "3", "-update", "1", str(target)),
        ]
        code: int | None = None
        try:
            process = await FFmpegProcess.start(argv)
            code = await _wait_or_kill(process, bound)
        except FFmpegNotFoundError as err:
            _LOGGER.debug("No picture from %s: %s", source.label, err)
            return None
        finally:
            jpeg = await loop.run_in_executor(None, _take, target)
        if code is None:
            _LOGGER.debug("No picture from %s within %.0f s: FFmpeg killed", source.label, bound)
            return None
        if code != 0 or not jpeg.startswith(JPEG_START):
            words = mask(process.tail.text(), source.secrets)
            _LOGGER.debug("No picture from %s: %s", source.label, words)
            return None
        return jpeg


async def _wait_or_kill(process: FFmpegProcess, bound: float) -> int | None:
    """Return FFmpeg's exit status, or None after killing (and reaping) it at ``bound``.

    A grab has nothing to finish, so there is no gentle stop: a cancelled caller kills too.
    """
    try:
        async with asyncio.timeout(bound):
            return await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    except asyncio.CancelledError:
        process.kill()
        await asyncio.shield(process.wait())
        raise


def _reserve() -> Path:
    """Return a fresh temporary file for FFmpeg to overwrite. Blocking."""
    handle, name = tempfile.mkstemp(prefix="heldar-frame-", suffix=".jpg")
    os.close(handle)
    return Path(name)


def _take(path: Path) -> bytes:
    """Read and delete a grabbed JPEG; empty when FFmpeg wrote none. Blocking."""
    with contextlib.suppress(FileNotFoundError):
        data = path.read_bytes()
        path.unlink()
        return data
    return b""
