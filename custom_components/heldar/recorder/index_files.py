"""The index's file work: checking a closed segment, quarantine, writing the cache. Blocking."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
import tempfile

from .segments import quarantine, read_mp4_shape

_LOGGER = logging.getLogger(f"{__package__}.index")

CACHE_FILE = ".index.json"
MIN_DURATION = 0.05

type CacheRecords = dict[str, list[float | str | None]]


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """One footage segment."""

    name: str
    start: float
    duration: float
    size: int
    codec: str | None = None
    mtime: float = 0.0
    stream: str | None = None  # a camera with a sub-stream: "main" or "sub"

    @property
    def end(self) -> float:
        """Return when the segment's footage ends."""
        return self.start + self.duration


def check_closed(
    path: Path, start: float, end: float, codec: str | None, stream: str | None = None
) -> tuple[SegmentInfo | None, bool]:
    """Return a closed segment's index entry, or None and whether it was quarantined. Blocking."""
    duration = end - start
    try:
        size = path.stat().st_size
        shape = read_mp4_shape(path) if size else None
    except FileNotFoundError:
        return None, False
    if shape is None or not shape.has_media or duration <= MIN_DURATION:
        return None, quarantine_file(path, f"{size} bytes, {duration:.2f} s")
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None, False
    return SegmentInfo(path.name, start, duration, size, codec, mtime, stream), False


def quarantine_file(path: Path, why: str) -> bool:
    """Move an unplayable file aside; return whether it was there to move. Blocking."""
    with contextlib.suppress(FileNotFoundError):
        quarantine(path)
        _LOGGER.warning("Quarantined %s (%s)", path, why)
        return True
    return False


def write_cache(camera_dir: Path, records: CacheRecords) -> None:
    """Write the cache atomically from a snapshot of the index. Blocking."""
    if not camera_dir.is_dir():
        return
    fd, temporary = tempfile.mkstemp(prefix=".index.", suffix=".tmp", dir=camera_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(records, handle)
    Path(temporary).replace(camera_dir / CACHE_FILE)
