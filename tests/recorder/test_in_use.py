"""The one "file in use" counter: holds, nested holders, releases, and retention asking it."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

import pytest

from custom_components.heldar.recorder.in_use import FilesInUse
from custom_components.heldar.recorder.retention import DiskUsage, Retention
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.recorder.store import Limits

from .test_retention import HOUR, NOW, FakeDisk, camera


def test_a_file_stays_in_use_until_its_last_holder_lets_go(tmp_path: Path) -> None:
    """Two readers of one file: it is free only after both are done."""
    in_use = FilesInUse()
    clip, segment = tmp_path / "a.mp4", tmp_path / "b.mp4"
    with in_use.hold([clip, segment]):
        with in_use.hold([clip]):
            assert clip in in_use
            assert segment in in_use
            assert len(in_use) == 2
        assert clip in in_use  # the outer holder still reads it
    assert clip not in in_use
    assert segment not in in_use
    assert not in_use
    assert list(in_use) == []


def test_a_failing_reader_releases_its_files(tmp_path: Path) -> None:
    """An error inside the hold releases it: no file stays protected for ever."""
    in_use = FilesInUse()
    path = tmp_path / "a.mp4"

    def read() -> None:
        with in_use.hold([path]):
            raise OSError

    with pytest.raises(OSError):  # noqa: PT011 - the error the reader raised
        read()
    assert path not in in_use


async def test_a_cancelled_reader_releases_its_files(tmp_path: Path) -> None:
    """A player that goes away mid-file (its request task cancelled) lets go of it."""
    in_use = FilesInUse()
    path = tmp_path / "a.mp4"
    reading = asyncio.Event()

    async def play() -> None:
        with in_use.hold([path]):
            reading.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(play())
    await reading.wait()
    assert path in in_use
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert path not in in_use


async def test_retention_asks_at_deletion_not_at_its_start(tmp_path: Path) -> None:
    """A file a player starts reading while retention runs is kept; the others go."""
    store = camera(tmp_path, "front", [30, 29, 28], Limits())
    played = tmp_path / "front" / segment_name(NOW - 29 * HOUR)
    in_use = FilesInUse()
    disk = FakeDisk(tmp_path, 0)
    with ExitStack() as player:

        def usage(path: Path) -> DiskUsage:
            # The free-space pass looks at the disk before it deletes: the player starts now.
            if disk.calls == 0:
                player.enter_context(in_use.hold([played]))
            return disk(path)

        retention = Retention(tmp_path, min_free_bytes=10**15, usage=usage)
        report = await retention.run([store], in_use, now=NOW)
        assert played.exists()
        assert [s.name for s in store.index.segments] == [played.name]
        assert report.deleted_files == 2
    assert not in_use
