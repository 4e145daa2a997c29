"""Read every camera's FFmpeg progress pipe in one turn of the loop, once a second.

Each FFmpeg reports once a second. Read through its own pipe callback, every report wakes the
event loop: with 32 cameras, 32 wake-ups a second, each costing tens of microseconds of kernel
and asyncio work, far more than reading the report itself (about 2 µs). Once a camera's
media flows steadily, its pipe leaves the selector and this drain reads it together with the
others': one wake-up a second for all cameras. A report is then seen up to a second late,
well within the stall limit (6 s at least) and the drift limit (5 s).

While a camera connects, its pipe keeps its own callback: the first report must wake the
supervisor at once, so ``recording`` shows without delay.

Each tick also calls every pipe's ``watch``, data or not: the supervisor checks its stall and
drift limits there (a few float comparisons), so it needs no timer of its own to catch a camera
that went silent, and sleeps until something happens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import os
from weakref import WeakKeyDictionary

from .progress import PROGRESS_PERIOD

_CHUNK = 64 * 1024
type _Pipe = tuple[Callable[[bytes], None], Callable[[], None], Callable[[], None] | None]


class ProgressDrain:
    """The pipes one loop reads on a shared timer, each with the callbacks that take its data."""

    def __init__(self, loop: asyncio.AbstractEventLoop, period: float = PROGRESS_PERIOD) -> None:
        """Read nothing until a pipe is added."""
        self._loop = loop
        # Seconds between reads. A camera that goes silent is seen at the first tick past its
        # stall limit, so a slower tick costs detection time (``bench/report_floor.py``).
        self.period = period
        self._pipes: dict[int, _Pipe] = {}
        self._tick: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Return how many pipes are drained."""
        return len(self._pipes)

    def add(
        self,
        fd: int,
        feed: Callable[[bytes], None],
        ended: Callable[[], None],
        watch: Callable[[], None] | None = None,
    ) -> None:
        """Read ``fd`` (non-blocking) on the shared timer into ``feed``, then call ``watch``.

        ``ended`` is called, after the pipe was removed, when it reaches its end or fails: its
        owner then reads it itself again, to see the end the usual way.
        """
        self._pipes[fd] = (feed, ended, watch)
        if self._tick is None:
            self._tick = self._loop.call_later(self.period, self._read_all)

    def remove(self, fd: int) -> None:
        """Stop reading ``fd``; the timer stops with the last pipe, so none outlives them."""
        self._pipes.pop(fd, None)
        if not self._pipes and self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def _read_all(self) -> None:
        self._tick = None
        for fd, (feed, ended, watch) in list(self._pipes.items()):
            try:
                self._read_one(fd, feed, ended, watch)
            except Exception as err:  # noqa: BLE001 - one owner's bug must not stop the others
                context = {"message": "Heldar progress callback failed", "exception": err}
                self._loop.call_exception_handler(context)
        if self._pipes and self._tick is None:
            self._tick = self._loop.call_later(self.period, self._read_all)

    def _read_one(
        self,
        fd: int,
        feed: Callable[[bytes], None],
        ended: Callable[[], None],
        watch: Callable[[], None] | None,
    ) -> None:
        try:
            data: bytes | None = os.read(fd, _CHUNK)
        except BlockingIOError:
            data = None
        except OSError:
            data = b""
        if data == b"":  # the end of the pipe: its transport must see it
            self.remove(fd)
            ended()
            return
        if data:
            feed(data)
        if watch is not None:
            watch()


_DRAINS: WeakKeyDictionary[asyncio.AbstractEventLoop, ProgressDrain] = WeakKeyDictionary()


def drain_of(loop: asyncio.AbstractEventLoop) -> ProgressDrain:
    """Return ``loop``'s drain."""
    if (drain := _DRAINS.get(loop)) is None:
        drain = _DRAINS[loop] = ProgressDrain(loop)
    return drain


def pipe_fd(transport: asyncio.BaseTransport | None) -> int | None:
    """Return a pipe transport's file descriptor, if it has one open."""
    if transport is None or transport.is_closing():
        return None
    pipe = transport.get_extra_info("pipe")
    with contextlib.suppress(AttributeError, ValueError, OSError):
        return int(pipe.fileno())
    return None
