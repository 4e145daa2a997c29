"""Recordings housekeeping in Home Assistant: indexes, retention, the mirror, repairs.

Retention runs every five minutes, and at once when a one-minute look at the disk finds the
free space under the hub's floor. The mirror synchronises every minute. Both report through
repair issues, raised while a problem lasts and cleared when it is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
import logging
from pathlib import Path

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval

from .const import (
    DOMAIN,
    GB,
    ISSUE_DISK_BELOW_FLOOR,
    ISSUE_MIRROR_UNREACHABLE,
    SIGNAL_STORAGE_UPDATED,
)
from .recorder.in_use import FilesInUse
from .recorder.mirror import Mirror, MirrorReport
from .recorder.retention import DiskUsage, Retention, RetentionReport, disk_usage
from .recorder.store import CameraStore

_LOGGER = logging.getLogger(__name__)

RETENTION_INTERVAL = timedelta(minutes=5)
FREE_SPACE_INTERVAL = timedelta(minutes=1)
MIRROR_INTERVAL = timedelta(minutes=1)


def _disk_usage(path: Path) -> DiskUsage:
    """Measure the disk; looked up at call time, so a test can stand in for the disk."""
    return disk_usage(path)


class RecordingsManager:
    """Keep every camera's recordings indexed, within limits, and mirrored."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        storage: Path,
        *,
        min_free_gb: float,
        mirror: Mirror | None = None,
        usage: Callable[[Path], DiskUsage] | None = None,
    ) -> None:
        """Prepare; nothing runs until ``async_start``."""
        self.hass = hass
        self.entry_id = entry_id
        self.stores: dict[str, CameraStore] = {}
        self.retention = Retention(storage, int(min_free_gb * GB), usage or _disk_usage)
        self.mirror = mirror
        self.free_bytes: int | None = None
        self.last_retention: RetentionReport | None = None
        self.last_mirror: MirrorReport | None = None
        # Files being read right now (played, shared, exported): retention leaves them alone.
        self.in_use = FilesInUse()
        self._unsubs: list[CALLBACK_TYPE] = []

    @callback
    def async_start(self) -> None:
        """Start the timers."""
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._async_retention_tick, RETENTION_INTERVAL, name="heldar retention"
            )
        )
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._async_free_space_tick, FREE_SPACE_INTERVAL, name="heldar disk"
            )
        )
        if self.mirror is not None:
            self._unsubs.append(
                async_track_time_interval(
                    self.hass, self._async_mirror_tick, MIRROR_INTERVAL, name="heldar mirror"
                )
            )

    @callback
    def async_stop(self) -> None:
        """Stop the timers."""
        while self._unsubs:
            self._unsubs.pop()()

    async def async_add_store(self, store: CameraStore) -> None:
        """Index a camera's recordings in the background, for as long as the hub is loaded."""
        self.stores[store.camera_id] = store
        name = f"heldar index {store.camera_id}"
        if (entry := self.hass.config_entries.async_get_entry(self.entry_id)) is not None:
            entry.async_create_background_task(self.hass, self._async_rebuild(store), name)

    def remove_store(self, store: CameraStore) -> None:
        """Forget a camera (its files stay on disk); never another camera's store."""
        if self.stores.get(store.camera_id) is store:
            del self.stores[store.camera_id]

    async def _async_rebuild(self, store: CameraStore) -> None:
        try:
            await store.load_events()
            await store.index.rebuild(skip={path.name for path in store.busy()})
        except Exception:
            _LOGGER.exception("Indexing the recordings of %s failed", store.name)
            return
        self._async_notify()

    # -- retention --------------------------------------------------------------------------

    async def async_make_room(self) -> bool:
        """Free space for a camera whose disk is full; return whether anything was freed."""
        report = await self.retention.make_room(list(self.stores.values()), self.in_use)
        self.free_bytes = report.free_bytes
        return report.deleted_files > 0

    async def async_run_retention(self) -> RetentionReport:
        """Apply every limit now, then raise or clear the low-disk repair issue."""
        report = await self.retention.run(list(self.stores.values()), self.in_use)
        self.last_retention = report
        self.free_bytes = report.free_bytes
        if report.deleted_files:
            _LOGGER.info(
                "Retention deleted %s files (%.1f MB) in %.2f s: %s",
                report.deleted_files,
                report.deleted_bytes / 1e6,
                report.seconds,
                report.by_reason,
            )
        if report.below_floor:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_DISK_BELOW_FLOOR,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="disk_below_floor",
                translation_placeholders={
                    "path": str(self.retention.root),
                    "free": f"{(report.free_bytes or 0) / GB:.1f}",
                    "floor": f"{self.retention.min_free_bytes / GB:.1f}",
                },
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_DISK_BELOW_FLOOR)
        for store in self.stores.values():
            await store.index.save()
        self._async_notify()
        return report

    async def _async_retention_tick(self, _now: datetime) -> None:
        await self.async_run_retention()

    async def _async_free_space_tick(self, _now: datetime) -> None:
        self.free_bytes = await self.retention.free_bytes()
        if self.free_bytes < self.retention.min_free_bytes:
            await self.async_run_retention()
        else:
            self._async_notify()

    # -- mirror -----------------------------------------------------------------------------

    async def async_sync_mirror(self) -> MirrorReport | None:
        """Copy what the mirror misses; raise or clear the unreachable-mirror repair issue."""
        if self.mirror is None:
            return None
        report = await self.mirror.sync(list(self.stores.values()))
        self.last_mirror = report
        if report.reachable:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_MIRROR_UNREACHABLE)
        else:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_MIRROR_UNREACHABLE,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="mirror_unreachable",
                translation_placeholders={
                    "path": str(self.mirror.root),
                    "pending": str(report.pending_files),
                },
            )
        return report

    async def _async_mirror_tick(self, _now: datetime) -> None:
        await self.async_sync_mirror()

    # -- plumbing ---------------------------------------------------------------------------

    @callback
    def _async_notify(self) -> None:
        async_dispatcher_send(self.hass, SIGNAL_STORAGE_UPDATED.format(self.entry_id))
