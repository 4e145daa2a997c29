"""Retention: delete the oldest recordings before the limits are crossed or the disk fills.

In order, as in the original NVR: footage and event clips older than their camera's age
limits; then each camera's quota, oldest first; then, across every camera, the oldest
recordings until the disk's free space is back above the hub's floor. Nothing that is being
written, that belongs to an event still open, or that is being played is ever deleted.
Deletions run in the executor in batches, so the event loop never waits on a slow disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable
import contextlib
from dataclasses import dataclass, field
from functools import partial
import logging
from pathlib import Path
import shutil
import time
from typing import NamedTuple

from .activity_retention import idle_segments, prune_levels
from .previews import preview_path
from .store import HOUR, CameraStore

_LOGGER = logging.getLogger(__name__)

BATCH = 200
# A full disk frees this share of the disk (at most EMERGENCY_MAX_BYTES), beyond the floor,
# so that recording can go on for a while rather than failing again at the next fragment.
EMERGENCY_SHARE = 0.1
EMERGENCY_MAX_BYTES = 1 << 30


class DiskUsage(NamedTuple):
    """What ``shutil.disk_usage`` returns."""

    total: int
    used: int
    free: int


@dataclass(frozen=True, slots=True)
class Item:
    """One deletable recording: a footage segment or a finished event."""

    camera: CameraStore
    start: float
    end: float
    size: int
    files: tuple[Path, ...]
    segment: str | None = None  # a footage segment's index name
    event: str | None = None  # an event's id


@dataclass(slots=True)
class RetentionReport:
    """What one run did."""

    deleted_files: int = 0
    deleted_bytes: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    free_bytes: int | None = None
    below_floor: bool = False
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Protected:
    """What a run may not delete: files being written (known at its start) or read (asked live).

    ``in_use`` is read at each deletion, so a player that starts reading a file during a long
    run still keeps it (recorder/in_use.py).
    """

    busy: set[Path]
    in_use: Collection[Path]

    def __contains__(self, path: Path) -> bool:
        return path in self.busy or path in self.in_use


def disk_usage(path: Path) -> DiskUsage:
    """Return the usage of the disk holding ``path``. Blocking."""
    total, used, free = shutil.disk_usage(path)
    return DiskUsage(total, used, free)


class Retention:
    """Apply every camera's limits and the hub's free-space floor."""

    def __init__(
        self,
        root: Path,
        min_free_bytes: int,
        usage: Callable[[Path], DiskUsage] = disk_usage,
    ) -> None:
        """Guard the disk holding ``root``."""
        self.root = root
        self.min_free_bytes = min_free_bytes
        self._disk_usage = usage
        self._lock = asyncio.Lock()

    async def free_bytes(self) -> int:
        """Return the free space on the storage disk (from the executor)."""
        usage = await asyncio.get_running_loop().run_in_executor(None, self._disk_usage, self.root)
        return usage.free

    async def run(
        self, stores: list[CameraStore], in_use: Collection[Path], now: float | None = None
    ) -> RetentionReport:
        """Run once; concurrent calls wait for the one in progress."""
        async with self._lock:
            started = time.monotonic()
            now = time.time() if now is None else now
            report = RetentionReport()
            protected = _Protected(set().union(*(store.busy() for store in stores)), in_use)
            for store in stores:
                await self._delete(report, "age", _too_old(store, now), protected)
                await self._delete(report, "idle", await _idle(store, now), protected)
            for store in stores:
                await self._delete(report, "quota", _over_quota(store), protected)
            await self._free_space(report, stores, protected)
            for store in stores:  # the activity levels go with the footage they describe
                oldest = store.oldest()
                keep_from = now - store.limits.retention_hours * HOUR if oldest is None else oldest
                await asyncio.get_running_loop().run_in_executor(
                    None, prune_levels, store.directory, keep_from
                )
            report.seconds = time.monotonic() - started
            return report

    async def make_room(
        self, stores: list[CameraStore], in_use: Collection[Path]
    ) -> RetentionReport:
        """Free space now because the disk is full: the oldest recordings go first.

        The floor may be 0, or set below what one camera writes between two runs of the
        regular check: a full disk is the emergency that asks for more than the floor.
        """
        usage = await asyncio.get_running_loop().run_in_executor(None, self._disk_usage, self.root)
        headroom = min(int(usage.total * EMERGENCY_SHARE), EMERGENCY_MAX_BYTES)
        async with self._lock:
            started = time.monotonic()
            report = RetentionReport()
            protected = _Protected(set().union(*(store.busy() for store in stores)), in_use)
            await self._free_space(report, stores, protected, self.min_free_bytes + headroom)
            report.seconds = time.monotonic() - started
        _LOGGER.warning(
            "The recordings disk was full: deleted %d oldest files (%d bytes)",
            report.deleted_files,
            report.deleted_bytes,
        )
        return report

    async def _free_space(
        self,
        report: RetentionReport,
        stores: list[CameraStore],
        protected: _Protected,
        target: int | None = None,
    ) -> None:
        wanted = self.min_free_bytes if target is None else target
        free = await self.free_bytes()
        if free < wanted:
            oldest_first = sorted(
                (item for store in stores for item in _everything(store)), key=lambda i: i.start
            )
            position = 0
            while free < wanted and position < len(oldest_first):
                # Delete in batches sized to the shortfall, then look at the disk again.
                shortfall = wanted - free
                batch: list[Item] = []
                planned = 0
                while position < len(oldest_first) and (planned < shortfall or not batch):
                    item = oldest_first[position]
                    position += 1
                    if not any(path in protected for path in item.files):
                        batch.append(item)
                        planned += item.size
                    if len(batch) >= BATCH:
                        break
                await self._delete(report, "free_space", batch, protected)
                free = await self.free_bytes()
        report.free_bytes = free
        report.below_floor = free < self.min_free_bytes

    async def _delete(
        self, report: RetentionReport, reason: str, items: Iterable[Item], protected: _Protected
    ) -> None:
        chosen = [item for item in items if not any(path in protected for path in item.files)]
        loop = asyncio.get_running_loop()
        for start in range(0, len(chosen), BATCH):
            batch = chosen[start : start + BATCH]
            removed = await loop.run_in_executor(None, _remove_files, batch)
            for item in batch:
                if item.segment is not None:
                    item.camera.index.forget([item.segment])
                if item.event is not None:
                    item.camera.events.pop(item.event, None)
            report.deleted_files += removed
            report.deleted_bytes += sum(item.size for item in batch)
            report.by_reason[reason] = report.by_reason.get(reason, 0) + len(batch)


def _everything(store: CameraStore) -> list[Item]:
    return _footage(store) + _events(store)


def _footage(store: CameraStore) -> list[Item]:
    # A segment goes with its scrub preview (previews.py), which is worthless without it.
    return [
        Item(
            store,
            s.start,
            s.end,
            s.size,
            (store.directory / s.name, preview_path(store.directory / s.name)),
            segment=s.name,
        )
        for s in store.index.segments
    ]


def _events(store: CameraStore) -> list[Item]:
    return [
        Item(
            store,
            event.start,
            event.end or event.window_end,
            event.clip_bytes,
            tuple(store.event_files(event)),
            event=event.id,
        )
        for event in store.finished_events()
    ]


def _too_old(store: CameraStore, now: float) -> list[Item]:
    footage_cut = now - store.limits.retention_hours * HOUR
    event_cut = now - store.limits.event_retention_hours * HOUR
    return [i for i in _footage(store) if i.end < footage_cut] + [
        i for i in _events(store) if i.end < event_cut
    ]


async def _idle(store: CameraStore, now: float) -> list[Item]:
    """Footage without activity older than the camera's idle limit (``activity_retention``)."""
    if (hours := store.limits.idle_retention_hours) is None:
        return []
    cut = now - hours * HOUR
    aged = [segment for segment in store.index.segments if segment.end < cut]
    find = partial(idle_segments, store.directory, aged, store.limits.activity_threshold)
    idle = set(await asyncio.get_running_loop().run_in_executor(None, find))
    return [item for item in _footage(store) if item.segment in idle]


def _over_quota(store: CameraStore) -> list[Item]:
    quota = store.limits.quota_bytes
    if quota is None:
        return []
    excess = store.used_bytes() - quota
    chosen = []
    for item in sorted(_everything(store), key=lambda i: i.start):
        if excess <= 0:
            break
        chosen.append(item)
        excess -= item.size
    return chosen


def _remove_files(items: list[Item]) -> int:
    removed = 0
    for item in items:
        for path in item.files:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed
