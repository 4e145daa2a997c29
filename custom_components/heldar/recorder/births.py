"""When did FFmpeg open each segment? To the millisecond, from Linux inotify.

A segment's file name only says which second it started in, yet pre-roll has to be cut to
within one keyframe interval, often a second or less. FFmpeg creates a segment file the moment
the keyframe that starts it arrives, so the file's creation time is the segment's start. This
module records those moments with inotify (no polling, no cost between segments). Where inotify
is not available it records nothing, and callers fall back to the name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import ctypes
import ctypes.util
import logging
import os
from pathlib import Path
import struct
import sys
import time

_LOGGER = logging.getLogger(__name__)

_IN_CREATE = 0x00000100
_IN_MOVED_TO = 0x00000080
_IN_Q_OVERFLOW = 0x00004000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name
_MAX_REMEMBERED = 512


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return libc if hasattr(libc, "inotify_init1") else None


_LIBC = _libc()


class BirthWatcher:
    """Record the wall-clock creation time of every file created in one directory."""

    def __init__(self, directory: Path, on_birth: Callable[[], None] | None = None) -> None:
        """Prepare to watch ``directory``; ``on_birth`` is called when files appear."""
        self.directory = directory
        self._on_birth = on_birth
        self.times: dict[str, float] = {}
        # Names created since the last ``take_fresh``; None once some may have been missed.
        self._fresh: list[str] | None = []
        self._fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def active(self) -> bool:
        """Whether creation times are being recorded."""
        return self._fd is not None

    def start(self) -> None:
        """Start watching (from the event loop); a no-op where inotify is unavailable."""
        if _LIBC is None or self._fd is not None:
            return
        fd = _LIBC.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            _LOGGER.debug("inotify unavailable: %s", os.strerror(ctypes.get_errno()))
            return
        if _LIBC.inotify_add_watch(fd, os.fsencode(self.directory), _IN_CREATE | _IN_MOVED_TO) < 0:
            _LOGGER.debug("cannot watch %s: %s", self.directory, os.strerror(ctypes.get_errno()))
            os.close(fd)
            return
        self._fd = fd
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(fd, self._read)

    def take_fresh(self) -> list[str] | None:
        """Return the names created since the last call, and forget them.

        None if some may have been missed (the kernel's queue overflowed, or too many piled
        up): the caller must then list the directory.
        """
        fresh, self._fresh = self._fresh, []
        return fresh

    def _note_fresh(self, name: str) -> None:
        if self._fresh is not None:
            self._fresh.append(name)
            if len(self._fresh) > _MAX_REMEMBERED:
                self._fresh = None

    def stop(self) -> None:
        """Stop watching and release the inotify descriptor."""
        if self._fd is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
        os.close(self._fd)
        self._fd = None

    def _read(self) -> None:
        now = time.time()
        if self._fd is None:  # pragma: no cover - the reader is removed with the fd
            return
        try:
            data = os.read(self._fd, 64 * 1024)
        except BlockingIOError:
            return
        offset = 0
        while offset + _EVENT.size <= len(data):
            _wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            raw = data[offset + _EVENT.size : offset + _EVENT.size + length]
            offset += _EVENT.size + length
            if mask & _IN_Q_OVERFLOW:
                self._fresh = None
            name = raw.split(b"\0", 1)[0].decode(errors="replace")
            if name:
                self.times.setdefault(name, now)
                self._note_fresh(name)
        if self._on_birth is not None:
            self._on_birth()
        if len(self.times) > _MAX_REMEMBERED:
            for name in sorted(self.times)[: len(self.times) - _MAX_REMEMBERED]:
                del self.times[name]
