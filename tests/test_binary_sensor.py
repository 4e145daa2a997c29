"""The Activity binary sensor's rules: off by default, on at once, off after a quiet hold.

The live level is handed to the camera as the recorder would (``async_set_activity``); the
sensor against real footage is ``test_binary_sensor_real.py``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.heldar.binary_sensor import ACTIVITY_HOLD_SECONDS
from custom_components.heldar.const import (
    CONF_ACTIVITY_SENSITIVITY,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    DOMAIN,
)
from custom_components.heldar.data import HeldarData
from custom_components.heldar.recorder.activity import threshold

from .common import camera_subentry, hub_entry, wait_for_state

ENTITY = "binary_sensor.yard_activity"
IDLE = {CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}  # no FFmpeg runs


async def test_on_at_once_off_after_the_hold(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    """Disabled by default; once enabled it follows the level with a hold, at any sensitivity."""
    entry = hub_entry(
        tmp_path,
        camera_subentry("Yard", "rtsp://yard/s", **IDLE),
        camera_subentry("Gate", "rtsp://gate/s", **IDLE),
    )
    entry.add_to_hass(hass)
    yard = next(key for key, sub in entry.subentries.items() if sub.title == "Yard")
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{yard}_activity",
        config_entry=entry,
        config_subentry_id=yard,
        suggested_object_id="yard_activity",
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    gate = next(key for key, sub in entry.subentries.items() if sub.title == "Gate")
    gate_id = registry.async_get_entity_id("binary_sensor", DOMAIN, f"{gate}_activity")
    assert gate_id is not None
    assert registry.async_get(gate_id).disabled_by is er.RegistryEntryDisabler.INTEGRATION  # type: ignore[union-attr]
    assert hass.states.get(gate_id) is None
    state = await wait_for_state(hass, ENTITY, STATE_OFF)
    assert state.attributes["device_class"] == "motion"

    data: HeldarData = entry.runtime_data
    camera = data.cameras[yard]
    # Only the camera whose sensor is enabled has its segments looked at on the fast cadence.
    for key, wanted in ((yard, True), (gate, False)):
        recorder = data.cameras[key].recorder
        assert recorder is not None
        assert recorder.activity.live_wanted() is wanted
    active, quiet = threshold(0.5), threshold(0.5) - 1
    camera.async_set_activity(active)
    assert hass.states.get(ENTITY).state == STATE_ON  # type: ignore[union-attr]
    camera.async_set_activity(quiet)
    freezer.tick(timedelta(seconds=ACTIVITY_HOLD_SECONDS - 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY).state == STATE_ON  # type: ignore[union-attr]
    camera.async_set_activity(active)  # back within the hold: no flap, the hold starts again
    camera.async_set_activity(quiet)
    freezer.tick(timedelta(seconds=ACTIVITY_HOLD_SECONDS - 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY).state == STATE_ON  # type: ignore[union-attr]
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY).state == STATE_OFF  # type: ignore[union-attr]

    # A lower sensitivity applies at once, without restarting the recorder.
    recorder = camera.recorder
    subentry = entry.subentries[yard]
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, CONF_ACTIVITY_SENSITIVITY: 0}
    )
    await hass.async_block_till_done()
    assert camera.recorder is recorder
    camera.async_set_activity(active)  # 4 sigma: under the 8 a sensitivity of 0 asks for
    assert hass.states.get(ENTITY).state == STATE_OFF  # type: ignore[union-attr]
    camera.async_set_activity(threshold(0.0))
    assert hass.states.get(ENTITY).state == STATE_ON  # type: ignore[union-attr]
    assert await hass.config_entries.async_unload(entry.entry_id)
