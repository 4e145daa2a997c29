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
from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
import tempfile
import time

from .ffprobe import FFprobeMissingError, find_ffprobe, probe
from .segments import SEGMENT_RE, quarantine, read_mp4_shape, segment_start

__all__ = [
    "FFprobeMissingError",
    "SegmentIndex",
    "SegmentInfo",
    "find_ffprobe",
    "probe",
]

_LOGGER = logging.getLogger(__name__)

CACHE_FILE = ".index.json"
MIN_DURATION = 0.05
GAP_SECONDS = 3.0
_PROBES_AT_ONCE = 2

type _CacheRecords = dict[str, list[float | str | None]]


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """One footage segment."""

    name: str
    start: float
    duration: float
    size: int
    codec: str | None = None
    mtime: float = 0.0

    @property
    def end(self) -> float:
        """Return when the segment's footage ends."""
        return self.start + self.duration


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
        self, path: Path, start: float, end: float, codec: str | None = None
    ) -> bool:
        """Index a segment the recorder just closed, with its exact span.

        The file is checked in an executor thread; the index changes here, on the loop.
        Returns False, after moving it to quarantine, if it is not a playable recording.
        """
        loop = asyncio.get_running_loop()
        found, quarantined = await loop.run_in_executor(
            None, _check_closed, path, start, end, codec
        )
        return self._take_checked(found, quarantined=quarantined)

    def add_known(self, path: Path, start: float, end: float, codec: str | None = None) -> bool:
        """Like ``add_closed``, all in the caller's thread (which must be the loop's). Blocking."""
        found, quarantined = _check_closed(path, start, end, codec)
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
                    fresh.append(
                        SegmentInfo(name, start.timestamp(), entry[2], size, entry[3], mtime)
                    )
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
        records: _CacheRecords = {
            segment.name: [segment.size, segment.mtime, segment.duration, segment.codec]
            for segment in self._segments
        }
        await asyncio.get_running_loop().run_in_executor(
            None, _write_cache, self.camera_dir, records
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
            self.quarantined += await loop.run_in_executor(None, _quarantine, path, "0 bytes")
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
            self.quarantined += await loop.run_in_executor(None, _quarantine, path, why)
            return None
        return SegmentInfo(name, start.timestamp(), measured.duration, size, measured.codec, mtime)

    def _scan_and_load_cache(
        self,
    ) -> tuple[dict[str, tuple[int, float]], dict[str, tuple[int, float, float, str | None]]]:
        found: dict[str, tuple[int, float]] = {}
        try:
            with os.scandir(self.camera_dir) as entries:
                for entry in entries:
                    if SEGMENT_RE.match(entry.name) and entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        found[entry.name] = (info.st_size, info.st_mtime)
        except FileNotFoundError:
            return {}, {}
        cached: dict[str, tuple[int, float, float, str | None]] = {}
        with contextlib.suppress(OSError, ValueError, TypeError):
            raw = json.loads((self.camera_dir / CACHE_FILE).read_text(encoding="utf-8"))
            cached = {name: (int(v[0]), float(v[1]), float(v[2]), v[3]) for name, v in raw.items()}
        return found, cached


def _check_closed(
    path: Path, start: float, end: float, codec: str | None
) -> tuple[SegmentInfo | None, bool]:
    """Return a closed segment's index entry, or None and whether it was quarantined. Blocking."""
    duration = end - start
    try:
        size = path.stat().st_size
        shape = read_mp4_shape(path) if size else None
    except FileNotFoundError:
        return None, False
    if shape is None or not shape.has_media or duration <= MIN_DURATION:
        return None, _quarantine(path, f"{size} bytes, {duration:.2f} s")
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None, False
    return SegmentInfo(path.name, start, duration, size, codec, mtime), False


def _quarantine(path: Path, why: str) -> bool:
    """Move an unplayable file aside; return whether it was there to move. Blocking."""
    with contextlib.suppress(FileNotFoundError):
        quarantine(path)
        _LOGGER.warning("Quarantined %s (%s)", path, why)
        return True
    return False


def _write_cache(camera_dir: Path, records: _CacheRecords) -> None:
    """Write the cache atomically from a snapshot of the index. Blocking."""
    if not camera_dir.is_dir():
        return
    fd, temporary = tempfile.mkstemp(prefix=".index.", suffix=".tmp", dir=camera_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(records, handle)
    Path(temporary).replace(camera_dir / CACHE_FILE)
