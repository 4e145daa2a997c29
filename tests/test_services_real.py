"""Event recording end to end: HA, heldar.trigger, real FFmpeg and the real RTSP camera."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    DOMAIN,
    EVENT_RECORDING_FINISHED,
)

from .common import camera_subentry, hub_entry, wait_for_state
from .media import RtspCamera, duration, processes_with

SENSOR = "sensor.gate_recorder_state"


async def test_trigger_records_until_post_roll(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
) -> None:
    """Idle without FFmpeg; triggers record and extend; the camera stops on the window end."""
    camera = rtsp_camera()
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Gate",
            camera.url,
            **{CONF_RECORD_MODE: "event", CONF_POST_ROLL_SECONDS: 6, CONF_PRE_ROLL_SECONDS: 0},
        ),
    )
    finished = async_capture_events(hass, EVENT_RECORDING_FINISHED)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, SENSOR, "idle")
    await asyncio.sleep(1)
    folder = tmp_path / "gate"
    assert processes_with(str(folder)) == []
    assert not list(folder.glob("*.mp4"))

    async def trigger() -> datetime:
        response = await hass.services.async_call(
            DOMAIN, "trigger", {"entity_id": SENSOR}, blocking=True, return_response=True
        )
        assert isinstance(response, dict)
        return datetime.fromisoformat(response["cameras"][0]["window_end"])

    first_end = await trigger()
    await wait_for_state(hass, SENSOR, "recording")
    await asyncio.sleep(2)
    last_end = await trigger()  # inside the first window: it extends it
    assert last_end > first_end
    assert (await wait_for_state(hass, SENSOR, "recording")).attributes["window_end"] == (
        last_end.isoformat()
    )
    idle = await wait_for_state(hass, SENSOR, "idle", timeout=15)
    stopped_after = (idle.last_changed - last_end).total_seconds()
    assert 0 <= stopped_after <= 1.0
    assert processes_with(f"{folder}/%Y") == []  # no recording FFmpeg left

    async with asyncio.timeout(30):
        while not finished:
            await asyncio.sleep(0.1)
    (done,) = finished
    assert done.data["reasons"] == []
    recorded = duration(Path(done.data["clip"]))
    # One event, one clip: from the first trigger until 6 s after the second; FFmpeg needs a
    # second or two to connect and wait for a keyframe.
    window = (last_end - first_end).total_seconds() + 6
    assert window - 3 <= recorded <= window + 0.5
    assert not list(folder.glob("*.mp4"))  # event-only segments live on in the clip alone
    assert await hass.config_entries.async_unload(entry.entry_id)
