"""The recorder state sensor says why a camera is not recording, in a translated word."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest

from custom_components.heldar.recorder.failure import Reason

from .common import camera_subentry, hub_entry, wait_for_state

SENSOR = "sensor.front_recorder_state"
TRANSLATIONS = Path(__file__).parent.parent / "custom_components/heldar/translations/en.json"


def test_every_reason_is_translated() -> None:
    """Each reason the recorder can give has words in the translations."""
    strings = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    reason = strings["entity"]["sensor"]["recorder_state"]["state_attributes"]["reason"]
    assert set(reason["state"]) == {member.value for member in Reason}


@pytest.mark.parametrize(
    ("stderr", "state", "reason"),
    [
        ("[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized", "error", "unauthorized"),
        ("av_interleaved_write_frame(): No space left on device", "error", "disk_full"),
        ("rtsp://front/s: Connection refused", "offline", "connection_refused"),
        ("method DESCRIBE failed: 404 Not Found", "offline", "not_found"),
    ],
)
async def test_reason_attribute(
    hass: HomeAssistant,
    fake_ffmpeg_hass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stderr: str,
    state: str,
    reason: str,
) -> None:
    """FFmpeg's words become a reason; its own words stay in ``last_error``."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_STDERR", stderr)
    monkeypatch.setenv("HELDAR_FAKE_CODE", "1")
    entry = hub_entry(tmp_path, camera_subentry("Front", "rtsp://front/s"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, SENSOR, state)
    attributes = hass.states.get(SENSOR).attributes  # type: ignore[union-attr]
    assert attributes["reason"] == reason
    assert attributes["last_error"]
    assert await hass.config_entries.async_unload(entry.entry_id)
