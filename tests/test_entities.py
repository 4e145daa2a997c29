"""The settings entities (mode select, roll numbers) and the diagnostic sensors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from homeassistant.components.logbook import EVENT_LOGBOOK_ENTRY
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    SIGNAL_STORAGE_UPDATED,
)
from custom_components.heldar.recorder.store import CameraStore

from .common import camera_subentry, hub_entry, wait_for_state
from .recorder.helpers import fake_starts

SENSOR = "sensor.front_recorder_state"
INTEGRATION = Path(__file__).parent.parent / "custom_components" / "heldar"


@pytest.fixture
async def front(hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path) -> MockConfigEntry:
    """A recording continuous camera without pre-roll."""
    entry = hub_entry(
        tmp_path, camera_subentry("Front", "rtsp://front/s", **{CONF_PRE_ROLL_SECONDS: 0})
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, SENSOR, "recording")
    return entry


async def test_mode_select(hass: HomeAssistant, front: MockConfigEntry, tmp_path: Path) -> None:
    """Choosing a mode stores it and applies it in place: FFmpeg stops, no restart."""
    select = hass.states.get("select.front_recording_mode")
    assert select is not None
    assert select.state == "continuous"
    assert select.attributes["options"] == ["continuous", "scheduled", "event", "scheduled_event"]
    starts = len(fake_starts(tmp_path / "fake_ffmpeg.log"))
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.front_recording_mode", "option": "event"},
        blocking=True,
    )
    await wait_for_state(hass, SENSOR, "idle")
    await wait_for_state(hass, "select.front_recording_mode", "event")
    assert next(iter(front.subentries.values())).data[CONF_RECORD_MODE] == "event"
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == starts


async def test_roll_numbers(hass: HomeAssistant, front: MockConfigEntry, tmp_path: Path) -> None:
    """Post-roll applies in place; a new pre-roll resizes the buffer, so that camera restarts."""
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.front_recording_mode", "option": "event"},
        blocking=True,
    )
    await wait_for_state(hass, "number.front_post_roll", lambda state: state.state != "unavailable")
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.front_post_roll", "value": 90},
        blocking=True,
    )
    await wait_for_state(hass, "number.front_post_roll", "90.0")
    assert next(iter(front.subentries.values())).data[CONF_POST_ROLL_SECONDS] == 90
    starts = len(fake_starts(tmp_path / "fake_ffmpeg.log"))
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.front_pre_roll", "value": 5},
        blocking=True,
    )
    await wait_for_state(hass, "number.front_pre_roll", "5.0")
    await wait_for_state(
        hass, SENSOR, lambda _: len(fake_starts(tmp_path / "fake_ffmpeg.log")) > starts
    )


async def test_entity_categories_and_defaults(hass: HomeAssistant, front: MockConfigEntry) -> None:
    """Settings are config entities, figures for debugging are diagnostic, noisy ones off."""
    registry = er.async_get(hass)
    expected = {
        "select.front_recording_mode": (EntityCategory.CONFIG, None),
        "number.front_pre_roll": (EntityCategory.CONFIG, None),
        "number.front_post_roll": (EntityCategory.CONFIG, None),
        "sensor.front_reconnects": (EntityCategory.DIAGNOSTIC, None),
        "sensor.front_last_segment": (
            EntityCategory.DIAGNOSTIC,
            er.RegistryEntryDisabler.INTEGRATION,
        ),
        "sensor.front_recorder_state": (None, None),
        "switch.front_recording_enabled": (None, None),
    }
    for entity_id, (category, disabled_by) in expected.items():
        entry = registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.entity_category is category, entity_id
        assert entry.disabled_by is disabled_by, entity_id
    reconnects = hass.states.get("sensor.front_reconnects")
    assert reconnects is not None
    assert reconnects.state == "0"


async def test_recording_entities_read_apart(hass: HomeAssistant, front: MockConfigEntry) -> None:
    """The switch says whether the camera should record, the binary sensor whether it does."""
    switch = hass.states.get("switch.front_recording_enabled")
    now = hass.states.get("binary_sensor.front_recording_now")
    assert switch is not None
    assert now is not None
    assert switch.attributes["friendly_name"] == "Front Recording enabled"
    assert now.attributes["friendly_name"] == "Front Recording now"
    assert now.state == "on"
    assert "device_class" not in now.attributes  # its own texts, not "Running"
    strings = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    assert strings["entity"]["binary_sensor"]["recording"]["state"] == {
        "off": "Not recording",
        "on": "Recording",
    }


@pytest.mark.parametrize(("used", "shown"), [(4_800_000, 4.8), (48_000_000_000, 48_000.0)])
async def test_storage_used_reads_in_megabytes(
    hass: HomeAssistant,
    front: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    used: int,
    shown: float,
) -> None:
    """4.8 MB reads "4.8 MB", not "0.0 GB": bytes shown in MB with one decimal."""
    monkeypatch.setattr(CameraStore, "used_bytes", lambda _store: used)
    async_dispatcher_send(hass, SIGNAL_STORAGE_UPDATED.format(front.entry_id))
    await hass.async_block_till_done()
    for entity_id in ("sensor.front_storage_used", "sensor.heldar_total_storage"):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes["unit_of_measurement"] == "MB"
        assert float(state.state) == pytest.approx(shown)
        options = er.async_get(hass).async_get(entity_id).options  # type: ignore[union-attr]
        assert options["sensor"]["suggested_display_precision"] == 1
    free = hass.states.get("sensor.heldar_free_space")
    assert free is not None
    assert free.attributes["unit_of_measurement"] == "GB"


async def test_event_entities_on_a_continuous_camera(
    hass: HomeAssistant, front: MockConfigEntry
) -> None:
    """A continuous camera without a sub-stream records no events: its event entities rest.

    The button and the rolls are unavailable and the state sensor says why; in event mode
    they are back.
    """
    event_entities = ("button.front_trigger_recording", "number.front_pre_roll")
    for entity_id in event_entities:
        assert hass.states.get(entity_id).state == "unavailable", entity_id  # type: ignore[union-attr]
    assert hass.states.get(SENSOR).attributes["triggers"] == "already_continuous"  # type: ignore[union-attr]
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.front_recording_mode", "option": "event"},
        blocking=True,
    )
    await wait_for_state(hass, SENSOR, lambda state: state.attributes["triggers"] == "accepted")
    for entity_id in event_entities:
        await wait_for_state(hass, entity_id, lambda state: state.state != "unavailable")
    entries = async_capture_events(hass, EVENT_LOGBOOK_ENTRY)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.front_recording_enabled"}, blocking=True
    )
    button = "button.front_trigger_recording"
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert hass.states.get(button).attributes["press_result"] == "recording_disabled"  # type: ignore[union-attr]
    (entry,) = entries
    assert entry.data["message"] == "not recording: its Recording enabled switch is off"


async def test_empty_attributes_are_left_out(hass: HomeAssistant, front: MockConfigEntry) -> None:
    """An attribute with nothing to say is absent, not "Unknown" ("Last error: Unknown")."""
    attributes = hass.states.get(SENSOR).attributes  # type: ignore[union-attr]
    assert None not in attributes.values()
    for absent in ("last_error", "window_end", "next_change", "reason", "streams"):
        assert absent not in attributes, absent
    assert attributes["mode"] == "continuous"
    strings = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    labels = strings["entity"]["sensor"]["recorder_state"]["state_attributes"]
    assert labels["media"]["name"] == "Video and audio"  # "h264 copied, aac copied"
    assert labels["streams"]["name"] == "Main and sub-stream"  # {"main": ..., "sub": ...}


async def test_unchanged_reports_write_no_state(
    hass: HomeAssistant, front: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report that changes nothing an entity shows costs no state write; a change does."""
    writes: list[str] = []
    original = Entity._async_write_ha_state

    def counting(entity: Entity) -> None:
        writes.append(entity.entity_id)
        original(entity)

    monkeypatch.setattr(Entity, "_async_write_ha_state", counting)
    (camera,) = front.runtime_data.cameras.values()
    status = camera.status
    assert status is not None
    for _ in range(100):
        camera.async_set_status(status)
    assert writes == []
    camera.async_set_status(dataclasses.replace(status, reconnects=status.reconnects + 1))
    assert SENSOR in writes  # the state sensor shows reconnects
    assert len(writes) == len(set(writes))  # each entity that shows it wrote once
    state = hass.states.get(SENSOR)
    assert state is not None
    assert state.attributes["reconnects"] == status.reconnects + 1
