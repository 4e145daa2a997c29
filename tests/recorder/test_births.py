"""Segment creation times from inotify."""

from __future__ import annotations

import asyncio
from pathlib import Path
import time

from custom_components.heldar.recorder.births import BirthWatcher


async def test_records_creation_times(tmp_path: Path) -> None:
    """Each new file's creation is stamped to within a few milliseconds."""
    watcher = BirthWatcher(tmp_path)
    watcher.start()
    assert watcher.active
    created = {}
    for index in range(3):
        created[f"{index}.mp4"] = time.time()
        (tmp_path / f"{index}.mp4").write_bytes(b"x")
        await asyncio.sleep(0.05)
    watcher.stop()
    watcher.stop()  # harmless twice
    assert set(watcher.times) == set(created)
    for name, at in created.items():
        assert 0 <= watcher.times[name] - at < 0.05


async def test_missing_directory_records_nothing(tmp_path: Path) -> None:
    """Watching a folder that does not exist is a quiet no-op (names are the fallback)."""
    watcher = BirthWatcher(tmp_path / "absent")
    watcher.start()
    assert not watcher.active
    watcher.stop()


async def test_fresh_names_are_handed_over_once(tmp_path: Path) -> None:
    """Each created name is reported by one ``take_fresh``; the next call starts empty."""
    watcher = BirthWatcher(tmp_path)
    watcher.start()
    try:
        assert watcher.take_fresh() == []
        (tmp_path / "a.mp4").write_bytes(b"x")
        (tmp_path / "b.mp4").write_bytes(b"x")
        await asyncio.sleep(0.05)
        assert watcher.take_fresh() == ["a.mp4", "b.mp4"]
        assert watcher.take_fresh() == []
    finally:
        watcher.stop()


async def test_too_many_fresh_names_mean_the_folder_must_be_listed(tmp_path: Path) -> None:
    """Past the cap, the names are dropped and ``take_fresh`` says None: list the folder."""
    watcher = BirthWatcher(tmp_path)
    watcher.start()
    try:
        for index in range(600):
            (tmp_path / f"{index}.tmp").write_bytes(b"")
        await asyncio.sleep(0.1)
        assert watcher.take_fresh() is None
        assert watcher.take_fresh() == []  # after the listing, names count again
    finally:
        watcher.stop()
