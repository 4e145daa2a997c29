"""The archive share itself: is it there, has it room, what does a failure mean, what it holds.

Blocking functions, run in the archive tier's worker thread (see tiering.py). The share must
carry the mark ``claim`` leaves when the user chooses it: that is how an unmounted share (an
empty mount point on the local disk) is told from the share, so footage never lands locally
under the archive's name. A failed write is classified by looking again: no room is FULL, no
share (or an error that means the connection went) is UNREACHABLE, anything else FAILED.
"""

from __future__ import annotations

from collections.abc import Iterable
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import errno
import os
from pathlib import Path

from .segments import recorded_at

MARKER = ".heldar-archive"
PARTIAL_SUFFIX = ".heldar-partial"

# Errors that mean the share itself went away (unmounted, asleep, off the network).
_GONE = {
    errno.EIO,
    errno.ENOTCONN,
    errno.ESTALE,
    errno.ETIMEDOUT,
    errno.EHOSTDOWN,
    errno.EHOSTUNREACH,
    errno.ECONNABORTED,
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ENETDOWN,
    errno.ENETUNREACH,
    errno.ENODEV,
    errno.ENXIO,
}
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class ArchiveState(StrEnum):
    """How the archive was found by the last run; the values are translation keys."""

    OK = "ok"
    UNREACHABLE = "unreachable"  # not mounted, asleep, off the network
    FULL = "full"  # no room for the next file
    FAILED = "failed"  # reachable, with room, yet refused (permissions, a copy that differs)


class ArchiveProblemError(OSError):
    """The archive cannot take files now; ``state`` says why."""

    def __init__(self, state: ArchiveState, message: str) -> None:
        """Say why, as a state and a sentence."""
        super().__init__(message)
        self.state = state
        self.message = message


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    """One finished file on the archive."""

    name: str  # relative to the camera's archive folder
    size: int
    mtime: float
    recorded: float | None  # the UTC start time its name carries


def claim(root: Path) -> None:
    """Mark an existing directory as Heldar's archive. Blocking.

    Called once, when the user chooses the directory. The mark is how a later run tells the
    share from the empty mount point an unmounted share leaves: without it nothing is written,
    so footage can never land on the local disk under the archive's name.
    """
    if not root.is_dir():
        msg = f"{root} is not a directory"
        raise FileNotFoundError(msg)
    (root / MARKER).touch()


def check_reachable(root: Path) -> None:
    """Raise ArchiveProblemError(UNREACHABLE) unless the marked archive is there. Blocking."""
    try:
        if (root / MARKER).is_file():
            return
        missing = not root.is_dir()
    except OSError as err:
        raise ArchiveProblemError(ArchiveState.UNREACHABLE, _say(root, err)) from err
    why = "is not there" if missing else f"has no {MARKER} mark"
    msg = f"{root} {why} (is the share mounted?)"
    raise ArchiveProblemError(ArchiveState.UNREACHABLE, msg)


def free_bytes(root: Path) -> int:
    """Return the room left on the archive. Blocking; raises ArchiveProblemError."""
    try:
        stats = os.statvfs(root)
    except OSError as err:
        raise ArchiveProblemError(ArchiveState.UNREACHABLE, _say(root, err)) from err
    return stats.f_bavail * stats.f_frsize


def ensure_room(root: Path, needed: int) -> None:
    """Raise ArchiveProblemError(FULL) if the archive cannot take ``needed`` bytes. Blocking."""
    free = free_bytes(root)
    if free < needed:
        msg = f"{root} is full: {free} bytes free, {needed} needed"
        raise ArchiveProblemError(ArchiveState.FULL, msg)


def classify(err: OSError, root: Path, needed: int) -> ArchiveProblemError:
    """Say what a failed write to the archive means: full, gone, or refused. Blocking."""
    if isinstance(err, ArchiveProblemError):
        return err
    if err.errno in _FULL:
        return ArchiveProblemError(ArchiveState.FULL, _say(root, err))
    try:
        ensure_room(root, needed)
        check_reachable(root)
    except ArchiveProblemError as problem:
        return problem
    if err.errno in _GONE:
        return ArchiveProblemError(ArchiveState.UNREACHABLE, _say(root, err))
    return ArchiveProblemError(ArchiveState.FAILED, _say(root, err))


def _say(root: Path, err: OSError) -> str:
    return f"{root}: {err.strerror or err}"


# -- what is there ----------------------------------------------------------------------------


def _walk(folder: Path) -> Iterable[tuple[Path, os.stat_result]]:
    """Yield every file in ``folder`` and its subfolders (an event's files), hidden ones too."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path), entry.stat(follow_symlinks=False)


def list_camera(root: Path, camera: str) -> list[ArchivedFile]:
    """Return the finished files of one camera on the archive, oldest first. Blocking."""
    folder = root / camera
    found = [
        ArchivedFile(
            path.relative_to(folder).as_posix(), info.st_size, info.st_mtime, recorded_at(path.name)
        )
        for path, info in _walk(folder)
        if not path.name.startswith(".")
    ]
    return sorted(found, key=lambda f: (f.recorded or 0.0, f.name))


def discard_partials(root: Path, camera: str) -> int:
    """Delete the partial copies interrupted moves left; return how many. Blocking.

    A partial copy is never the only copy: the local file is deleted only after its copy was
    verified and renamed.
    """
    removed = 0
    for path, _ in _walk(root / camera):
        # FUSE (sshfs) renames a file unlinked while its close is still in flight to
        # ``.fuse_hidden…``, and may fail to delete it later (a full share): a partial too.
        partial = path.name.startswith(".") and path.name.endswith(PARTIAL_SUFFIX)
        if partial or path.name.startswith(".fuse_hidden"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed


def prune(root: Path, camera: str, cut: float, in_use: set[Path]) -> list[str]:
    """Delete archived files recorded before ``cut``; return their names. Blocking."""
    pruned = []
    folder = root / camera
    for archived in list_camera(root, camera):
        path = folder / archived.name
        if archived.recorded is None or archived.recorded >= cut or path in in_use:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            pruned.append(archived.name)
    return pruned
