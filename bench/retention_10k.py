"""Retention run time for 10 000 segments: a full cleanup, and a run with nothing to delete.

Real files (small MP4-shaped ones; retention never reads them), a real index and the real
Retention class, deleting in executor batches as in production.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import struct
import tempfile
import time

from common import Stopwatch, emit

from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.retention import Retention
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.recorder.store import CameraStore, Limits

COUNT = 10_000
BODY = b"".join(
    struct.pack(">I4s", 8 + len(p), k) + p
    for k, p in ((b"ftyp", b"isom"), (b"moov", b""), (b"moof", b""), (b"mdat", b"x" * 900))
)


def populate(folder: Path, now: float) -> CameraStore:
    """Write COUNT one-minute segments ending a week and a day ago, and index them."""
    folder.mkdir(parents=True)
    index = SegmentIndex(folder, None)
    first = now - 8 * 86400
    for number in range(COUNT):
        start = first + number * 60
        path = folder / segment_name(start)
        path.write_bytes(BODY)
        index.add_known(path, start, start + 60)
    return CameraStore("cam", "Cam", folder, index, Limits(retention_hours=24 * 7))


async def main() -> None:
    """Measure both runs."""
    now = time.time()
    with tempfile.TemporaryDirectory() as scratch:
        store = populate(Path(scratch) / "cam", now)
        retention = Retention(Path(scratch), 0)
        with Stopwatch() as idle:
            report = await retention.run([store], set(), now=now - 30 * 86400)
        assert report.deleted_files == 0
        emit(
            "retention_10k_nothing_to_delete",
            round(idle.seconds * 1000, 1),
            "ms",
            "-",
            None,
            segments=COUNT,
        )
        with Stopwatch() as full:
            report = await retention.run([store], set(), now=now + 30 * 86400)
        emit(
            "retention_10k_delete_all",
            round(full.seconds, 3),
            "s",
            "-",
            None,
            segments=COUNT,
            deleted=report.deleted_files,
        )


if __name__ == "__main__":
    asyncio.run(main())
