"""One FFmpeg child process: start it, drain its stderr, and stop it gracefully but surely.

Every child dies with Home Assistant, short helpers too (ffprobe: ``start_child``): the kernel
sends it SIGTERM when the thread that started it, HA's event loop, ends (``PR_SET_PDEATHSIG``).
The one exception is an ``idle`` child (a preview sheet), which ends by itself within seconds.
Each carries an ``HELDAR_OWNER`` mark, by which ``orphans.py`` knows one that outlived it anyway.

Stopping asks FFmpeg to finish first (SIGINT makes it write the trailer of the open segment),
then escalates to SIGTERM and SIGKILL, each after a short timeout, and always reaps the child,
so no zombie is left and the segment on disk is as complete as FFmpeg could make it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import ctypes
from dataclasses import dataclass
import logging
import os
import signal
import subprocess
import sys
from typing import Self

from .orphans import owner_env
from .progress import MediaClock
from .progress_drain import drain_of, pipe_fd
from .spawn_gate import spawn_turn
from .stderr_tail import StderrTail

_LOGGER = logging.getLogger(__name__)
_STDOUT = 1
_STDERR = 2


_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except OSError, AttributeError:
        return None
    return prctl


_PRCTL = _load_prctl()  # looked up before any fork: the child only calls it


def _die_with(parent: int) -> Callable[[], None] | None:
    """Return the pre-exec hook that ties a child's life to ``parent``'s starting thread.

    Runs in the child between fork and exec. If the parent died before the hook ran, the
    signal would never come: the child then ends itself.
    """
    prctl = _PRCTL
    if prctl is None:
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


def _lowest_priority(pid: int) -> None:
    """Give a started child, alone in its session, the lowest CPU priority the system offers.

    Set from the parent once the child has exec'd, never in the child before exec: the loop
    waits for that exec, and a child already at the lowest priority could keep it waiting
    for as long as anything else wants the CPU (seconds, on a busy host). Where the kernel
    schedules each session as a group (autogroup), the group's own niceness is what counts
    against Home Assistant's, so that is lowered too.
    """
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, 19)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    with contextlib.suppress(OSError):
        # A write to procfs, no disk: a plain descriptor, not a file object.
        handle = os.open(f"/proc/{pid}/autogroup", os.O_WRONLY)
        try:
            os.write(handle, b"19")
        finally:
            os.close(handle)


class FFmpegNotFoundError(FileNotFoundError):
    """The configured FFmpeg binary does not exist or is not executable."""


@dataclass(frozen=True, slots=True)
class StopTimeouts:
    """Seconds to wait after SIGINT, then after SIGTERM, then after SIGKILL."""

    interrupt: float = 2.0
    terminate: float = 1.0
    kill: float = 1.0


class _OutputProtocol(asyncio.SubprocessProtocol):
    """Hand FFmpeg's output to its consumers the moment it arrives, with no reader tasks.

    A reader task costs a task wake-up (futures, a loop turn) per chunk; FFmpeg reports
    progress every second, so with many cameras those wake-ups were most of Heldar's CPU in
    Home Assistant. Feeding from the protocol callback is one plain call per chunk, and once
    media flows steadily the progress pipe joins the loop's shared drain: one wake-up a
    second for every camera's reports (see ``progress_drain.py``).
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, tail: StderrTail, clock: MediaClock | None
    ) -> None:
        self._loop = loop
        self._tail = tail
        self._clock = clock
        self._open = {_STDOUT, _STDERR} if clock is not None else {_STDERR}
        self._transport: asyncio.SubprocessTransport | None = None
        self._drained_fd: int | None = None
        self.exited: asyncio.Future[None] = loop.create_future()
        self.drained: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.SubprocessTransport):
            self._transport = transport

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        chunk = data.encode() if isinstance(data, str) else data
        if fd == _STDERR:
            self._tail.feed(chunk)
        elif fd == _STDOUT and self._clock is not None:
            self._clock.feed(chunk)
            if self._clock.steady and not self.exited.done():
                self._join_drain()

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == _STDOUT:
            self._leave_drain()
        self._open.discard(fd)
        if not self._open and not self.drained.done():
            self.drained.set_result(None)

    def process_exited(self) -> None:
        self._leave_drain()  # the last reports and the pipe's end are read the usual way
        if not self.exited.done():
            self.exited.set_result(None)

    def _stdout(self) -> asyncio.ReadTransport | None:
        pipe = self._transport.get_pipe_transport(_STDOUT) if self._transport else None
        return pipe if isinstance(pipe, asyncio.ReadTransport) else None

    def _join_drain(self) -> None:
        if self._drained_fd is not None or self._clock is None:
            return
        pipe = self._stdout()
        if pipe is None or (fd := pipe_fd(pipe)) is None:
            return
        pipe.pause_reading()
        self._drained_fd = fd
        self._clock.drained = True
        drain_of(self._loop).add(fd, self._clock.feed, self._leave_drain, self._clock.tick)

    def _leave_drain(self) -> None:
        if (fd := self._drained_fd) is None:
            return
        self._drained_fd = None
        if self._clock is not None:
            self._clock.drained = False
        drain_of(self._loop).remove(fd)
        if (pipe := self._stdout()) is not None and not pipe.is_closing():
            pipe.resume_reading()


class FFmpegProcess:
    """A running FFmpeg whose stderr is drained continuously into a bounded tail."""

    def __init__(
        self,
        transport: asyncio.SubprocessTransport,
        protocol: _OutputProtocol,
        tail: StderrTail,
        media_clock: MediaClock | None = None,
    ) -> None:
        """Wrap a started FFmpeg; use ``start`` rather than calling this directly."""
        self._transport = transport
        self._protocol = protocol
        self.tail = tail
        self.media_clock = media_clock

    @classmethod
    async def start(
        cls,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        media_clock: MediaClock | None = None,
        idle: bool = False,
    ) -> Self:
        """Start ``argv`` with stdin closed and stderr piped (``idle``: at the lowest priority).

        stdout is piped into ``media_clock`` when one is given (``argv`` must then ask for
        ``-progress pipe:1``), else closed. The child gets its own session, so a Ctrl-C aimed
        at Home Assistant's terminal reaches HA, which then stops FFmpeg in order, rather than
        FFmpeg directly.

        An ``idle`` child is for short work that may wait (a preview sheet): it runs at the
        lowest priority. It has no pre-exec hook, so Python starts it with ``vfork``, not a
        ``fork`` that copies HA's page tables on the loop, and so no death signal: it reads a
        finished file and ends by itself, and ``orphans.py`` knows it by its mark if HA dies
        first.
        """
        loop = asyncio.get_running_loop()
        full_env = {**os.environ, **(env or {}), **owner_env()}
        tail = StderrTail()
        try:
            async with spawn_turn():
                transport, protocol = await loop.subprocess_exec(
                    lambda: _OutputProtocol(loop, tail, media_clock),
                    *argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE if media_clock else subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    env=full_env,
                    start_new_session=True,
                    close_fds=True,
                    # asyncio forks in the loop's own thread, which lives as long as HA does.
                    preexec_fn=None if idle else _die_with(os.getpid()),
                )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as err:
            msg = f"FFmpeg binary {argv[0]!r} cannot be run: {err.strerror}"
            raise FFmpegNotFoundError(msg) from err
        if idle:
            _lowest_priority(transport.get_pid())
        return cls(transport, protocol, tail, media_clock)

    @property
    def pid(self) -> int:
        """Return the child's process id."""
        return self._transport.get_pid()

    @property
    def returncode(self) -> int | None:
        """Return the exit status, or None while FFmpeg runs."""
        return self._transport.get_returncode()

    async def wait(self) -> int:
        """Wait for FFmpeg to exit and for its output to be drained; return its status."""
        await asyncio.shield(self._protocol.exited)
        await asyncio.shield(self._protocol.drained)
        self._transport.close()  # releases the pipes and the child watcher; idempotent
        code = self._transport.get_returncode()
        return -1 if code is None else code  # always set before process_exited is called

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
                if self.returncode is not None:
                    break
                self._send(signum)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await asyncio.shield(self._protocol.exited)
                if self.returncode is None and signum is not signal.SIGKILL:
                    _LOGGER.debug("FFmpeg %s ignored %s, escalating", self.pid, signum.name)
            return await self.wait()
        except asyncio.CancelledError:
            self.kill()
            raise

    def kill(self) -> None:
        """Kill FFmpeg at once, without waiting (the caller still has to reap it)."""
        self._send(signal.SIGKILL)

    def _send(self, signum: signal.Signals) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._transport.send_signal(signum)


async def start_child(argv: list[str], *, stderr: bool = False) -> asyncio.subprocess.Process:
    """Start a short helper (ffprobe, ``ffmpeg -version``) as every Heldar child is started.

    Its own session, the ``HELDAR_OWNER`` mark and the death signal, as for FFmpeg; stdout
    piped, stdin closed, stderr piped if asked for (else closed). Raises OSError when it
    cannot be started.
    """
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if stderr else subprocess.DEVNULL,
        env={**os.environ, **owner_env()},
        start_new_session=True,
        close_fds=True,
        # asyncio forks in the loop's own thread, which lives as long as HA does.
        preexec_fn=_die_with(os.getpid()),
    )


async def finish_child(process: asyncio.subprocess.Process, limit: float) -> bytes | None:
    """Return a helper's stdout once it exits (its status is ``process.returncode``).

    One that outlives ``limit`` seconds is killed and reaped (None), as is one whose caller is
    cancelled; a network helper's own I/O timeout is in its arguments, this is the backstop.
    """
    try:
        async with asyncio.timeout(limit):
            out, _ = await process.communicate()
    except (TimeoutError, asyncio.CancelledError) as err:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await asyncio.shield(process.wait())
        if isinstance(err, asyncio.CancelledError):
            raise
        return None
    return out
