"""A camera's activity levels on disk: one byte a second, one file a UTC day.

``<camera>/.activity/YYYYMMDD.act`` is an 8-byte header (``HLDACT`` and a format version) and
then 86 400 bytes, the level of each second of that UTC day (named like the segments, in UTC,
so a day file never straddles a DST change). A second is at a fixed offset, so the meter's
levels are written in place as they are known (``pwrite``, no rewrite of the file) and any
range is read with one ``pread`` per day, without parsing: 30 days of 8 cameras are 240 reads
of up to 84 KiB. Seconds never written read as 0, unmeasured (the file is created sparse).

A day file is created complete (header and size) under a temporary name and renamed into
place, so a crash never leaves a file without its header; a file with a wrong header is
renamed aside as ``.bad`` and starts again unmeasured rather than be misread. Blocking: run it
in an executor.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
import logging
import os
from pathlib import Path
import tempfile

from .activity_levels import ActivityLevels

_LOGGER = logging.getLogger(__name__)

ACTIVITY_DIR = ".activity"
_SUFFIX = ".act"
_MAGIC = b"HLDACT\x00\x01"  # format 1: one level byte per second
DAY = 86400


def _day_of(second: int) -> date:
    return datetime.fromtimestamp(second, UTC).date()


def _day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


class ActivityStore:
    """The activity files of one camera folder."""

    def __init__(self, camera_dir: Path) -> None:
        """Keep levels in ``camera_dir / .activity`` (created on the first write)."""
        self.directory = camera_dir / ACTIVITY_DIR

    def path(self, day: date) -> Path:
        """Return the file of one UTC day."""
        return self.directory / f"{day:%Y%m%d}{_SUFFIX}"

    def write(self, levels: list[tuple[int, int]]) -> None:
        """Store (UTC second, level byte) pairs; consecutive seconds go in one write."""
        runs: list[tuple[int, bytearray]] = []
        for second, level in sorted(levels):
            if runs and runs[-1][0] + len(runs[-1][1]) == second:
                runs[-1][1].append(level)
            else:
                runs.append((second, bytearray([level])))
        for first, run in runs:
            self.write_run(first, bytes(run))

    def write_run(self, first: int, levels: bytes) -> None:
        """Store the levels of consecutive seconds from ``first`` (UTC), across days if need be."""
        offset = 0
        while offset < len(levels):
            second = first + offset
            day = _day_of(second)
            into = second - _day_start(day)
            piece = levels[offset : offset + DAY - into]
            self._write_day(day, into, piece)
            offset += len(piece)

    def load(self, start: float, end: float) -> ActivityLevels:
        """Return the levels of ``[start, end)``, 0 where nothing was stored."""
        first, stop = int(start // 1), -int(-end // 1)
        chunks = []
        second = first
        while second < stop:
            day = _day_of(second)
            into = second - _day_start(day)
            count = min(DAY - into, stop - second)
            chunks.append(self._read_day(day, into, count))
            second += count
        return ActivityLevels(first, b"".join(chunks))

    def days(self) -> list[date]:
        """Return the days that have a file, oldest first."""
        try:
            names = [path.name for path in self.directory.iterdir()]
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            if name.endswith(_SUFFIX):
                with contextlib.suppress(ValueError):
                    stamp = datetime.strptime(name[: -len(_SUFFIX)], "%Y%m%d").replace(tzinfo=UTC)
                    found.append(stamp.date())
        return sorted(found)

    def prune(self, before: float) -> list[date]:
        """Delete the files of days that ended at or before ``before``; return those days."""
        gone = [day for day in self.days() if _day_start(day) + DAY <= before]
        for day in gone:
            with contextlib.suppress(FileNotFoundError):
                self.path(day).unlink()
        return gone

    # -- internals -------------------------------------------------------------------------

    def _read_day(self, day: date, into: int, count: int) -> bytes:
        try:
            fd = os.open(self.path(day), os.O_RDONLY)
        except FileNotFoundError:
            return bytes(count)
        try:
            if os.pread(fd, len(_MAGIC), 0) != _MAGIC:
                _LOGGER.warning("Ignoring %s: not an activity file", self.path(day))
                return bytes(count)
            data = os.pread(fd, count, len(_MAGIC) + into)
        finally:
            os.close(fd)
        return data + bytes(count - len(data))

    def _write_day(self, day: date, into: int, levels: bytes) -> None:
        path = self.path(day)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            self._create(path)
            fd = os.open(path, os.O_RDWR)
        try:
            if os.pread(fd, len(_MAGIC), 0) != _MAGIC:
                os.close(fd)
                fd = -1
                path.replace(path.with_suffix(".bad"))
                _LOGGER.warning("Moved %s aside: not an activity file", path)
                self._create(path)
                fd = os.open(path, os.O_RDWR)
            os.pwrite(fd, levels, len(_MAGIC) + into)
        finally:
            if fd >= 0:
                os.close(fd)

    def _create(self, path: Path) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
        try:
            os.write(fd, _MAGIC)
            os.ftruncate(fd, len(_MAGIC) + DAY)
        finally:
            os.close(fd)
        # Another writer may have created it meanwhile: the first file stays.
        try:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            Path(temporary).unlink()
