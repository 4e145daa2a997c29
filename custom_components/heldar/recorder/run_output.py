"""Where one FFmpeg run's segments land, when each began, and how they reach the archive."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
import time

from .archive import Archive, ClosedSegment
from .births import BirthWatcher
from .failure import classify_os_error, describe_os_error
from .progress import MediaClock
from .segments import (
    ScanResult,
    SegmentVerdict,
    SegmentWatcher,
    read_mp4_shape,
    recorded_at,
    settle_last_segment,
)
from .source import StreamName
from .status import Board, RecorderState

# A birth stamp is trusted from just before its name's second to this long after it began.
_EARLY = 0.05
_LATE = 1.25


@dataclass(slots=True)
class RunOutput:
    """One FFmpeg run's output: where it lands and when each segment began."""

    watcher: SegmentWatcher
    births: BirthWatcher
    buffering: bool
    clock: MediaClock
    stream: StreamName | None = None  # which of a dual-stream camera's streams it writes
    file_born: bool = True
    last_scan: float = float("-inf")
    # file name -> when FFmpeg last wrote the file before it, which it closes as it opens this
    # one: a kernel stamp, unlike a birth that a held-up loop reads late (see ``start_of``).
    switched_at: dict[str, float] = field(default_factory=dict)

    def scan_due(self, now: float, *, reporting: bool, rescan: float) -> bool:
        """Whether to look at the files now, rather than trust FFmpeg's progress reports.

        Each look is a trip to an executor thread; with many cameras those trips were most of
        Heldar's CPU in Home Assistant. Growth matters only when FFmpeg gives no progress
        reports, and new files announce themselves through inotify.
        """
        return (
            not reporting
            or not self.births.active
            or self.file_born
            or now - self.last_scan >= rescan
        )

    async def look(self, now: float, *, reporting: bool, rescan: float) -> ScanResult:
        """Scan the output directory when it is due; otherwise report nothing new.

        A new file that inotify named is taken by its name; the directory itself is looked at
        (in the executor) only when the evidence needs it, or for the periodic rescan.
        """
        if not self.scan_due(now, reporting=reporting, rescan=rescan):
            return ScanResult(current=self.watcher.current)
        self.file_born = False
        fresh = self.births.take_fresh()
        named = reporting and self.births.active and fresh is not None
        if named and now - self.last_scan < rescan:
            return self.watcher.adopt(fresh or [], time.time())
        self.last_scan = now
        scan = partial(self.watcher.scan, full=fresh is None)
        return await asyncio.get_running_loop().run_in_executor(None, scan)

    def open_files(self) -> set[Path]:
        """The segment FFmpeg is writing now: never to be deleted."""
        return {current} if (current := self.watcher.current) is not None else set()

    def start_of(self, path: Path) -> float:
        """Return a segment's start: the file before's last write, its birth, or its name.

        The run's first file is created when FFmpeg connects, but its footage starts at the
        first keyframe, up to a GOP (20 s on some cameras) later: FFmpeg's reports date it.
        """
        first = self.watcher.files[0] if self.watcher.files else None
        if path == first and self.clock.first_frame_at is not None:
            return time.time() - (self.clock.clock() - self.clock.first_frame_at)
        named = recorded_at(path.name)
        switched = self.switched_at.get(path.name)
        # FFmpeg writes the last fragment of a segment and closes it as it opens the next:
        # the file before's last write is this one's birth (equal to the millisecond on 5.1
        # and 9.0), stamped by the kernel however late the loop reads it.
        if switched is not None and named is not None and named - _EARLY <= switched < named + 1:
            return switched
        born = self.births.times.get(path.name)
        # inotify is read by the loop: a loop held up for seconds (a busy machine) reads
        # several births at once, stamping them all late and alike. The name's second, which
        # FFmpeg took when it opened the file, tells such a stamp from a true one.
        if born is not None and (named is None or named - _EARLY <= born < named + _LATE):
            return born
        return named if named is not None else time.time()

    async def archive_closed(
        self, archive: Archive, closed: list[Path], current: Path | None
    ) -> None:
        """Hand newly closed segments, with their wall-clock spans, to the archive."""
        now = time.time()
        if not closed:
            if archive.busy:
                await archive.settle(now, running=True)
            return
        files = [*closed, *([current] if current else [])]
        written = await asyncio.get_running_loop().run_in_executor(None, _last_writes, closed)
        kept = {name: at for name, at in self.switched_at.items() if name >= files[0].name}
        self.switched_at = kept | {
            following.name: at
            for following, at in zip(files[1:], written, strict=False)
            if at is not None
        }
        starts = [self.start_of(path) for path in files]
        ends = starts[1:] if current else [*starts[1:], now]
        segments = [
            ClosedSegment(path, start, end, self.stream)
            for path, start, end in zip(closed, starts, ends, strict=False)
        ]
        await archive.route(segments, now)

    async def finish(self, archive: Archive) -> Path | None:
        """After FFmpeg exited: archive the last segment, or remove the stub it left.

        Returns the stub removed, if any, so the status stops naming it; settling the archive
        is the caller's next step.
        """
        loop = asyncio.get_running_loop()
        scan = await loop.run_in_executor(None, self.watcher.scan)
        await self.archive_closed(archive, scan.closed, scan.current)
        removed = None
        if (last := self.watcher.current) is not None:
            verdict = await loop.run_in_executor(None, settle_last_segment, last)
            if verdict is SegmentVerdict.KEPT:
                end = await loop.run_in_executor(None, _mtime, last)
                await archive.route(
                    [ClosedSegment(last, self.start_of(last), end, self.stream)], time.time()
                )
            else:
                removed = last
        return removed


async def make_dir(directory: Path, board: Board) -> bool:
    """Create a folder FFmpeg writes into; if that fails, show why and return False."""
    make = partial(directory.mkdir, parents=True, exist_ok=True)
    try:
        await asyncio.get_running_loop().run_in_executor(None, make)
    except OSError as err:
        failure = classify_os_error(err)
        words = f"cannot create {directory}: {describe_os_error(err)}"
        board.fail(RecorderState.ERROR, words, failure.problem, count=False, reason=failure.reason)
        return False
    return True


def has_footage(path: Path) -> bool:
    """Whether a segment holds at least one fragment of samples on disk. Blocking."""
    try:
        return read_mp4_shape(path).has_media
    except FileNotFoundError:
        return False


def _last_writes(paths: list[Path]) -> list[float | None]:
    """Each closed file's last write (None if it is gone already). Blocking."""
    written: list[float | None] = []
    for path in paths:
        try:
            written.append(path.stat().st_mtime)
        except OSError:
            written.append(None)
    return written


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()
