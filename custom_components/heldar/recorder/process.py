"""One FFmpeg child process: start it, drain its stderr, and stop it gracefully but surely.

Stopping asks FFmpeg to finish first (SIGINT makes it write the trailer of the open segment),
then escalates to SIGTERM and SIGKILL, each after a short timeout, and always reaps the child,
so no zombie is left and the segment on disk is as complete as FFmpeg could make it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import logging
import os
import signal
from typing import Self

from .progress import MediaClock
from .stderr_tail import StderrTail

_LOGGER = logging.getLogger(__name__)
_READ_CHUNK = 4096


class FFmpegNotFoundError(FileNotFoundError):
    """The configured FFmpeg binary does not exist or is not executable."""


@dataclass(frozen=True, slots=True)
class StopTimeouts:
    """Seconds to wait after SIGINT, then after SIGTERM, then after SIGKILL."""

    interrupt: float = 2.0
    terminate: float = 1.0
    kill: float = 1.0


class FFmpegProcess:
    """A running FFmpeg whose stderr is drained continuously into a bounded tail."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        tail: StderrTail,
        media_clock: MediaClock | None = None,
    ) -> None:
        """Wrap ``process``; use ``start`` rather than calling this directly."""
        self._process = process
        self.tail = tail
        self.media_clock = media_clock
        name = f"ffmpeg {process.pid}"
        self._drains = [asyncio.create_task(self._drain_stderr(), name=f"{name} stderr")]
        if media_clock is not None:
            self._drains.append(
                asyncio.create_task(self._drain_progress(media_clock), name=f"{name} progress")
            )

    @classmethod
    async def start(
        cls,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        media_clock: MediaClock | None = None,
    ) -> Self:
        """Start ``argv`` with stdin closed and stderr piped.

        stdout is piped into ``media_clock`` when one is given (``argv`` must then ask for
        ``-progress pipe:1``), else closed. The child gets its own session, so a Ctrl-C aimed
        at Home Assistant's terminal reaches HA, which then stops FFmpeg in order, rather than
        FFmpeg directly.
        """
        full_env = {**os.environ, **(env or {})}
        stdout = asyncio.subprocess.PIPE if media_clock else asyncio.subprocess.DEVNULL
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout,
                stderr=asyncio.subprocess.PIPE,
                env=full_env,
                start_new_session=True,
                close_fds=True,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as err:
            msg = f"FFmpeg binary {argv[0]!r} cannot be run: {err.strerror}"
            raise FFmpegNotFoundError(msg) from err
        return cls(process, StderrTail(), media_clock)

    @property
    def pid(self) -> int:
        """Return the child's process id."""
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """Return the exit status, or None while FFmpeg runs."""
        return self._process.returncode

    async def wait(self) -> int:
        """Wait for FFmpeg to exit and for its output to be drained; return its status."""
        code = await self._process.wait()
        await asyncio.gather(*self._drains)
        return code

    async def stop(self, timeouts: StopTimeouts | None = None) -> int:
        """Stop FFmpeg: SIGINT, then SIGTERM, then SIGKILL, waiting ``timeouts`` after each.

        If this coroutine is cancelled midway the child is killed outright before the
        cancellation propagates, so a cancelled stop still never leaves FFmpeg running.
        """
        timeouts = timeouts or StopTimeouts()
        steps = (
            (signal.SIGINT, timeouts.interrupt),
            (signal.SIGTERM, timeouts.terminate),
            (signal.SIGKILL, timeouts.kill),
        )
        try:
            for signum, timeout in steps:
                if self._process.returncode is not None:
                    break
                self._send(signum)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._process.wait()
                if self._process.returncode is None and signum is not signal.SIGKILL:
                    _LOGGER.debug("FFmpeg %s ignored %s, escalating", self.pid, signum.name)
            return await self.wait()
        except asyncio.CancelledError:
            self.kill()
            raise

    def kill(self) -> None:
        """Kill FFmpeg at once, without waiting (the caller still has to reap it)."""
        self._send(signal.SIGKILL)

    def _send(self, signum: signal.Signals) -> None:
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(signum)

    async def _drain_stderr(self) -> None:
        stream = self._process.stderr
        if stream is None:  # pragma: no cover - stderr is always piped by start()
            return
        with contextlib.suppress(OSError, ValueError):
            while chunk := await stream.read(_READ_CHUNK):
                self.tail.feed(chunk)

    async def _drain_progress(self, clock: MediaClock) -> None:
        stream = self._process.stdout
        if stream is None:  # pragma: no cover - stdout is piped whenever a clock is given
            return
        with contextlib.suppress(OSError, ValueError):
            while chunk := await stream.read(_READ_CHUNK):
                clock.feed(chunk)
