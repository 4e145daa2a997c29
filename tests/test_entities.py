"""The settings entities (mode select, roll numbers) and the diagnostic sensors."""

from __future__ import annotations

from pathlib import Path

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
)

from .common import camera_subentry, hub_entry, wait_for_state
from .recorder.helpers import fake_starts

SENSOR = "sensor.front_recorder_state"


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
        "switch.front_recording": (None, None),
    }
    for entity_id, (category, disabled_by) in expected.items():
        entry = registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.entity_category is category, entity_id
        assert entry.disabled_by is disabled_by, entity_id
    reconnects = hass.states.get("sensor.front_reconnects")
    assert reconnects is not None
    assert reconnects.state == "0"
