"""Where a pre-roll camera's buffer lives: RAM when there is room, and never leaked.

The buffer holds the last few closed segments while a pre-roll camera waits for a trigger. Its
path is derived from the camera's folder, so it is the same at every start: a buffer a crash
left behind is reused (and emptied at start) rather than left in RAM.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
import re
import shutil

from .archive import BUFFER_SEGMENT_SECONDS

TMPFS = Path("/dev/shm")  # noqa: S108 - a RAM disk, chosen on purpose for the pre-roll buffer
_BUFFER_HEADROOM = 64 * 1024 * 1024
_WORST_BYTES_PER_SECOND = 2 * 1024 * 1024  # 16 Mbit/s: a generous 4K camera
# Buffers named by the salted ``hash()`` of earlier versions: a new name every start, so
# every crash left one behind in RAM. None is in use once this version runs.
_LEGACY_BUFFER = re.compile(r".+-[0-9a-f]{8}")


def choose_buffer_dir(
    camera_dir: Path, camera_id: str, pre_roll: float, tmpfs: Path = TMPFS
) -> Path:
    """Return where a pre-roll buffer lives: tmpfs if it has room, else a hidden camera folder.

    The room needed is the pre-roll plus two segments at a generous bitrate, plus headroom.
    Blocking.
    """
    need = int((pre_roll + 2 * BUFFER_SEGMENT_SECONDS) * _WORST_BYTES_PER_SECOND) + _BUFFER_HEADROOM
    with contextlib.suppress(OSError):
        _remove_legacy_buffers(tmpfs / "heldar")
        if tmpfs.is_dir() and os.access(tmpfs, os.W_OK) and shutil.disk_usage(tmpfs).free > need:
            # Stable across restarts, so a buffer a crash left behind is reused (and cleared
            # at start) rather than leaked; distinct per storage folder, so two hubs with a
            # camera of the same name never share one.
            tag = hashlib.sha256(str(camera_dir.resolve()).encode()).hexdigest()[:16]
            return tmpfs / "heldar" / f"{camera_id}-{tag}"
    return camera_dir / ".buffer"


def _remove_legacy_buffers(root: Path) -> None:
    if not root.is_dir():
        return
    for child in root.iterdir():
        if _LEGACY_BUFFER.fullmatch(child.name) and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
