"""Diagnostics carry settings and recorder state, and not one secret."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant

from custom_components.heldar.const import CONF_PASSWORD, CONF_USERNAME
from custom_components.heldar.diagnostics import async_get_config_entry_diagnostics

from .common import camera_subentry, hub_entry, wait_for_state

PASSWORD = "p@ss/w:rd%21"


async def test_diagnostics_without_secrets(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """Passwords, usernames and URL secrets are redacted; state and FFmpeg are reported."""
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front",
            "http://front.local/video.cgi?user=viewer&pwd=querysecret",
            **{CONF_USERNAME: "admin", CONF_PASSWORD: PASSWORD},
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, "sensor.front_recorder_state", "recording")

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics, default=str)
    for secret in (PASSWORD, "p%40ss", "querysecret", "viewer", '"admin"'):
        assert secret not in text
    assert diagnostics["ffmpeg"]["version"] == "9.9-fake"
    (camera,) = diagnostics["cameras"]
    assert camera["status"]["state"] == "recording"
    assert camera["settings"]["stream_url"] == "http://front.local/video.cgi?user=***&pwd=***"
    assert camera["settings"]["password"] == "**REDACTED**"
    assert diagnostics["hub"]["storage_dir"] == str(tmp_path)
    await hass.config_entries.async_unload(entry.entry_id)
