"""Segment files: their names, watching one FFmpeg run's output, and cleaning up stubs.

FFmpeg names each segment after the UTC wall-clock second it opened it
(``%Y%m%d_%H%M%S.mp4``). That makes the names sortable and lets the watcher find a new
segment by trying the few names the last seconds could have produced, instead of listing a
directory that holds a week of footage every second or two.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import logging
import os
from pathlib import Path
import re
import struct
import time
from typing import BinaryIO

_LOGGER = logging.getLogger(__name__)

SEGMENT_SUFFIX = ".mp4"
SEGMENT_RE = re.compile(r"^(?P<stamp>\d{8}_\d{6})\.mp4$")
_STAMP_FORMAT = "%Y%m%d_%H%M%S"
QUARANTINE_DIR = ".quarantine"

# How many seconds back a new run looks for a name an earlier run may still own.
_RECENT_NAMES = 3
# Names of a run's latest segments kept (with its first): a run may last for months.
_RECENT = 8
# Beyond this many seconds between scans, listing the directory is cheaper than guessing (a
# guess is one ``stat``; a week of footage is thousands of entries). Above the 5-minute rescan.
_MAX_GUESSES = 360


def segment_name(timestamp: float) -> str:
    """Return the file name FFmpeg gives a segment opened at ``timestamp`` (UTC seconds)."""
    return time.strftime(_STAMP_FORMAT, time.gmtime(timestamp)) + SEGMENT_SUFFIX


def segment_start(name: str) -> datetime | None:
    """Return the UTC start time encoded in a segment file name, or None if it is not one."""
    if (match := SEGMENT_RE.match(name)) is None:
        return None
    try:
        return datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


_STAMP_PREFIX = re.compile(r"^(\d{8}_\d{6})")


def recorded_at(name: str) -> float | None:
    """Return the UTC time a segment or an event file's name starts with, as a timestamp."""
    if (match := _STAMP_PREFIX.match(name)) is None:
        return None
    try:
        return datetime.strptime(match[1], _STAMP_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


@dataclass(slots=True)
class ScanResult:
    """What one look at the output directory found."""

    progressed: bool = False
    opened: list[Path] = field(default_factory=list)
    closed: list[Path] = field(default_factory=list)
    current: Path | None = None
    current_size: int = 0


class SegmentWatcher:
    """Follow the segments one FFmpeg run writes, telling growth from silence.

    ``scan`` is blocking file-system work: call it from an executor.
    """

    def __init__(self, directory: Path, started_at: float, after: str | None = None) -> None:
        """Watch ``directory`` for segments opened at or after ``started_at`` (UTC seconds).

        ``after`` is the newest name an earlier run left (see ``newest_recent_segment``): a
        run that starts in the second its predecessor's last file was named must not take that
        file, footage or stub, for its own.
        """
        self.directory = directory
        self._first_name = max(segment_name(started_at - 1), after or "")
        self._last_scan = started_at - 1
        self._first: str | None = None
        self._files: list[str] = []  # the latest ones only
        self._size = -1

    @property
    def files(self) -> list[Path]:
        """Return the run's first segment and its latest ones (not every one), oldest first."""
        names = self._files
        if self._first is not None and self._first not in names:
            names = [self._first, *names]
        return [self.directory / name for name in names]

    @property
    def current(self) -> Path | None:
        """Return the segment FFmpeg is writing now (the newest one seen)."""
        return self.directory / self._files[-1] if self._files else None

    def scan(self, now: float | None = None, *, full: bool = False) -> ScanResult:
        """Look for new segments and growth of the current one since the last scan.

        ``full`` lists the directory rather than trying the names of the last seconds.
        """
        now = time.time() if now is None else now
        floor = self._floor()
        if full or now - self._last_scan > _MAX_GUESSES:
            found = self._list_newer(floor)
        else:
            found = self._guess_newer(floor, now)
        self._last_scan = now
        result = self._take(found)
        if (current := self.current) is not None:
            try:
                size = current.stat().st_size
            except FileNotFoundError:
                size = 0
            if size > self._size >= 0:
                result.progressed = True
            self._size = size
            result.current = current
            result.current_size = size
        return result

    def adopt(self, names: list[str], now: float) -> ScanResult:
        """Take the names inotify reported as created, with no file-system access.

        While FFmpeg reports progress, growth needs no ``stat``; and a new segment is known by
        its name. This keeps the executor (a thread, and the GIL passed back and forth) out of
        the minute's segment change, which all cameras make at once.
        """
        floor = self._floor()
        found = sorted({name for name in names if SEGMENT_RE.match(name) and name > floor})
        self._last_scan = now  # everything before now was announced
        result = self._take(found)
        result.current = self.current
        return result

    def _floor(self) -> str:
        return max(self._files[-1] if self._files else "", self._first_name)

    def _take(self, found: list[str]) -> ScanResult:
        result = ScanResult()
        if found:
            if self._files:
                result.closed.append(self.directory / self._files[-1])
            result.closed.extend(self.directory / name for name in found[:-1])
            result.opened = [self.directory / name for name in found]
            self._first = self._first or found[0]
            self._files.extend(found)
            del self._files[:-_RECENT]
            self._size = -1
            result.progressed = True
        return result

    def _guess_newer(self, floor: str, now: float) -> list[str]:
        found = []
        for second in range(int(self._last_scan) - 1, int(now) + 2):
            name = segment_name(second)
            if name > floor and (self.directory / name).exists():
                found.append(name)
        return found

    def _list_newer(self, floor: str) -> list[str]:
        try:
            with os.scandir(self.directory) as entries:
                names = [e.name for e in entries if SEGMENT_RE.match(e.name)]
        except FileNotFoundError:
            return []
        return sorted(name for name in names if name > floor)


def newest_recent_segment(directory: Path, now: float) -> str | None:
    """Return the newest segment named in the last seconds (or just ahead of ``now``), if any.

    FFmpeg names a file by the second it opens it; a run started in the second an earlier run
    named its last file would write over that file. Blocking: call it from an executor.
    """
    for second in range(int(now) + 1, int(now) - _RECENT_NAMES, -1):
        name = segment_name(second)
        if (directory / name).exists():
            return name
    return None


@dataclass(frozen=True, slots=True)
class Mp4Shape:
    """The top-level boxes of a fragmented MP4, enough to tell a stub from footage."""

    boxes: tuple[str, ...]
    truncated: bool

    @property
    def has_media(self) -> bool:
        """Whether the file holds at least one fragment of samples."""
        return "moov" in self.boxes and "moof" in self.boxes and "mdat" in self.boxes

    @property
    def is_mp4(self) -> bool:
        """Whether the file starts like an MP4 at all."""
        return bool(self.boxes) and self.boxes[0] == "ftyp"


def read_mp4_shape(path: Path) -> Mp4Shape:
    """Walk the top-level box headers of ``path`` without reading the media data."""
    boxes: list[str] = []
    size = path.stat().st_size
    with path.open("rb") as handle:
        offset = 0
        while offset < size:
            box = _read_box_header(handle, offset)
            if box is None:
                return Mp4Shape(tuple(boxes), truncated=True)
            kind, length = box
            boxes.append(kind)
            if length == 0:  # "to the end of the file"
                break
            offset += length
        return Mp4Shape(tuple(boxes), truncated=offset > size)


def _read_box_header(handle: BinaryIO, offset: int) -> tuple[str, int] | None:
    handle.seek(offset)
    header = handle.read(8)
    if len(header) < 8:  # noqa: PLR2004 - an MP4 box header is 8 bytes
        return None
    length, raw_kind = struct.unpack(">I4s", header)
    if length == 1:
        large = handle.read(8)
        if len(large) < 8:  # noqa: PLR2004
            return None
        (length,) = struct.unpack(">Q", large)
    elif 0 < length < 8:  # noqa: PLR2004
        return None
    return raw_kind.decode("latin-1"), length


class SegmentVerdict(StrEnum):
    """What finishing a segment decided about it."""

    KEPT = "kept"
    REMOVED_EMPTY = "removed_empty"
    QUARANTINED = "quarantined"


def settle_last_segment(path: Path) -> SegmentVerdict:
    """Decide the fate of the last segment of an FFmpeg run, which may be a stub.

    An FFmpeg stopped just after opening a segment leaves a file with no samples (0 bytes, or
    only ``ftyp``). It holds no footage, so it is removed rather than shown to a user as an
    unplayable recording. A file that is not MP4 at all is moved aside to ``.quarantine``.
    Blocking: call it from an executor.
    """
    try:
        shape = read_mp4_shape(path)
    except FileNotFoundError:
        return SegmentVerdict.REMOVED_EMPTY
    if shape.has_media:
        return SegmentVerdict.KEPT
    if not shape.boxes or (shape.is_mp4 and "mdat" not in shape.boxes):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _LOGGER.debug("Removed %s: FFmpeg stopped before writing any samples", path.name)
        return SegmentVerdict.REMOVED_EMPTY
    quarantine(path)
    return SegmentVerdict.QUARANTINED


def quarantine(path: Path) -> Path:
    """Move an unplayable file out of the recordings into the camera's quarantine folder."""
    target_dir = path.parent / QUARANTINE_DIR
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    path.replace(target)
    _LOGGER.warning("Quarantined %s: it is not a playable recording", path)
    return target
