"""heldar.trigger and the Trigger recording button, with the fake FFmpeg."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from homeassistant.components.logbook import EVENT_LOGBOOK_ENTRY
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_ENABLED,
    CONF_RECORD_MODE,
    CONF_SCHEDULES,
    DOMAIN,
    EVENT_RECORDING_STARTED,
)
from custom_components.heldar.logbook import async_describe_events

from .common import camera_subentry, hub_entry, wait_for_state
from .recorder.helpers import fake_starts

GATE = "sensor.gate_recorder_state"


@pytest.fixture
async def cameras(hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path) -> MockConfigEntry:
    """A hub with one camera in each mode, and one paused event camera."""
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Gate",
            "rtsp://gate/s",
            # No pre-roll: this module tests the original trigger behaviour (FFmpeg on demand).
            **{CONF_RECORD_MODE: "event", CONF_POST_ROLL_SECONDS: 2, CONF_PRE_ROLL_SECONDS: 0},
        ),
        camera_subentry("Yard", "rtsp://yard/s"),
        camera_subentry(
            "Shed",
            "rtsp://shed/s",
            **{CONF_RECORD_MODE: "scheduled", CONF_SCHEDULES: [], CONF_PRE_ROLL_SECONDS: 0},
        ),
        camera_subentry(
            "Porch", "rtsp://porch/s", **{CONF_RECORD_MODE: "event", CONF_RECORD_ENABLED: False}
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, "sensor.yard_recorder_state", "recording")
    return entry


async def trigger(hass: HomeAssistant, **data: object) -> dict[str, Any]:
    """Call heldar.trigger and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "trigger", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def device_id(hass: HomeAssistant, name: str) -> str:
    """Return the id of the device called ``name``."""
    return next(d.id for d in dr.async_get(hass).devices if d.name == name)


async def test_event_camera_idles_until_triggered(
    hass: HomeAssistant, cameras: MockConfigEntry, tmp_path: Path
) -> None:
    """Idle runs no FFmpeg; a trigger records; the response says what happened."""
    idle = hass.states.get(GATE)
    assert idle is not None
    assert idle.state == "idle"
    assert idle.attributes["mode"] == "event"
    assert idle.attributes["window_end"] is None
    assert hass.states.get("sensor.shed_recorder_state").state == "idle"  # type: ignore[union-attr]
    starts_before = len(fake_starts(tmp_path / "fake_ffmpeg.log"))

    before = dt_util.utcnow()
    response = await trigger(hass, entity_id=GATE, reason="driveway motion")
    (camera,) = response["cameras"]
    assert camera["camera"] == "Gate"
    assert camera["device_id"] == device_id(hass, "Gate")
    assert camera["mode"] == "event"
    assert camera["result"] == "started"
    assert camera["state"] == "connecting"  # what is about to happen, not "idle"
    assert camera["recording"] is False  # FFmpeg is only starting
    window_end = datetime.fromisoformat(camera["window_end"])
    assert before + timedelta(seconds=2) <= window_end <= dt_util.utcnow() + timedelta(seconds=2)

    await wait_for_state(hass, GATE, "recording")
    response = await trigger(hass, device_id=device_id(hass, "Gate"), post_roll=60)
    (camera,) = response["cameras"]
    assert camera["result"] == "extended"
    assert camera["recording"] is True
    response = await trigger(hass, entity_id="button.gate_trigger_recording", post_roll=1)
    assert response["cameras"][0]["result"] == "unchanged"  # a trigger never shortens
    assert response["cameras"][0]["window_end"] == camera["window_end"]
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == starts_before + 1


async def test_results_for_every_mode(hass: HomeAssistant, cameras: MockConfigEntry) -> None:
    """Continuous, scheduled and paused cameras answer without failing the automation."""
    response = await trigger(
        hass,
        entity_id=[
            "sensor.yard_recorder_state",
            "switch.shed_recording_enabled",
            "switch.porch_recording_enabled",
        ],
    )
    results = {camera["camera"]: camera["result"] for camera in response["cameras"]}
    assert results == {
        "Yard": "already_continuous",
        "Shed": "schedule_only",
        "Porch": "recording_disabled",
    }
    porch = next(c for c in response["cameras"] if c["camera"] == "Porch")
    assert porch["window_end"] is None
    assert porch["state"] == "disabled"


async def test_window_ends_after_post_roll(hass: HomeAssistant, cameras: MockConfigEntry) -> None:
    """The camera goes back to idle once the post-roll after the last trigger has passed."""
    response = await trigger(hass, entity_id=GATE)
    window_end = datetime.fromisoformat(response["cameras"][0]["window_end"])
    await wait_for_state(hass, GATE, "recording")
    idle = await wait_for_state(hass, GATE, "idle", timeout=10)
    assert 0 <= (idle.last_changed - window_end).total_seconds() < 1.0
    assert idle.attributes["window_end"] is None


async def test_burst_of_triggers(
    hass: HomeAssistant, cameras: MockConfigEntry, tmp_path: Path
) -> None:
    """A thousand calls leave exactly one FFmpeg and one window."""
    before = len(fake_starts(tmp_path / "fake_ffmpeg.log"))
    ends = set()
    for _ in range(1000):
        last_call = dt_util.utcnow()
        response = await trigger(hass, entity_id=GATE, post_roll=5)
        ends.add(response["cameras"][0]["window_end"])
    after = dt_util.utcnow()
    await wait_for_state(hass, GATE, "recording")
    # A response shows the end published so far; extensions are published at most once a
    # second (window_notice.py), so the state shows the last call's end within a second.
    window = (last_call + timedelta(seconds=5), after + timedelta(seconds=5))
    state = await wait_for_state(
        hass,
        GATE,
        lambda state: (
            window[0] <= datetime.fromisoformat(state.attributes["window_end"]) <= window[1]
        ),
        3,
    )
    assert state.attributes["window_end"] >= max(ends)
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == before + 1


async def test_button_triggers(hass: HomeAssistant, cameras: MockConfigEntry) -> None:
    """The Trigger recording button starts a window with the camera's post-roll.

    Its reason stays the raw key in the event, for automations, and reads as words in the
    logbook.
    """
    started = async_capture_events(hass, EVENT_RECORDING_STARTED)
    describers: dict[str, Callable[[Event], dict[str, str]]] = {}
    async_describe_events(hass, lambda _d, kind, describe: describers.update({kind: describe}))
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.gate_trigger_recording"}, blocking=True
    )
    state = await wait_for_state(hass, GATE, "recording")
    assert state.attributes["window_end"] is not None
    button = hass.states.get("button.gate_trigger_recording")
    assert button is not None
    assert button.attributes["press_result"] == "started"
    async with asyncio.timeout(10):
        while not started:
            await asyncio.sleep(0.05)
    assert started[0].data["reasons"] == ["button"]
    line = describers[EVENT_RECORDING_STARTED](started[0])
    assert line["message"] == "started an event recording (Trigger button pressed)"


@pytest.mark.parametrize(
    ("camera", "result", "message"),
    [
        ("shed", "schedule_only", "records on its schedule only, so the trigger was ignored"),
        ("porch", "recording_disabled", "not recording: its Recording enabled switch is off"),
    ],
)
async def test_button_that_does_nothing_says_why(
    hass: HomeAssistant, cameras: MockConfigEntry, camera: str, result: str, message: str
) -> None:
    """A press that cannot record is explained on the button and in the logbook."""
    button = f"button.{camera}_trigger_recording"
    assert hass.states.get(button).attributes["press_result"] == result  # type: ignore[union-attr]
    entries = async_capture_events(hass, EVENT_LOGBOOK_ENTRY)
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert [entry.data["message"] for entry in entries] == [message]


async def test_bad_targets(hass: HomeAssistant, cameras: MockConfigEntry) -> None:
    """Targets that are not Heldar cameras are a translated validation error."""
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"x": {}}})
    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, entity_id=["input_boolean.x", GATE])
    assert err.value.translation_key == "not_a_camera"
    assert err.value.translation_placeholders == {"targets": "input_boolean.x"}

    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=cameras.entry_id, identifiers={("other", "1")}, name="Toaster"
    )
    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, device_id=other.id)
    assert err.value.translation_placeholders == {"targets": "Toaster"}

    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, device_id="no-such-device")
    assert err.value.translation_placeholders == {"targets": "no-such-device"}

    with pytest.raises(vol.Invalid, match="at least one of"):
        await hass.services.async_call(DOMAIN, "trigger", {}, blocking=True, return_response=True)


async def test_mode_and_schedule_change_without_restart(
    hass: HomeAssistant, cameras: MockConfigEntry, tmp_path: Path
) -> None:
    """Editing mode or schedule applies in place; a window covering now starts recording."""
    shed = next(s for s in cameras.subentries.values() if s.title == "Shed")
    before = len(fake_starts(tmp_path / "fake_ffmpeg.log"))
    today = dt_util.now().weekday()
    hass.config_entries.async_update_subentry(
        cameras,
        shed,
        data={
            **shed.data,
            CONF_SCHEDULES: [{"days": [today, (today + 6) % 7], "start": "00:00", "end": "24:00"}],
        },
    )
    state = await wait_for_state(hass, "sensor.shed_recorder_state", "recording")
    midnight = datetime.fromisoformat(state.attributes["next_change"])
    assert midnight.astimezone(dt_util.get_default_time_zone()).time() == time(0, 0)
    # Windows follow HA's time zone: changing it moves the next boundary at once.
    await hass.config.async_update(time_zone="Pacific/Kiritimati")
    state = await wait_for_state(
        hass,
        "sensor.shed_recorder_state",
        lambda s: s.attributes["next_change"] != midnight.isoformat(),
    )
    hass.config_entries.async_update_subentry(
        cameras, shed, data={**shed.data, CONF_RECORD_MODE: "event"}
    )
    state = await wait_for_state(hass, "sensor.shed_recorder_state", "idle")
    assert state.attributes["next_change"] is None
    assert state.attributes["mode"] == "event"
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == before + 1


async def test_window_survives_a_restart(hass: HomeAssistant, cameras: MockConfigEntry) -> None:
    """Editing the stream during an event keeps the window; a trigger meanwhile is kept too."""
    gate = next(s for s in cameras.subentries.values() if s.title == "Gate")
    response = await trigger(hass, entity_id=GATE, post_roll=30)
    window_end = response["cameras"][0]["window_end"]
    await wait_for_state(hass, GATE, "recording")
    hass.config_entries.async_update_subentry(
        cameras, gate, data={**gate.data, "segment_seconds": 3}
    )
    # The update listener drops the old recorder at once, then waits for its FFmpeg to stop.
    handle = cameras.runtime_data.cameras[gate.subentry_id]
    async with asyncio.timeout(5):
        while handle.recorder is not None:
            await asyncio.sleep(0)
    during = await trigger(hass, entity_id=GATE, post_roll=40)
    assert during["cameras"][0]["result"] == "extended"
    state = await wait_for_state(hass, GATE, "recording")
    assert state.attributes["window_end"] > window_end


async def test_trigger_right_after_a_mode_change_sees_the_new_mode(
    hass: HomeAssistant, cameras: MockConfigEntry
) -> None:
    """An automation that switches a camera to event mode, then triggers it, gets an event."""
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.yard_recording_mode", "option": "event"},
        blocking=True,
    )
    response = await trigger(hass, entity_id="sensor.yard_recorder_state", reason="door")
    assert response["cameras"][0]["result"] == "started"
