"""One move to the archive: copy, verify, publish, drop, at a throttled pace. Blocking.

Everything here runs in the archive tier's own worker thread (see tiering.py), never on the
event loop. A move of one file is four steps, each safe to interrupt:

1. ``place`` copies the local file to ``.<name>.heldar-partial`` beside its final name on the
   archive, hashing the local bytes as they are read, then fsyncs it;
2. it drops the archive copy from the client's page cache and reads it back, hashing what the
   share returns; a copy whose size or SHA-256 differs is deleted and the move fails;
3. it renames the verified copy to its final name (atomic on the server) and checks its size;
4. ``drop_local`` deletes the local file, and only if it is the very file that was copied
   (same size and modification time).

If the final name already holds a copy (a move interrupted after step 3, or the old mirror's
copy of the same recording), it is read back and compared with the local file instead of being
copied again; a copy that differs is replaced through steps 1 to 3.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import os
from pathlib import Path
import threading
import time

from .tiering_share import PARTIAL_SUFFIX, ArchiveProblemError, ArchiveState

CHUNK_BYTES = 1 << 20


class MoveStep(StrEnum):
    """The steps of one move, as the progress callback hears them."""

    CHUNK = "chunk"  # one more chunk written to the partial copy
    WRITTEN = "written"  # the partial copy is complete and fsynced
    VERIFIED = "verified"  # read back from the archive: same size and SHA-256
    PUBLISHED = "published"  # renamed to its final name
    DROPPED = "dropped"  # the local file is deleted


type Progress = Callable[[MoveStep, Path], None]


class LocalFileError(OSError):
    """The local file could not be read; only this file is skipped."""


class StoppedError(Exception):
    """The run was asked to stop."""


@dataclass(frozen=True, slots=True)
class Placed:
    """A file whose verified copy is on the archive under its final name."""

    target: Path
    size: int
    sha256: str
    source_stamp: tuple[int, int]  # (size, mtime_ns) of the local file that was copied
    already: bool  # the archive already held these bytes


class Pacer:
    """Spread the bytes a run moves so that it never takes more than ``rate`` per second.

    The worker thread sleeps (interruptibly) when it is ahead of the allowance; the time
    slept is counted so the report can say how much throttling cost.
    """

    def __init__(self, rate: int | None, stop: threading.Event) -> None:
        """Allow ``rate`` bytes a second (None: no limit); ``stop`` ends a sleep early."""
        self.rate = rate
        self.stop = stop
        self._started = time.monotonic()
        self._bytes = 0
        self.slept = 0.0

    def spend(self, count: int) -> None:
        """Account for ``count`` bytes; sleep if they came too fast. Raises StoppedError."""
        if self.stop.is_set():
            raise StoppedError
        self._bytes += count
        if not self.rate:
            return
        ahead = self._bytes / self.rate - (time.monotonic() - self._started)
        if ahead > 0:
            self.slept += ahead
            if self.stop.wait(ahead):
                raise StoppedError

    def pause(self, seconds: float) -> None:
        """Wait between two files (counted as throttling)."""
        if seconds > 0:
            self.slept += seconds
            if self.stop.wait(seconds):
                raise StoppedError


def partial_path(target: Path) -> Path:
    """Return where ``target`` is written before it is verified."""
    return target.with_name(f".{target.name}{PARTIAL_SUFFIX}")


def place(
    source: Path,
    target: Path,
    pacer: Pacer,
    *,
    chunk: int = CHUNK_BYTES,
    progress: Progress | None = None,
) -> Placed | None:
    """Put a verified copy of ``source`` at ``target``; None if ``source`` is gone. Blocking.

    Raises LocalFileError when the local file cannot be read, ArchiveProblemError (not yet
    classified, see ``classify``) or OSError when the archive fails, StoppedError when asked.
    """
    try:
        before = source.stat()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise LocalFileError(err.errno, f"{source}: {err.strerror}") from err
    stamp = (before.st_size, before.st_mtime_ns)
    with contextlib.suppress(FileNotFoundError):
        if target.stat().st_size == before.st_size:
            local = _hash_local(source, pacer, chunk)
            if _hash_archived(target, pacer, chunk) == local:
                return Placed(target, before.st_size, local, stamp, already=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    try:
        digest = _copy(source, partial, pacer, chunk, progress)
        _report(progress, MoveStep.WRITTEN, target)
        _require(
            partial.stat().st_size == before.st_size
            and _hash_archived(partial, pacer, chunk) == digest,
            f"{target}: the copy read back from the archive differs from {source}",
        )
        _report(progress, MoveStep.VERIFIED, target)
        partial.replace(target)
        _fsync_directory(target.parent)
        _require(
            target.stat().st_size == before.st_size,
            f"{target}: renamed, but not the size that was verified",
        )
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    _report(progress, MoveStep.PUBLISHED, target)
    _require_unchanged(source, stamp)
    return Placed(target, before.st_size, digest, stamp, already=False)


def _require_unchanged(source: Path, stamp: tuple[int, int]) -> None:
    """A file written to while it was copied stays local; the next run compares it again."""
    try:
        now = source.stat()
    except OSError as err:
        raise LocalFileError(err.errno, f"{source}: {err.strerror}") from err
    if (now.st_size, now.st_mtime_ns) != stamp:
        msg = f"{source} changed while it was copied"
        raise LocalFileError(msg)


def drop_local(source: Path, placed: Placed, progress: Progress | None = None) -> bool:
    """Delete the local file if it is still the one that was copied. Blocking."""
    try:
        now = source.stat()
    except FileNotFoundError:
        return False
    if (now.st_size, now.st_mtime_ns) != placed.source_stamp:
        return False  # changed since: the next run compares it with the archive again
    source.unlink()
    _report(progress, MoveStep.DROPPED, placed.target)
    return True


def _require(condition: bool, message: str) -> None:  # noqa: FBT001
    if not condition:
        raise ArchiveProblemError(ArchiveState.FAILED, message)


def _report(progress: Progress | None, step: MoveStep, target: Path) -> None:
    if progress is not None:
        progress(step, target)


def _copy(source: Path, partial: Path, pacer: Pacer, chunk: int, progress: Progress | None) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    try:
        reader = source.open("rb", buffering=0)
    except OSError as err:
        raise LocalFileError(err.errno, f"{source}: {err.strerror}") from err
    with reader:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            while True:
                try:
                    count = reader.readinto(buffer)
                except OSError as err:
                    raise LocalFileError(err.errno, f"{source}: {err.strerror}") from err
                if not count:
                    break
                digest.update(view[:count])
                written = 0
                while written < count:
                    written += os.write(descriptor, view[written:count])
                _report(progress, MoveStep.CHUNK, partial)
                pacer.spend(count)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)  # a network share may report a failed write only here
    return digest.hexdigest()


def _hash_local(path: Path, pacer: Pacer, chunk: int) -> str:
    try:
        return _hash(path, pacer, chunk)
    except OSError as err:
        raise LocalFileError(err.errno, f"{path}: {err.strerror}") from err


def _hash_archived(path: Path, pacer: Pacer, chunk: int) -> str:
    """Hash what the share holds, not what this machine's page cache remembers of it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)
    return _hash(path, pacer, chunk)


def _hash(path: Path, pacer: Pacer, chunk: int) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
            pacer.spend(count)
    return digest.hexdigest()


def _fsync_directory(folder: Path) -> None:
    """Make the rename durable where the file system allows it (FUSE and SMB often do not)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
