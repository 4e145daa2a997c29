"""The mirror: a byte-identical second copy of finished recordings, for example on a NAS.

The original NVR opened a second camera session for its mirror, so the copies never matched.
Here finished segments, event clips and their journals are copied file by file (to a temporary
name, checked for size, then renamed), so a copy is either complete and identical or absent.
Every run compares the two sides, so a mirror that was unreachable catches up by itself. The
mirror has its own age limit; recording never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import shutil
import tempfile
import time

from .events import EVENTS_DIR
from .segments import recorded_at
from .store import HOUR, CameraStore

_LOGGER = logging.getLogger(__name__)


class MirrorUnreachableError(OSError):
    """The mirror directory is missing or cannot be written."""


@dataclass(slots=True)
class MirrorReport:
    """What one synchronisation did."""

    copied_files: int = 0
    copied_bytes: int = 0
    pruned_files: int = 0
    pending_files: int = 0
    reachable: bool = True
    error: str | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Wanted:
    source: Path
    target: Path
    size: int


class Mirror:
    """Keep ``root/<camera>/`` a copy of each camera's finished recordings."""

    def __init__(self, root: Path, retention_hours: float) -> None:
        """Mirror into ``root``, keeping copies for ``retention_hours``."""
        self.root = root
        self.retention_hours = retention_hours
        self._lock = asyncio.Lock()

    async def sync(self, stores: list[CameraStore], now: float | None = None) -> MirrorReport:
        """Copy what is missing, prune what is too old; never raises for an unreachable mirror."""
        async with self._lock:
            started = time.monotonic()
            now = time.time() if now is None else now
            cut = now - self.retention_hours * HOUR
            wanted = [want for store in stores for want in self._wanted(store, cut)]
            loop = asyncio.get_running_loop()
            report = MirrorReport()
            try:
                await loop.run_in_executor(None, _check_reachable, self.root)
                await loop.run_in_executor(None, _copy_missing, wanted, report)
                report.pruned_files = await loop.run_in_executor(
                    None, _prune, self.root, [store.camera_id for store in stores], cut
                )
            except OSError as err:
                report.reachable = False
                report.error = f"{self.root}: {err.strerror or err}"
                report.pending_files = len(wanted) - report.copied_files
            report.seconds = time.monotonic() - started
            return report

    def _wanted(self, store: CameraStore, cut: float) -> list[_Wanted]:
        target = self.root / store.camera_id
        files = [
            _Wanted(store.directory / s.name, target / s.name, s.size)
            for s in store.index.segments
            if s.end >= cut
        ]
        for event in store.finished_events():
            if (event.end or event.window_end) < cut:
                continue
            journal = store.directory / event.journal
            files.append(_Wanted(journal, target / event.journal, -1))
            if event.clip:
                files.append(
                    _Wanted(store.directory / event.clip, target / event.clip, event.clip_bytes)
                )
        return files


def _check_reachable(root: Path) -> None:
    if not root.is_dir():
        msg = "the mirror directory is not there (is the share mounted?)"
        raise MirrorUnreachableError(msg)
    fd, probe = tempfile.mkstemp(prefix=".heldar-mirror-", dir=root)
    os.close(fd)
    Path(probe).unlink()


def _copy_missing(wanted: list[_Wanted], report: MirrorReport) -> None:
    for want in wanted:
        try:
            size = want.source.stat().st_size
        except FileNotFoundError:
            continue  # deleted by retention meanwhile
        with contextlib.suppress(FileNotFoundError):
            if want.target.stat().st_size == size and want.size != -1:
                continue
        if want.size == -1 and _same(want.source, want.target):
            continue  # journals change; copy only when they did
        want.target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{want.target.name}.", dir=want.target.parent)
        os.close(fd)
        try:
            shutil.copyfile(want.source, temporary)
            if Path(temporary).stat().st_size != size:
                report.failures.append(str(want.target))
                Path(temporary).unlink()
                continue
            Path(temporary).replace(want.target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(temporary).unlink()
            raise
        report.copied_files += 1
        report.copied_bytes += size


def _same(source: Path, target: Path) -> bool:
    try:
        return source.read_bytes() == target.read_bytes()
    except FileNotFoundError:
        return False


def _prune(root: Path, cameras: list[str], cut: float) -> int:
    """Delete copies whose recording (by the UTC time in their name) is older than ``cut``."""
    pruned = 0
    for camera in cameras:
        folder = root / camera
        for path in [*folder.glob("*.mp4"), *(folder / EVENTS_DIR).glob("*")]:
            start = recorded_at(path.name)
            if start is not None and start < cut and path.is_file():
                path.unlink()
                pruned += 1
    return pruned
