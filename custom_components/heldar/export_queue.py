"""What exports may take from the host: two joins at a time, four waiting, disk they reserve.

An export reads and writes as many bytes as the footage it covers, so each hub runs at most
``MAX_RUNNING`` joins at once; up to ``MAX_WAITING`` more wait their turn, and one beyond is
refused with a translated error rather than queued without end. Each running or waiting export
reserves its estimated size (the segments' bytes it joins), so the disk check before a new one
counts what the others are about to write. A join may take ``join_timeout(seconds)``: a minute,
plus a tenth of the footage's length (an hour of footage: 7 minutes; 24 hours: 2.4 hours). An
hour of one-minute segments took 2 to 4 s here; a tenth of real time asks a slow disk for ten
times the camera's bit rate, read and written at once.

Leftovers of a join that was cancelled or timed out (its ``.part.mp4`` and its working folder
with its concat script) are swept at once, and at every hub start (``sweep_leftovers``), before any
join can run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .recorder.events import EVENTS_DIR

MAX_RUNNING = 2
MAX_WAITING = 4
TIMEOUT_BASE = 60.0
TIMEOUT_PER_MEDIA_SECOND = 0.1
EXPORT_MARK = "_export_"
PART_SUFFIX = ".part.mp4"
_KEY: HassKey[dict[str, ExportQueue]] = HassKey("heldar_export_queues")


def join_timeout(media_seconds: float) -> float:
    """Return how long the join of ``media_seconds`` of footage may take."""
    return TIMEOUT_BASE + TIMEOUT_PER_MEDIA_SECOND * media_seconds


class ExportQueue:
    """One hub's exports: how many run, how many wait, and the bytes they reserve."""

    def __init__(self, running: int = MAX_RUNNING, waiting: int = MAX_WAITING) -> None:
        """Allow ``running`` joins at once and ``waiting`` more in line."""
        self.running_limit = running
        self.waiting_limit = waiting
        self._slots = asyncio.Semaphore(running)
        self.admitted = 0  # running and waiting
        self.reserved_bytes = 0

    @property
    def full(self) -> bool:
        """Whether one more export would wait beyond the line's end."""
        return self.admitted >= self.running_limit + self.waiting_limit

    def admit(self, size: int) -> None:
        """Count an export in (running or waiting), reserving ``size`` bytes."""
        self.admitted += 1
        self.reserved_bytes += size

    def release(self, size: int) -> None:
        """Count an export out, once it finished, failed or was cancelled."""
        self.admitted -= 1
        self.reserved_bytes -= size

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for one of the running slots and hold it."""
        async with self._slots:
            yield


@callback
def queue_of(hass: HomeAssistant, entry: ConfigEntry[Any]) -> ExportQueue:
    """Return the hub entry's export queue; it goes with the entry's unload.

    Unloading cancels the exports' tasks, and a task cancelled before it began never counts
    itself out: the next load starts with an empty queue.
    """
    queues = hass.data.setdefault(_KEY, {})
    if (queue := queues.get(entry.entry_id)) is None:
        queue = queues[entry.entry_id] = ExportQueue()
        entry_id = entry.entry_id

        @callback
        def _forget() -> None:
            queues.pop(entry_id, None)

        entry.async_on_unload(_forget)
    return queue


def sweep_export(camera_dir: Path, export_id: str) -> None:
    """Remove what one export's join left: its ``.part.mp4`` and working folder. Blocking."""
    events = camera_dir / EVENTS_DIR
    with contextlib.suppress(FileNotFoundError):
        (events / f"{export_id}{PART_SUFFIX}").unlink()
    _remove_working_folder(events / export_id)


def sweep_leftovers(camera_dir: Path) -> list[str]:
    """Remove every ``.part.mp4`` and export working folder of a camera; return their names.

    Blocking. Run before the camera records: no join can be running then (an interrupted event
    clip is joined again from its journal, and writes its ``.part.mp4`` afresh).
    """
    events = camera_dir / EVENTS_DIR
    removed: list[str] = []
    if not events.is_dir():
        return removed
    for path in sorted(events.iterdir()):
        if path.is_file() and path.name.endswith(PART_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path.name)
        elif path.is_dir() and not path.is_symlink() and EXPORT_MARK in path.name:
            _remove_working_folder(path)
            removed.append(path.name)
    return removed


def _remove_working_folder(folder: Path) -> None:
    """Remove an export's folder: its concat script, then the folder if nothing else is in it."""
    for script in folder.glob("*concat.txt"):
        with contextlib.suppress(FileNotFoundError):
            script.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
