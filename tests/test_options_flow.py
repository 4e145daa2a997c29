"""The hub's options: who may export and share, changed without restarting a recorder."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.heldar.const import CONF_ALLOW_USER_EXPORT

from .common import camera_subentry, hub_entry, wait_for_state
from .recorder.helpers import fake_starts


async def test_allow_users_to_export_and_share(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """Off by default; switched on through the options flow, with no FFmpeg restarted."""
    entry = hub_entry(tmp_path, camera_subentry("Front", "rtsp://front/live"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, "sensor.front_recorder_state", "recording")
    starts = len(fake_starts(tmp_path / "fake_ffmpeg.log"))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    schema = result["data_schema"]
    assert schema is not None
    assert schema({}) == {CONF_ALLOW_USER_EXPORT: False}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ALLOW_USER_EXPORT: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_ALLOW_USER_EXPORT: True}
    assert len(fake_starts(tmp_path / "fake_ffmpeg.log")) == starts
    state = hass.states.get("sensor.front_recorder_state")
    assert state is not None
    assert state.state == "recording"
    await hass.config_entries.async_unload(entry.entry_id)
