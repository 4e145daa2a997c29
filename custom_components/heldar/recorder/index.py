"""The index of a camera's footage: every closed segment's start, length, codec and size.

Live segments are indexed from what the recorder knows, so nothing is probed while
recording; at start-up the folder is read again in the background, new files measured with
ffprobe and cached in ``.index.json``. A segment empty, unplayable or under 0.05 s goes to
``.quarantine``; a gap over 3 s is recorded. The index is only read and changed on the event
loop: file work runs in executor threads, the cache is written from a snapshot.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import logging
import os
from pathlib import Path
import time

from .ffprobe import FFprobeMissingError, find_ffprobe, probe
from .index_files import (
    CACHE_FILE,
    MIN_DURATION,
    CacheRecords,
    SegmentInfo,
    check_closed,
    quarantine_file,
    write_cache,
)
from .segments import SEGMENT_RE, segment_start

__all__ = ["FFprobeMissingError", "SegmentIndex", "SegmentInfo", "find_ffprobe", "probe"]

_LOGGER = logging.getLogger(__name__)

GAP_SECONDS = 3.0
_PROBES_AT_ONCE = 2

# size, mtime, duration, codec, stream
type _CacheEntry = tuple[int, float, float, str | None, str | None]


class SegmentIndex:
    """The footage of one camera folder, in start order."""

    def __init__(self, camera_dir: Path, ffprobe: str | None) -> None:
        """Index ``camera_dir``; ``ffprobe`` measures files found on disk (None: not available)."""
        self.camera_dir = camera_dir
        self._ffprobe = ffprobe
        self._starts: list[float] = []
        self._segments: list[SegmentInfo] = []
        self._names: dict[str, SegmentInfo] = {}
        self.quarantined = 0
        self.ready = False
        self._dirty = False

    # -- reading ---------------------------------------------------------------------------

    @property
    def ffprobe(self) -> str | None:
        """Return the ffprobe in use, or None when there is none."""
        return self._ffprobe

    def __len__(self) -> int:
        """Return how many segments are indexed."""
        return len(self._segments)

    @property
    def segments(self) -> list[SegmentInfo]:
        """Return all segments, oldest first."""
        return list(self._segments)

    @property
    def total_bytes(self) -> int:
        """Return the footage's size on disk."""
        return sum(segment.size for segment in self._segments)

    @property
    def oldest(self) -> SegmentInfo | None:
        """Return the oldest segment, if any."""
        return self._segments[0] if self._segments else None

    def get(self, name: str) -> SegmentInfo | None:
        """Return a segment by name."""
        return self._names.get(name)

    def between(self, start: float, end: float) -> list[SegmentInfo]:
        """Return the segments that start in ``[start, end)``."""
        low = bisect.bisect_left(self._starts, start)
        high = bisect.bisect_left(self._starts, end)
        return self._segments[low:high]

    def gaps(self, since: float = 0.0) -> list[tuple[float, float]]:
        """Return the holes longer than 3 s between consecutive segments after ``since``."""
        holes = []
        for before, after in zip(self._segments, self._segments[1:], strict=False):
            if after.start >= since and after.start - before.end > GAP_SECONDS:
                holes.append((before.end, after.start))
        return holes

    def gap_count(self, now: float | None = None, window: float = 86400.0) -> int:
        """Return how many gaps the last 24 hours (``window``) hold."""
        now = time.time() if now is None else now
        return len(self.gaps(since=now - window))

    # -- writing ---------------------------------------------------------------------------

    async def add_closed(
        self,
        path: Path,
        start: float,
        end: float,
        codec: str | None = None,
        stream: str | None = None,
    ) -> bool:
        """Index a segment the recorder just closed, with its exact span.

        The file is checked in an executor thread; the index changes here, on the loop.
        Returns False, after moving it to quarantine, if it is not a playable recording.
        """
        loop = asyncio.get_running_loop()
        found, quarantined = await loop.run_in_executor(
            None, check_closed, path, start, end, codec, stream
        )
        return self._take_checked(found, quarantined=quarantined)

    def add_known(
        self,
        path: Path,
        start: float,
        end: float,
        codec: str | None = None,
        stream: str | None = None,
    ) -> bool:
        """Like ``add_closed``, all in the caller's thread (which must be the loop's). Blocking."""
        found, quarantined = check_closed(path, start, end, codec, stream)
        return self._take_checked(found, quarantined=quarantined)

    def _take_checked(self, found: SegmentInfo | None, *, quarantined: bool) -> bool:
        self.quarantined += quarantined
        if found is None:
            return False
        self._insert(found)
        self._dirty = True
        return True

    def forget(self, names: list[str]) -> None:
        """Drop deleted segments from the index."""
        for name in names:
            if (segment := self._names.pop(name, None)) is not None:
                index = bisect.bisect_left(self._starts, segment.start)
                while self._segments[index].name != name:
                    index += 1
                del self._segments[index]
                del self._starts[index]
        self._dirty = bool(names) or self._dirty

    async def rebuild(self, *, skip: set[str] | None = None) -> None:
        """Read the folder again, measuring files the cache does not know.

        ``skip`` names files that must not be judged now, such as the segment being written.
        """
        loop = asyncio.get_running_loop()
        found, cached = await loop.run_in_executor(None, self._scan_and_load_cache)
        fresh: list[SegmentInfo] = []
        unknown: list[tuple[str, int, float]] = []
        for name, (size, mtime) in found.items():
            if skip and name in skip:
                continue
            entry = cached.get(name)
            if entry is not None and entry[0] == size and entry[1] == mtime:
                start = segment_start(name)
                if start is not None:
                    _, _, seconds, codec, stream = entry
                    info = SegmentInfo(name, start.timestamp(), seconds, size, codec, mtime, stream)
                    fresh.append(info)
                continue
            unknown.append((name, size, mtime))
        semaphore = asyncio.Semaphore(_PROBES_AT_ONCE)
        measured = await asyncio.gather(
            *(self._measure(name, size, mtime, semaphore) for name, size, mtime in unknown)
        )
        fresh.extend(segment for segment in measured if segment is not None)
        for segment in sorted(fresh, key=lambda s: s.start):
            self._insert(segment)
        self.ready = True
        self._dirty = True
        await self.save()

    async def save(self) -> None:
        """Persist the measured facts, so the next start need not measure them again."""
        if not self._dirty:
            return
        self._dirty = False
        records: CacheRecords = {
            segment.name: [
                segment.size,
                segment.mtime,
                segment.duration,
                segment.codec,
                segment.stream,
            ]
            for segment in self._segments
        }
        await asyncio.get_running_loop().run_in_executor(
            None, write_cache, self.camera_dir, records
        )

    # -- internals -------------------------------------------------------------------------

    def _insert(self, segment: SegmentInfo) -> None:
        if segment.name in self._names:
            self.forget([segment.name])
        index = bisect.bisect_right(self._starts, segment.start)
        self._starts.insert(index, segment.start)
        self._segments.insert(index, segment)
        self._names[segment.name] = segment

    async def _measure(
        self, name: str, size: int, mtime: float, semaphore: asyncio.Semaphore
    ) -> SegmentInfo | None:
        path = self.camera_dir / name
        start = segment_start(name)
        if start is None:
            return None
        loop = asyncio.get_running_loop()
        if size == 0:
            self.quarantined += await loop.run_in_executor(None, quarantine_file, path, "0 bytes")
            return None
        if self._ffprobe is None:
            return SegmentInfo(name, start.timestamp(), 0.0, size, None, mtime)
        async with semaphore:
            try:
                measured = await probe(self._ffprobe, path)
            except FFprobeMissingError as err:
                _LOGGER.warning("Indexing without durations: %s", err)
                self._ffprobe = None
                return SegmentInfo(name, start.timestamp(), 0.0, size, None, mtime)
        if measured is None or measured.duration is None or measured.duration <= MIN_DURATION:
            why = "unreadable" if measured is None else f"duration {measured.duration}"
            self.quarantined += await loop.run_in_executor(None, quarantine_file, path, why)
            return None
        return SegmentInfo(name, start.timestamp(), measured.duration, size, measured.codec, mtime)

    def _scan_and_load_cache(
        self,
    ) -> tuple[dict[str, tuple[int, float]], dict[str, _CacheEntry]]:
        found: dict[str, tuple[int, float]] = {}
        try:
            with os.scandir(self.camera_dir) as entries:
                for entry in entries:
                    if SEGMENT_RE.match(entry.name) and entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        found[entry.name] = (info.st_size, info.st_mtime)
        except FileNotFoundError:
            return {}, {}
        cached: dict[str, _CacheEntry] = {}
        with contextlib.suppress(OSError, ValueError, TypeError):
            raw = json.loads((self.camera_dir / CACHE_FILE).read_text(encoding="utf-8"))
            cached = {
                name: (int(v[0]), float(v[1]), float(v[2]), v[3], (v[4:] or [None])[0])
                for name, v in raw.items()
            }
        return found, cached
