"""End to end: Home Assistant, Heldar, real FFmpeg and the real RTSP camera."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant

from custom_components.heldar.const import CONF_PASSWORD, CONF_USERNAME
from custom_components.heldar.data import HeldarData

from .common import camera_subentry, hub_entry, wait_for_state
from .media import RtspCamera, duration, pid_alive, processes_with

PASSWORD = "p@ss/w:rd%21"
SENSOR = "sensor.driveway_recorder_state"


def recorder_pid(hass: HomeAssistant) -> int:
    """Return the pid of the only camera's FFmpeg."""
    data: HeldarData = hass.config_entries.async_entries("heldar")[0].runtime_data
    (camera,) = data.cameras.values()
    assert camera.status is not None
    assert camera.status.pid is not None
    return camera.status.pid


async def test_record_lose_recover_unload(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
) -> None:
    """Records playable segments, shows offline when the camera dies, recovers, unloads clean."""
    camera = rtsp_camera(user="admin", password=PASSWORD)
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Driveway", camera.url, **{CONF_USERNAME: "admin", CONF_PASSWORD: PASSWORD}
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    await wait_for_state(hass, SENSOR, "recording")
    assert hass.states.get("binary_sensor.driveway_recording_now").state == STATE_ON  # type: ignore[union-attr]
    folder = tmp_path / "driveway"
    async with asyncio.timeout(30):
        while len(list(folder.glob("*.mp4"))) < 5:
            await asyncio.sleep(0.25)
    sensor = await wait_for_state(hass, SENSOR, lambda s: s.attributes.get("last_segment"))
    assert sensor.attributes["reconnects"] == 0
    first_pid = recorder_pid(hass)

    camera.stop()
    offline = await wait_for_state(hass, SENSOR, "offline")
    assert offline.attributes["reconnects"] >= 1
    assert offline.attributes["last_error"]
    assert not pid_alive(first_pid)
    first_run = sorted(path.name for path in folder.glob("*.mp4"))  # the stub is gone already
    for state in hass.states.async_all():
        assert PASSWORD not in str(state)
        assert "p%40ss" not in str(state)

    camera.start()
    await wait_for_state(hass, SENSOR, "recording", timeout=40)
    second_pid = recorder_pid(hass)
    assert second_pid != first_pid

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not pid_alive(second_pid)
    assert processes_with(str(tmp_path)) == []

    files = sorted(folder.glob("*.mp4"))
    durations = [duration(path) for path in files]  # all of them play, the last ones too
    assert len(files) >= 5
    # The second run wrote a file of its own and left every file of the first one alone.
    assert set(first_run) <= {path.name for path in files}
    assert files[-1].name > first_run[-1]
    for middle in durations[1:4]:
        assert abs(middle - 2.0) <= 0.2


async def test_wrong_password_at_runtime(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
) -> None:
    """A camera whose password changed shows error, retries slowly, and leaks nothing."""
    camera = rtsp_camera(user="admin", password=PASSWORD)
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Driveway", camera.url, **{CONF_USERNAME: "admin", CONF_PASSWORD: "old/p@ss"}
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    error = await wait_for_state(hass, SENSOR, "error")
    assert "username or password" in error.attributes["last_error"]
    await asyncio.sleep(3)
    state = hass.states.get(SENSOR)
    assert state is not None
    assert state.attributes["reconnects"] <= 3
    assert "old/p@ss" not in str(hass.states.async_all())
    assert await hass.config_entries.async_unload(entry.entry_id)
