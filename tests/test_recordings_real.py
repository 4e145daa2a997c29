"""The index against real recordings: rebuilt after a restart, and a real gap counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from homeassistant.core import HomeAssistant

from custom_components.heldar.data import HeldarData

from .common import camera_subentry, hub_entry, wait_for_state
from .media import RtspCamera

SENSOR = "sensor.yard_recorder_state"


async def test_index_survives_restart_and_counts_a_gap(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
) -> None:
    """Record, restart Heldar, find the same footage indexed; a 6 s outage is one gap."""
    camera = rtsp_camera()
    entry = hub_entry(tmp_path, camera_subentry("Yard", camera.url))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, SENSOR, "recording")
    data: HeldarData = entry.runtime_data
    store = data.recordings.stores["yard"]
    async with asyncio.timeout(30):
        while len(store.index) < 3:
            await asyncio.sleep(0.25)
    live = {s.name: s for s in store.index.segments}
    assert all(abs(s.duration - 2.0) < 0.3 for s in list(live.values())[1:])
    assert store.index.gap_count() == 0

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    store = entry.runtime_data.recordings.stores["yard"]
    async with asyncio.timeout(30):
        while not store.index.ready:
            await asyncio.sleep(0.1)
    rebuilt = {s.name: s for s in store.index.segments}
    assert set(live) <= set(rebuilt)  # every segment indexed live is found again on disk
    for name, segment in live.items():
        assert rebuilt[name].codec == "h264"
        assert abs(rebuilt[name].duration - segment.duration) < 0.3

    # Cut the camera for a while: the hole in the footage is a gap.
    await wait_for_state(hass, SENSOR, "recording")
    await asyncio.sleep(3)
    camera.stop()
    await wait_for_state(hass, SENSOR, "offline")
    await asyncio.sleep(5)
    camera.start()
    await wait_for_state(hass, SENSOR, "recording", timeout=40)
    before = len(store.index)
    async with asyncio.timeout(30):
        while len(store.index) < before + 2:
            await asyncio.sleep(0.25)
    assert store.index.gap_count() >= 1
    (start, end) = store.index.gaps()[-1]
    assert end - start > 5
    await data.recordings.async_run_retention()
    gaps = hass.states.get("sensor.yard_gaps_in_the_last_24_hours")
    assert gaps is not None
    assert int(gaps.state) >= 1
    assert await hass.config_entries.async_unload(entry.entry_id)
