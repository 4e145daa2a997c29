"""Diagnostics carry settings and recorder state, and not one secret."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest

from custom_components.heldar.const import CONF_PASSWORD, CONF_SUB_STREAM_URL, CONF_USERNAME
from custom_components.heldar.diagnostics import (
    async_get_config_entry_diagnostics,
    mask_url,
    mask_urls,
)

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
    assert diagnostics["ffmpeg"]["major"] == 9
    assert diagnostics["storage"]["min_free_bytes"] == 5_000_000_000
    (camera,) = diagnostics["cameras"]
    assert camera["status"]["state"] == "recording"
    assert camera["storage"]["folder"] == str(tmp_path / "front")
    assert camera["settings"]["stream_url"] == "http://front.local/video.cgi?user=***&pwd=***"
    assert camera["settings"]["password"] == "**REDACTED**"
    assert diagnostics["hub"]["storage_dir"] == str(tmp_path)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_of_a_failing_camera(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FFmpeg's last words are included, masked: the URL and password it echoed are gone."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv(
        "HELDAR_FAKE_STDERR",
        "[rtsp @ 0x1] Did you mean file:rtsp://admin:p%40ss%2Fw%3Ard%2521@front.local/live?\n"
        "rtsp://admin:p@ss/w:rd%21@front.local/live: Connection refused\n",
    )
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front",
            "rtsp://front.local/live",
            **{CONF_USERNAME: "admin", CONF_PASSWORD: PASSWORD},
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, "sensor.front_recorder_state", "offline")
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    (camera,) = diagnostics["cameras"]
    assert camera["status"]["problem"] == "stream"
    assert "Connection refused" in camera["status"]["stderr_tail"]
    assert "rtsp://***@front.local/live" in camera["status"]["stderr_tail"]
    text = json.dumps(diagnostics, default=str)
    for secret in (PASSWORD, "p%40ss", "p@ss", "w:rd"):
        assert secret not in text
    await hass.config_entries.async_unload(entry.entry_id)


async def test_every_url_field_is_masked(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """The sub-stream's URL too, and any key ending in ``url``, whatever its query calls a secret.

    Before, only ``stream_url`` was masked, and only its credential-like parameters.
    """
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front",
            "rtsp://front.local/live?channel=1&code=mainsecret",
            **{
                CONF_SUB_STREAM_URL: "rtsp://viewer:subpass@front.local/sub?subtype=1&k=subsecret",
                CONF_USERNAME: "admin",
                CONF_PASSWORD: PASSWORD,
            },
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics, default=str)
    for secret in ("mainsecret", "subsecret", "subpass", "viewer"):
        assert secret not in text
    (camera,) = diagnostics["cameras"]
    assert camera["settings"]["sub_stream_url"] == "rtsp://front.local/sub?subtype=***&k=***"
    assert camera["settings"]["stream_url"] == "rtsp://front.local/live?channel=***&code=***"
    assert diagnostics["shares"] == []
    await hass.config_entries.async_unload(entry.entry_id)


def test_the_url_rule_reaches_any_depth() -> None:
    """A URL field added later is masked without being listed anywhere."""
    masked = mask_urls(
        {
            "a": [{"snapshot_URL": "http://u:p@cam/snap.jpg?auth=s3cret"}],
            "plain": "http://u:p@cam/?auth=s3cret",  # not a URL field: left for other rules
            "mirror_url": "not a url",
        }
    )
    assert masked["a"][0]["snapshot_URL"] == "http://cam/snap.jpg?auth=***"
    assert masked["plain"] == "http://u:p@cam/?auth=s3cret"
    assert masked["mirror_url"] == "not a url"
    assert mask_url("rtsp://cam:554/user=admin&password=hunter2&channel=1&stream=0.sdp") == (
        "rtsp://cam:554/user=***&password=***&channel=***&stream=***"
    )
