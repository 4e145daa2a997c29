"""Event recordings in Home Assistant: bus events, the logbook and restarts (fake FFmpeg)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    DOMAIN,
    EVENT_RECORDING_FINISHED,
    EVENT_RECORDING_STARTED,
)
from custom_components.heldar.logbook import async_describe_events

from .common import camera_subentry, hub_entry, wait_for_state

SENSOR = "sensor.gate_recorder_state"


def gate(tmp_path: Path, **extra: object) -> object:
    """A hub with one event camera."""
    return hub_entry(
        tmp_path,
        camera_subentry(
            "Gate",
            "rtsp://gate/s",
            **{CONF_RECORD_MODE: "event", CONF_POST_ROLL_SECONDS: 2, **extra},
        ),
    )


async def wait_for_events(events: list[Event], count: int, timeout: float = 20) -> None:
    """Wait until ``count`` events were captured."""
    async with asyncio.timeout(timeout):
        while len(events) < count:
            await asyncio.sleep(0.05)


async def test_started_and_finished(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """One event per window, announced once when it starts and once when its clip is ready."""
    started = async_capture_events(hass, EVENT_RECORDING_STARTED)
    finished = async_capture_events(hass, EVENT_RECORDING_FINISHED)
    entry = gate(tmp_path, **{CONF_PRE_ROLL_SECONDS: 0})
    entry.add_to_hass(hass)  # type: ignore[attr-defined]
    assert await hass.config_entries.async_setup(entry.entry_id)  # type: ignore[attr-defined]
    await wait_for_state(hass, SENSOR, "idle")
    for reason in ("motion", "motion", "doorbell"):
        await hass.services.async_call(
            DOMAIN, "trigger", {"entity_id": SENSOR, "reason": reason}, blocking=True
        )
    await wait_for_events(finished, 1)
    await asyncio.sleep(0.5)
    assert len(started) == 1
    assert len(finished) == 1
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, next(iter(entry.subentries))),  # type: ignore[attr-defined]
        entry.entry_id,  # type: ignore[attr-defined]
    )
    assert device is not None
    begun, done = started[0].data, finished[0].data
    assert begun["event_id"] == done["event_id"]
    assert begun["device_id"] == done["device_id"] == device.id
    assert done["camera"] == "Gate"
    assert done["reasons"] == ["motion", "doorbell"]
    assert datetime.fromisoformat(done["end"]) > datetime.fromisoformat(done["start"])
    clip = Path(done["clip"])
    assert clip.is_file()
    assert clip.parent == tmp_path / "gate" / "events"
    assert done["media_content_id"] == f"media-source://heldar/gate/events/{done['event_id']}"
    assert done["clip_url"] == f"/api/heldar/recordings/gate/events/{done['event_id']}.mp4"
    assert done["interrupted"] is False
    assert done["error"] is None
    await hass.config_entries.async_unload(entry.entry_id)  # type: ignore[attr-defined]


async def test_event_cut_short_by_a_restart_is_closed(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """An event open when HA stops is closed with what is on disk when Heldar starts again."""
    finished = async_capture_events(hass, EVENT_RECORDING_FINISHED)
    entry = gate(tmp_path, **{CONF_PRE_ROLL_SECONDS: 0})
    entry.add_to_hass(hass)  # type: ignore[attr-defined]
    assert await hass.config_entries.async_setup(entry.entry_id)  # type: ignore[attr-defined]
    await hass.services.async_call(
        DOMAIN, "trigger", {"entity_id": SENSOR, "post_roll": 3}, blocking=True
    )
    await wait_for_state(hass, SENSOR, "recording")
    await asyncio.sleep(1)
    assert await hass.config_entries.async_unload(entry.entry_id)  # type: ignore[attr-defined]
    assert finished == []
    await asyncio.sleep(3)  # the window ends while Heldar is not running
    assert await hass.config_entries.async_setup(entry.entry_id)  # type: ignore[attr-defined]
    await wait_for_events(finished, 1)
    data = finished[0].data
    assert data["interrupted"] is True
    assert Path(data["clip"]).is_file()
    await hass.config_entries.async_unload(entry.entry_id)  # type: ignore[attr-defined]


async def test_buffering_camera_is_idle_with_ffmpeg_running(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """A pre-roll camera keeps FFmpeg connected while idle, and releases its buffer on unload."""
    entry = gate(tmp_path, **{CONF_PRE_ROLL_SECONDS: 4})
    entry.add_to_hass(hass)  # type: ignore[attr-defined]
    assert await hass.config_entries.async_setup(entry.entry_id)  # type: ignore[attr-defined]
    state = await wait_for_state(hass, SENSOR, "idle")
    camera = next(iter(entry.runtime_data.cameras.values()))  # type: ignore[attr-defined]
    await wait_for_state(hass, SENSOR, lambda _: camera.recorder.status.pid is not None)
    buffer = camera.recorder._archive.buffer_dir
    assert buffer is not None
    assert buffer.exists()
    assert state.attributes["mode"] == "event"
    await hass.config_entries.async_unload(entry.entry_id)  # type: ignore[attr-defined]
    assert not buffer.exists()


async def test_logbook_lines(hass: HomeAssistant) -> None:
    """Both events read well in the logbook."""
    describers = {}
    async_describe_events(hass, lambda _domain, kind, describe: describers.update({kind: describe}))
    started = describers[EVENT_RECORDING_STARTED](
        Event(EVENT_RECORDING_STARTED, {"camera": "Gate", "reasons": ["motion"]})
    )
    assert started == {"name": "Gate", "message": "started an event recording (motion)"}
    done = describers[EVENT_RECORDING_FINISHED](
        Event(
            EVENT_RECORDING_FINISHED,
            {
                "camera": "Gate",
                "reasons": [],
                "clip": "/x.mp4",
                "start": "2026-11-24T10:00:00+00:00",
                "end": "2026-11-24T10:00:42+00:00",
            },
        )
    )
    assert done["message"] == "recorded a 42 s event clip (no reason given)"
    failed = describers[EVENT_RECORDING_FINISHED](
        Event(EVENT_RECORDING_FINISHED, {"camera": "Gate", "clip": None, "error": "disk full"})
    )
    assert failed["message"] == "ended an event recording without a clip: disk full"
