"""Scrub previews: one small tile sheet of keyframes per footage segment, kept beside it.

While a user hovers or drags along the timeline, the card shows a still of that instant. A
decode at every pointer move would cost a second each; instead, when a segment is filed, one
FFmpeg decodes its keyframes only (``-skip_frame nokey``, a tenth or less of its frames),
scales them to 160 pixels wide and tiles them into one JPEG: tile ``k`` shows the last
keyframe at or before ``k * STEP`` seconds into the segment. The sheet is named after its
segment (``20260101_120000.preview.jpg``), so retention deletes both together, and a
segment whose sheet is missing (recorded before, or a failed make) gets it on first use.

Making one never delays recording: one FFmpeg at a time on one thread, a short backlog
(beyond it, new segments wait to be asked for), and a failure loses nothing: it is only
logged at debug level and the card shows no preview there. Sheets made as segments are filed
run at the lowest CPU priority (they can wait); one a viewer asked for runs at the normal one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import contextlib
from dataclasses import dataclass
import logging
import math
from pathlib import Path
import time
from typing import Any

from .process import FFmpegProcess

_LOGGER = logging.getLogger(__name__)

PREVIEW_SUFFIX = ".preview.jpg"
STEP = 2.0  # seconds between tiles: a 2 s GOP shows every keyframe
TILE_WIDTH = 160
COLUMNS = 10
QUALITY = 8  # FFmpeg's JPEG scale, 2 (best) to 31: tiles a few kilobytes each
BOUND = 60.0  # a sheet not made in this long is given up (FFmpeg killed)
_BACKLOG = 16
# A segment whose sheet could not be made is not tried again for this long (a hover would
# otherwise start FFmpeg on a broken file at every pass); at most this many are remembered.
FAILURE_MEMORY = 600.0
_FAILURES_KEPT = 1000

type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where each instant of a segment is on its sheet: ``tiles`` tiles, ``COLUMNS`` a row."""

    tiles: int
    step: float = STEP
    columns: int = COLUMNS

    @classmethod
    def for_duration(cls, seconds: float) -> SheetLayout:
        """Return the layout of a segment ``seconds`` long: a tile for each step, both ends in."""
        return cls(max(1, math.floor(max(seconds, 0.0) / STEP) + 1))

    @property
    def rows(self) -> int:
        """Return how many rows of tiles the sheet has."""
        return math.ceil(self.tiles / self.columns)

    def tile_at(self, offset: float) -> int:
        """Return the tile nearest ``offset`` seconds into the segment."""
        return min(max(round(offset / self.step), 0), self.tiles - 1)


def preview_path(segment: Path) -> Path:
    """Return where a segment's preview sheet is kept: beside it, named after it."""
    return segment.with_name(segment.stem + PREVIEW_SUFFIX)


def sheet_command(ffmpeg: str, segment: Path, target: Path, layout: SheetLayout) -> list[str]:
    """Return the FFmpeg command that writes ``segment``'s sheet to ``target``.

    Only keyframes are decoded. ``tpad`` holds the last one past the end, so the ``fps``
    filter fills every tile; with ``round=up`` a keyframe counts from the first tile at or
    after it, so each tile shows the last keyframe at or before its instant.
    """
    chain = ",".join(
        (
            "setpts=PTS-STARTPTS",
            f"scale={TILE_WIDTH}:-2",
            f"tpad=stop_mode=clone:stop_duration={layout.step:g}",
            f"fps=fps=1/{layout.step:g}:round=up",
            f"tile={layout.columns}x{layout.rows}",
        )
    )
    return [
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-threads", "1"),
        *("-skip_frame", "nokey", "-i", str(segment)),
        *("-an", "-sn", "-dn", "-vf", chain, "-frames:v", "1", "-q:v", str(QUALITY)),
        *("-f", "image2", "-update", "1", str(target)),
    ]


class PreviewMaker:
    """Make segments' preview sheets, one FFmpeg at a time, off the event loop."""

    def __init__(
        self,
        ffmpeg: str,
        *,
        task_factory: TaskFactory | None = None,
        at_once: int = 1,
        backlog: int = _BACKLOG,
        bound: float = BOUND,
    ) -> None:
        """Make with ``ffmpeg``; ``task_factory`` owns background makes (HA: the entry)."""
        self.ffmpeg = ffmpeg
        self.bound = bound
        self._task_factory = task_factory
        self._slots = asyncio.Semaphore(at_once)
        self._backlog = backlog
        self._running: dict[Path, asyncio.Future[bool]] = {}
        self._queued = 0
        self._failed: dict[Path, float] = {}  # segment: when its make failed (monotonic)

    @property
    def queued(self) -> int:
        """Return how many sheets are waiting or being made in the background."""
        return self._queued

    def submit(self, segment: Path, seconds: float) -> None:
        """Make a just-filed segment's sheet in the background, unless the backlog is full."""
        if self._queued >= self._backlog:
            _LOGGER.debug("No preview made now for %s: %d waiting", segment.name, self._queued)
            return
        self._queued += 1
        coro = self._background(segment, seconds)
        name = f"heldar preview {segment.name}"
        if self._task_factory is None:
            asyncio.get_running_loop().create_task(coro, name=name)
        else:
            self._task_factory(coro, name)

    async def _background(self, segment: Path, seconds: float) -> None:
        try:
            await self.make(segment, seconds)
        finally:
            self._queued -= 1

    async def ensure(self, segment: Path, seconds: float) -> Path | None:
        """Return the segment's sheet, made now if it is missing; None if it cannot be."""
        target = preview_path(segment)
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, target.is_file):
            return target
        return target if await self.make(segment, seconds, asked=True) else None

    async def make(self, segment: Path, seconds: float, *, asked: bool = False) -> bool:
        """Make (or remake) a segment's sheet; two callers for one segment share one FFmpeg.

        ``asked``: a viewer waits for it, so its FFmpeg runs at the normal CPU priority, not
        the lowest. A segment that just failed is not tried again for ``FAILURE_MEMORY`` s.
        """
        if (pending := self._running.get(segment)) is not None:
            return await asyncio.shield(pending)
        failed = self._failed.get(segment)
        if failed is not None and time.monotonic() - failed < FAILURE_MEMORY:
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._running[segment] = future
        made = False
        try:
            async with self._slots:
                made = await self._run(segment, SheetLayout.for_duration(seconds), idle=not asked)
        finally:
            del self._running[segment]
            future.set_result(made)
        if made:
            self._failed.pop(segment, None)
        else:
            self._failed[segment] = time.monotonic()
            while len(self._failed) > _FAILURES_KEPT:
                del self._failed[next(iter(self._failed))]
        return made

    async def _run(self, segment: Path, layout: SheetLayout, *, idle: bool) -> bool:
        loop = asyncio.get_running_loop()
        target = preview_path(segment)
        # Written under a hidden name and renamed, so a reader never sees half a sheet.
        partial = target.with_name(f".{target.name}")
        argv = sheet_command(self.ffmpeg, segment, partial, layout)
        try:
            # In the background at the lowest priority: the loop and the recordings cannot wait.
            process = await FFmpegProcess.start(argv, idle=idle)
        except OSError as err:  # FFmpeg missing (FFmpegNotFoundError), no processes left...
            _LOGGER.debug("No preview for %s: %s", segment.name, err)
            return False
        try:
            async with asyncio.timeout(self.bound):
                code = await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
            code = None
        except asyncio.CancelledError:
            process.kill()
            await asyncio.shield(process.wait())
            await loop.run_in_executor(None, _discard, partial)
            raise
        if code != 0:
            await loop.run_in_executor(None, _discard, partial)
            why = "killed" if code is None else process.tail.text()
            _LOGGER.debug("No preview for %s: %s", segment.name, why)
            return False
        return await loop.run_in_executor(None, _place, partial, target, segment)


def _place(partial: Path, target: Path, segment: Path) -> bool:
    """Rename the sheet into place if its segment is still there. Blocking."""
    if not segment.exists() or not partial.is_file():
        # Retention deleted the segment meanwhile: its sheet must not outlive it.
        _discard(partial)
        return False
    try:
        partial.replace(target)
    except OSError as err:
        _LOGGER.debug("No preview for %s: %s", segment.name, err)
        _discard(partial)
        return False
    return True


def _discard(path: Path) -> None:
    """Remove a partial sheet. Blocking."""
    with contextlib.suppress(OSError):
        path.unlink()
