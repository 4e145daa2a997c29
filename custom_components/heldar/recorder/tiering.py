"""The archive tier: finished footage older than an age moves to a second directory (a NAS).

Unlike the mirror, which keeps a second copy, a move frees the local disk: each file is copied
to a temporary name on the archive, read back and checked (size and SHA-256 of the bytes the
share returns), renamed, and only then deleted locally (see tiering_files.py). The caller (the
recordings manager) chooses what is due, from its index, and hears of each file's new home
through ``on_moved`` before the local copy goes, so its index can say "archive" at once.

A crash or an outage at any moment leaves one of four states per file, each resolved by the
next run: only local (copied again), local plus a partial copy (the partial is deleted, never
the only copy), local plus a complete archived copy (compared, then the local file goes), or
archive only (done; ``listing`` finds it after a restart). So no file is lost, and none is
left in two places once a run has passed.

Moves are throttled (bytes a second, counting the copy and the read-back, and an optional
pause between files) and run in a worker thread of their own at a lower CPU priority, so
recording, which writes the same local disk, is never starved and the event loop never waits
on the share. The archive has its own age limit. A run reports the archive unreachable, full
or failing distinctly; ``state_since`` lets a repair say how long it has been so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
import contextlib
from dataclasses import dataclass, field
import functools
import logging
import os
from pathlib import Path, PurePosixPath
import threading
import time

from .store import HOUR
from .tiering_files import (
    LocalFileError,
    MoveStep,
    Pacer,
    Progress,
    StoppedError,
    drop_local,
    place,
)
from .tiering_share import (
    ArchivedFile,
    ArchiveProblemError,
    ArchiveState,
    check_reachable,
    claim,
    classify,
    discard_partials,
    ensure_room,
    list_camera,
    prune,
)

__all__ = [
    "ArchiveProblemError",
    "ArchiveState",
    "ArchiveTier",
    "ArchivedFile",
    "Due",
    "MoveReport",
    "MoveStep",
    "Moved",
    "Throttle",
    "claim",
]

_LOGGER = logging.getLogger(__name__)

MIB = 1 << 20
# The archive's age limit is applied at most this often: it lists every archived file.
PRUNE_INTERVAL = HOUR
# The worker thread's niceness: below recording and Home Assistant's own threads.
_BACKGROUND_NICENESS = 10


@dataclass(frozen=True, slots=True)
class Throttle:
    """How fast moves may go.

    ``bytes_per_second`` counts every byte the mover reads: the local file as it is copied and
    the archived copy as it is checked, so a file of N bytes costs 2N. 20 MiB/s is about a
    fifth of a USB 2 disk or an SD card's reads, and moves 36 GB of footage an hour.
    """

    bytes_per_second: int | None = 20 * MIB
    pause_between_files: float = 0.0
    chunk_bytes: int = MIB


@dataclass(frozen=True, slots=True)
class Due:
    """A finished local file that should move: whose, where it is, its name on the archive."""

    camera: str
    local: Path
    name: str  # relative to the camera's archive folder, e.g. "20261201_101500.mp4"


@dataclass(frozen=True, slots=True)
class Moved:
    """A file now on the archive (its local copy is being deleted)."""

    camera: str
    name: str
    path: Path
    size: int
    sha256: str
    already: bool  # the archive held these bytes already (an interrupted move, the mirror)


@dataclass(slots=True)
class MoveReport:
    """What one run did, and what it left."""

    state: ArchiveState = ArchiveState.OK
    error: str | None = None
    moved: list[Moved] = field(default_factory=list)
    moved_bytes: int = 0
    pending: int = 0  # due files still local after this run
    pending_bytes: int = 0
    # Local files left for a later run: unreadable, or changed while they were copied.
    skipped: list[str] = field(default_factory=list)
    pruned: dict[str, list[str]] = field(default_factory=dict)  # archive retention, by camera
    partials_discarded: int = 0
    seconds: float = 0.0
    throttled_seconds: float = 0.0


class ArchiveTier:
    """Move due footage to ``root/<camera>/`` and keep the archive within its own age limit."""

    def __init__(
        self,
        root: Path,
        *,
        retention_hours: float | None = None,
        throttle: Throttle | None = None,
        min_free_bytes: int = 0,
        progress: Progress | None = None,
    ) -> None:
        """Archive into ``root`` (which must carry the ``claim`` mark).

        ``retention_hours``: the archive's own age limit (None: keep for ever);
        ``min_free_bytes``: room always left on the share; ``progress``: told of each step of
        each move, from the worker thread (diagnostics and tests).
        """
        self.root = root
        self.retention_hours = retention_hours
        self.throttle = throttle or Throttle()
        self.min_free_bytes = min_free_bytes
        self._progress = progress
        self.state = ArchiveState.OK
        self.state_since = time.time()
        self.error: str | None = None
        self._lock = asyncio.Lock()
        self._stop = threading.Event()
        self._tidy = False  # partial copies of earlier runs have been cleared
        self._last_prune: float | None = None

    async def run(
        self,
        cameras: Collection[str],
        due: Sequence[Due],
        *,
        on_moved: Callable[[Moved], None] | None = None,
        in_use: Collection[Path] = (),
        now: float | None = None,
    ) -> MoveReport:
        """Apply the archive's age limit, then move ``due`` (oldest first, as given).

        ``on_moved`` is called on the loop for each file once its verified copy is in place
        and before its local copy is deleted; if it raises, the local copy stays (the next
        run finds both and finishes). ``in_use``: archived files being played, never pruned.
        Never raises for the archive's own problems: they are the report's state.
        """
        async with self._lock:
            started = time.monotonic()
            now = time.time() if now is None else now
            report = MoveReport()
            self._stop.clear()
            pacer = Pacer(self.throttle.bytes_per_second, self._stop)
            worker = _Worker()
            try:
                await worker.call(check_reachable, self.root)
                if not self._tidy:
                    for camera in sorted(set(cameras) | {d.camera for d in due}):
                        report.partials_discarded += await worker.call(
                            discard_partials, self.root, camera
                        )
                    self._tidy = True
                await self._prune(worker, cameras, set(in_use), now, report)
                for item in due:
                    await self._move_one(worker, item, pacer, report, on_moved)
                    if self.throttle.pause_between_files > 0:
                        await worker.call(pacer.pause, self.throttle.pause_between_files)
            except OSError as err:  # a move, or listing or clearing the share, failed
                problem = (
                    err
                    if isinstance(err, ArchiveProblemError)
                    else await worker.call(classify, err, self.root, 0)
                )
                report.state, report.error = problem.state, problem.message
                self._tidy = False  # a move may have left a partial copy behind
                for camera in {d.camera for d in due}:  # best effort, now rather than next run
                    with contextlib.suppress(Exception):
                        await worker.call(discard_partials, self.root, camera)
            except StoppedError:
                pass
            except BaseException:
                self._stop.set()  # cancelled (Home Assistant stops): the worker ends at once
                worker.close(wait=False)
                raise
            worker.close(wait=True)  # idle by now: its thread ends at once
            moved = {(m.camera, m.name) for m in report.moved}
            left = [d for d in due if (d.camera, d.name) not in moved]
            sizes = await asyncio.get_running_loop().run_in_executor(None, _sizes, left)
            report.pending, report.pending_bytes = len(sizes), sum(sizes)
            report.throttled_seconds = pacer.slept
            report.seconds = time.monotonic() - started
            self._note(report)
            return report

    def stop(self) -> None:
        """Ask a run in progress to end after its current chunk (the file stays local)."""
        self._stop.set()

    async def listing(self, camera: str) -> list[ArchivedFile]:
        """Return one camera's archived files, for the index after a restart.

        Raises ArchiveProblemError(UNREACHABLE) when the archive is not there: its spans are
        then "archived, unavailable", not gaps, so the caller keeps what its index knew.
        """
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, check_reachable, self.root)
        try:
            return await loop.run_in_executor(None, list_camera, self.root, camera)
        except OSError as err:
            raise await loop.run_in_executor(None, classify, err, self.root, 0) from err

    # -- internals ------------------------------------------------------------------------------

    async def _move_one(
        self,
        worker: _Worker,
        item: Due,
        pacer: Pacer,
        report: MoveReport,
        on_moved: Callable[[Moved], None] | None,
    ) -> None:
        if not _inside(item.camera, item.name):
            _LOGGER.warning(
                "Not archiving %s: %r is not a name inside a camera folder", item.local, item.name
            )
            report.skipped.append(str(item.local))
            return
        target = self.root / item.camera / item.name
        size: int | None = 0
        try:
            size = await worker.call(_size, item.local)
            if size is None:
                return  # deleted meanwhile (retention, an event's clean-up)
            await worker.call(ensure_room, self.root, size + self.min_free_bytes)
            placed = await worker.call(
                place,
                item.local,
                target,
                pacer,
                chunk=self.throttle.chunk_bytes,
                progress=self._progress,
            )
        except LocalFileError as err:
            _LOGGER.warning("Not archiving %s: %s", item.local, err)
            report.skipped.append(str(item.local))
            return
        except StoppedError, ArchiveProblemError:
            raise
        except OSError as err:
            # The partial copy is gone by now: is there room for the file at all?
            raise await worker.call(classify, err, self.root, size or 0) from err
        if placed is None:
            return
        moved = Moved(item.camera, item.name, target, placed.size, placed.sha256, placed.already)
        if on_moved is not None:
            try:
                on_moved(moved)
            except Exception:
                _LOGGER.exception("Keeping %s locally: recording its move failed", item.local)
                return
        report.moved.append(moved)
        report.moved_bytes += 0 if placed.already else placed.size
        try:
            await worker.call(drop_local, item.local, placed, self._progress)
        except OSError as err:  # both copies stay; the next run finishes
            _LOGGER.warning("Archived %s but could not delete it: %s", item.local, err)

    async def _prune(
        self,
        worker: _Worker,
        cameras: Collection[str],
        in_use: set[Path],
        now: float,
        report: MoveReport,
    ) -> None:
        if self.retention_hours is None:
            return
        if self._last_prune is not None and now - self._last_prune < PRUNE_INTERVAL:
            return
        cut = now - self.retention_hours * HOUR
        for camera in sorted(cameras):
            try:
                names = await worker.call(prune, self.root, camera, cut, in_use)
            except ArchiveProblemError:
                raise
            except OSError as err:
                raise await worker.call(classify, err, self.root, 0) from err
            if names:
                report.pruned[camera] = names
        self._last_prune = now

    def _note(self, report: MoveReport) -> None:
        if report.state is not self.state:
            self.state_since = time.time()
            if report.state is ArchiveState.OK:
                _LOGGER.info("The archive %s is back", self.root)
            else:
                _LOGGER.warning("Archive %s: %s", report.state, report.error)
        self.state, self.error = report.state, report.error


class _Worker:
    """One run's own thread: a slow share or a throttled copy never holds up HA's executor."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix="heldar_archive", initializer=_run_in_background
        )

    async def call[**P, T](self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``func`` in the worker thread and return what it returns."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, functools.partial(func, *args, **kwargs)
        )

    def close(self, *, wait: bool) -> None:
        """End the thread (``wait``: join it; it must be idle)."""
        self._executor.shutdown(wait=wait)


def _run_in_background() -> None:
    """Lower the worker thread's CPU priority (Linux sets niceness per thread)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _BACKGROUND_NICENESS)


def _inside(camera: str, name: str) -> bool:
    """Whether ``camera/name`` stays inside the archive: relative, no "..", nothing empty."""
    parts = [camera, *PurePosixPath(name).parts]
    return not PurePosixPath(name).is_absolute() and all(
        part not in {"", ".", ".."} and "/" not in part for part in parts
    )


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as err:
        raise LocalFileError(err.errno, f"{path}: {err.strerror}") from err


def _sizes(items: Sequence[Due]) -> list[int]:
    sizes = []
    for item in items:
        with contextlib.suppress(OSError):
            sizes.append(item.local.stat().st_size)
    return sizes
