"""Checks on the recordings directory, shared by the config flow and entry setup."""

from __future__ import annotations

from enum import StrEnum
import os
from pathlib import Path
import tempfile


class StorageProblem(StrEnum):
    """Why a directory cannot hold recordings; the values are translation keys."""

    NOT_ABSOLUTE = "storage_not_absolute"
    MISSING = "storage_missing"
    NOT_A_DIRECTORY = "storage_not_directory"
    NOT_WRITABLE = "storage_not_writable"


def check_storage(path: Path, *, create_within: tuple[Path, ...] = ()) -> StorageProblem | None:
    """Return why ``path`` cannot hold recordings, or None when it can. Blocking.

    A missing directory is created only inside one of ``create_within`` (HA's own config and
    media folders). Anywhere else it must already exist: an absent NAS mount point must not
    silently turn into a folder on the local disk.
    """
    if not path.is_absolute():
        return StorageProblem.NOT_ABSOLUTE
    if not path.exists():
        if not any(path.is_relative_to(root) for root in create_within):
            return StorageProblem.MISSING
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            return StorageProblem.NOT_WRITABLE
    if not path.is_dir():
        return StorageProblem.NOT_A_DIRECTORY
    try:
        fd, probe = tempfile.mkstemp(prefix=".heldar-write-test-", dir=path)
    except OSError:
        return StorageProblem.NOT_WRITABLE
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    return None
