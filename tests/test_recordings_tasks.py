"""The recordings index runs as a task of the hub's config entry, and reports its failures."""

from __future__ import annotations

import asyncio
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

from custom_components.heldar.const import CONF_PRE_ROLL_SECONDS, CONF_RECORD_MODE
from custom_components.heldar.recorder.index import SegmentIndex

from .common import camera_subentry, hub_entry

IDLE = {CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}


async def test_index_rebuild_ends_with_the_entry(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unloading the hub cancels a rebuild still running; it used to outlive the unload."""
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow_rebuild(_index: SegmentIndex, **_: object) -> None:
        started.set()
        try:
            await asyncio.sleep(3600)  # a huge folder on a slow NAS
        except asyncio.CancelledError:
            cancelled.set()
            raise

    monkeypatch.setattr(SegmentIndex, "rebuild", slow_rebuild)
    entry = hub_entry(tmp_path, camera_subentry("Gate", "rtsp://gate/s", **IDLE))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await asyncio.wait_for(started.wait(), 10)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    await asyncio.wait_for(cancelled.wait(), 5)


async def test_index_rebuild_failure_is_logged(
    hass: HomeAssistant,
    fake_ffmpeg_hass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A rebuild that raises says so in the log, naming the camera."""
    failed = asyncio.Event()

    async def broken_rebuild(_index: SegmentIndex, **_: object) -> None:
        failed.set()
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(SegmentIndex, "rebuild", broken_rebuild)
    entry = hub_entry(tmp_path, camera_subentry("Gate", "rtsp://gate/s", **IDLE))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await asyncio.wait_for(failed.wait(), 10)
    await hass.async_block_till_done()
    assert "Indexing the recordings of Gate failed" in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)
