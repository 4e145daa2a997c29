"""The camera form's sub-stream: tried with the camera's login before anything is saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.heldar.camera_settings import CameraConfig
from custom_components.heldar.const import (
    CONF_CONTINUOUS_STREAM,
    CONF_PASSWORD,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
)

from .common import hub_entry
from .media import RtspCamera
from .test_config_flow import CAMERA_INPUT, configure, start_camera_flow

LOGIN = {"username": "admin", CONF_PASSWORD: "p@ss/w:rd%21"}


async def test_sub_stream_is_tried_with_the_camera_login(
    hass: HomeAssistant,
    tmp_path: Path,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
) -> None:
    """A wrong or unreachable sub-stream is a translated error on its field; nothing is lost."""
    camera = rtsp_camera(sub_path="/sub", user=LOGIN["username"], password=LOGIN[CONF_PASSWORD])
    storage = tmp_path / "rec"
    storage.mkdir()
    entry = hub_entry(storage)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    typed = {**CAMERA_INPUT, **LOGIN, CONF_STREAM_URL: camera.url}

    result = await start_camera_flow(hass, entry)
    result = await configure(hass, result["flow_id"], {**typed, CONF_SUB_STREAM_URL: "not a url"})
    assert result["errors"] == {CONF_SUB_STREAM_URL: "invalid_url"}
    missing = camera.url.replace("/stream", "/nosuch")
    result = await configure(hass, result["flow_id"], {**typed, CONF_SUB_STREAM_URL: missing})
    assert result["errors"] == {CONF_SUB_STREAM_URL: "sub_stream_cannot_connect"}
    # The password typed earlier is kept (never sent back), and the right URL goes through.
    fixed = {**typed, CONF_PASSWORD: "", CONF_SUB_STREAM_URL: camera.sub_url}
    result = await configure(hass, result["flow_id"], {**fixed, CONF_CONTINUOUS_STREAM: "main"})
    assert result["step_id"] == "recording", result.get("errors")
    result = await configure(hass, result["flow_id"], {"record_mode": "continuous", "quota_gb": 0})
    # With a sub-stream, continuous mode records events on the other stream: asked next.
    assert result["step_id"] == "events"
    result = await configure(
        hass,
        result["flow_id"],
        {"pre_roll_seconds": 6, "post_roll_seconds": 20, "event_retention": {"days": 7}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(s for s in entry.subentries.values() if s.title == CAMERA_INPUT["name"])
    config = CameraConfig.from_subentry(subentry)
    assert config.sub_stream_url == camera.sub_url  # stored without the login
    assert config.continuous_stream == "main"
    assert config.password == LOGIN[CONF_PASSWORD]
    await hass.config_entries.async_unload(entry.entry_id)
