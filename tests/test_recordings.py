"""Housekeeping in Home Assistant: retention and mirror repairs, storage sensors, timers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.heldar import recordings as recordings_module
from custom_components.heldar.const import (
    CONF_MIN_FREE_GB,
    CONF_MIRROR_DIR,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    DOMAIN,
    GB,
)
from custom_components.heldar.recorder.retention import DiskUsage

from .common import camera_subentry, hub_entry
from .recorder.test_index import real_segments


class Disk:
    """A stand-in for the disk: its free space is whatever the test says."""

    def __init__(self, free: float) -> None:
        """Start with ``free`` GB free."""
        self.free = int(free * GB)

    def __call__(self, _path: Path) -> DiskUsage:
        """Answer like shutil.disk_usage."""
        return DiskUsage(1000 * GB, 1000 * GB - self.free, self.free)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    """Replace the disk measurement Heldar uses."""
    fake = Disk(500)
    monkeypatch.setattr(recordings_module, "disk_usage", fake)
    return fake


@pytest.fixture
async def hub(
    hass: HomeAssistant, real_ffmpeg_hass: None, disk: Disk, tmp_path: Path
) -> MockConfigEntry:
    """A hub with a 5 GB floor, a mirror that is not mounted, and an idle camera with footage."""
    start = dt_util.utcnow().timestamp() - 3600
    real_segments(tmp_path / "rec" / "gate", 3, start=start, seconds=2)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Heldar",
        data={
            "storage_dir": str(tmp_path / "rec"),
            CONF_MIN_FREE_GB: 5,
            CONF_MIRROR_DIR: str(tmp_path / "nas"),
            "mirror_retention_hours": 24,
        },
        subentries_data=[
            camera_subentry(
                "Gate",
                "rtsp://gate/s",
                **{CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0},
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    store = entry.runtime_data.recordings.stores["gate"]
    async with asyncio.timeout(20):
        while not store.index.ready:
            await asyncio.sleep(0.05)
    return entry


async def test_sensors(hass: HomeAssistant, hub: MockConfigEntry, disk: Disk) -> None:
    """Storage used and oldest recording per camera; free space and totals on the hub."""
    recordings = hub.runtime_data.recordings
    await recordings.async_run_retention()
    await hass.async_block_till_done()
    store = recordings.stores["gate"]
    used = hass.states.get("sensor.gate_storage_used")
    assert used is not None
    assert float(used.state) == pytest.approx(store.index.total_bytes / 1_000_000, abs=0.01)
    assert used.attributes["segments"] == 3
    assert used.attributes["unit_of_measurement"] == "MB"
    oldest = hass.states.get("sensor.gate_oldest_recording")
    assert oldest is not None
    assert dt_util.parse_datetime(oldest.state) == dt_util.utc_from_timestamp(
        store.index.segments[0].start
    )
    assert hass.states.get("sensor.gate_gaps_in_the_last_24_hours").state == "0"  # type: ignore[union-attr]
    free = hass.states.get("sensor.heldar_free_space")
    assert free is not None
    assert float(free.state) == pytest.approx(500, abs=0.1)
    assert hass.states.get("sensor.heldar_cameras_recording").state == "0"  # type: ignore[union-attr]
    total = hass.states.get("sensor.heldar_total_storage")
    assert total is not None
    assert float(total.state) == pytest.approx(float(used.state), abs=0.01)


async def test_low_disk_raises_and_clears_a_repair(
    hass: HomeAssistant, hub: MockConfigEntry, disk: Disk
) -> None:
    """When cleanup cannot get above the floor a repair is raised; it clears on recovery."""
    recordings = hub.runtime_data.recordings
    disk.free = 1 * GB  # below the 5 GB floor, and deleting our few MB will not fix it
    # The one-minute disk check notices and runs retention at once.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1, seconds=1))
    async with asyncio.timeout(10):
        while ir.async_get(hass).async_get_issue(DOMAIN, "disk_below_floor") is None:
            await asyncio.sleep(0.05)
    assert recordings.last_retention is not None
    assert recordings.last_retention.by_reason == {"free_space": 3}
    assert len(recordings.stores["gate"].index) == 0
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "disk_below_floor")
    assert issue is not None
    assert issue.translation_placeholders == {
        "path": str(recordings.retention.root),
        "free": "1.0",
        "floor": "5.0",
    }
    disk.free = 50 * GB
    await recordings.async_run_retention()
    assert ir.async_get(hass).async_get_issue(DOMAIN, "disk_below_floor") is None


async def test_mirror_repair_and_catch_up(
    hass: HomeAssistant, hub: MockConfigEntry, tmp_path: Path
) -> None:
    """An unmounted mirror raises a repair; once it is back it catches up and clears it."""
    recordings = hub.runtime_data.recordings
    report = await recordings.async_sync_mirror()
    assert report is not None
    assert not report.reachable
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "mirror_unreachable")
    assert issue is not None
    assert issue.translation_placeholders == {"path": str(tmp_path / "nas"), "pending": "3"}
    (tmp_path / "nas").mkdir()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1, seconds=1))
    async with asyncio.timeout(10):
        while ir.async_get(hass).async_get_issue(DOMAIN, "mirror_unreachable") is not None:
            await asyncio.sleep(0.05)
    copies = sorted(p.name for p in (tmp_path / "nas" / "gate").glob("*.mp4"))
    originals = sorted(p.name for p in (tmp_path / "rec" / "gate").glob("*.mp4"))
    assert copies == originals
    for name in copies:
        assert (tmp_path / "nas" / "gate" / name).read_bytes() == (
            tmp_path / "rec" / "gate" / name
        ).read_bytes()


async def test_hub_without_mirror(
    hass: HomeAssistant, real_ffmpeg_hass: None, disk: Disk, tmp_path: Path
) -> None:
    """No mirror configured: syncing is a no-op and no repair is ever raised."""
    entry = hub_entry(tmp_path)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert await entry.runtime_data.recordings.async_sync_mirror() is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, "mirror_unreachable") is None
