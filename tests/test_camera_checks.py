"""The camera form's streams, tried for real before anything is saved: each failure on its field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.heldar.camera_settings import CameraConfig
from custom_components.heldar.const import (
    CONF_CONTINUOUS_STREAM,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
)

from .common import camera_subentry, hub_entry
from .media import RtspCamera, closed_port
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
    result = await configure(
        hass, result["flow_id"], {**typed, CONF_PASSWORD: "wrong", CONF_SUB_STREAM_URL: missing}
    )
    assert result["errors"] == {
        CONF_PASSWORD: "invalid_auth",
        CONF_SUB_STREAM_URL: "sub_stream_not_found",  # this server looks the path up first
    }
    # From here the right password is typed again, so it is the one an empty field reuses.
    result = await configure(hass, result["flow_id"], {**typed, CONF_SUB_STREAM_URL: missing})
    assert result["errors"] == {CONF_SUB_STREAM_URL: "sub_stream_not_found"}
    closed = f"rtsp://127.0.0.1:{closed_port()}/sub"
    result = await configure(hass, result["flow_id"], {**typed, CONF_SUB_STREAM_URL: closed})
    assert result["errors"] == {CONF_SUB_STREAM_URL: "sub_stream_refused"}
    # Both streams are tried at once, and each says what is wrong with it.
    result = await configure(
        hass,
        result["flow_id"],
        {**typed, CONF_STREAM_URL: missing, CONF_SUB_STREAM_URL: closed},
    )
    assert result["errors"] == {
        CONF_STREAM_URL: "not_found",
        CONF_SUB_STREAM_URL: "sub_stream_refused",
    }
    # The right password typed earlier is kept (never sent back); the right URL goes through.
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


async def test_editing_a_camera_tries_its_streams(
    hass: HomeAssistant,
    tmp_path: Path,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
) -> None:
    """Reconfigure's connection form tells the same failures apart; nothing is saved meanwhile."""
    camera = rtsp_camera(sub_path="/sub", user=LOGIN["username"], password=LOGIN[CONF_PASSWORD])
    storage = tmp_path / "rec"
    storage.mkdir()
    entry = hub_entry(storage, camera_subentry("Gate", camera.url, **LOGIN))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    gate = next(iter(entry.subentries.values()))
    result = dict(await entry.start_subentry_reconfigure_flow(hass, gate.subentry_id))
    flow_id = result["flow_id"]
    await configure(hass, flow_id, {"next_step_id": "connection"})
    form = {**CAMERA_INPUT, CONF_NAME: "Gate", CONF_STREAM_URL: camera.url, CONF_PASSWORD: ""}
    wrong_path = camera.url.replace("/stream", "/nosuch")
    for change, errors in (
        ({CONF_STREAM_URL: wrong_path}, {CONF_STREAM_URL: "not_found"}),
        ({CONF_SUB_STREAM_URL: wrong_path}, {CONF_SUB_STREAM_URL: "sub_stream_not_found"}),
        ({CONF_PASSWORD: "wrong"}, {CONF_PASSWORD: "invalid_auth"}),
    ):
        result = await configure(hass, flow_id, {**form, **change})
        assert result["errors"] == errors, change
    assert entry.subentries[gate.subentry_id].data == gate.data  # nothing saved yet
    # The wrong password typed would be kept for an empty field: the right one is typed again.
    fixed = {**form, **LOGIN, CONF_SUB_STREAM_URL: camera.sub_url}
    result = await configure(hass, flow_id, fixed)
    assert result["step_id"] == "reconfigure", result.get("errors")
    result = await configure(hass, flow_id, {"next_step_id": "save"})
    assert result["reason"] == "reconfigure_restarted"
    saved = CameraConfig.from_subentry(entry.subentries[gate.subentry_id])
    assert saved.sub_stream_url == camera.sub_url
    assert saved.password == LOGIN[CONF_PASSWORD]
    await hass.config_entries.async_unload(entry.entry_id)
