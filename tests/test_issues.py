"""Repair issues raised and cleared from what the recorders report (fake FFmpeg)."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.heldar import issues as issues_module
from custom_components.heldar.const import CONF_PASSWORD, CONF_USERNAME, DOMAIN

from .common import camera_subentry, hub_entry, wait_for_state
from .media import FAKE_FFMPEG

SENSOR = "sensor.front_recorder_state"


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    """Return one of Heldar's issues."""
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


async def front(hass: HomeAssistant, tmp_path: Path) -> MockConfigEntry:
    """Set up a hub with one URL camera with a login."""
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front", "rtsp://front/s", **{CONF_USERNAME: "admin", CONF_PASSWORD: "old"}
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


async def test_refused_login_is_fixed_from_the_repair(
    hass: HomeAssistant,
    fake_ffmpeg_hass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hass_client: ClientSessionGenerator,
) -> None:
    """A 401 raises a fixable issue; its flow tries and saves new credentials; it clears."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_STDERR", "method DESCRIBE failed: 401 Unauthorized\n")
    entry = await front(hass, tmp_path)
    await wait_for_state(hass, SENSOR, "error")
    subentry_id = next(iter(entry.subentries))
    raised = issue(hass, f"camera_auth_{subentry_id}")
    assert raised is not None
    assert raised.is_fixable
    assert raised.translation_placeholders == {"camera": "Front"}

    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": raised.issue_id}
    )
    assert response.status == HTTPStatus.OK
    flow = await response.json()
    assert flow["step_id"] == "credentials"
    monkeypatch.setenv("HELDAR_FAKE_PROBE", "auth")
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_USERNAME: "admin", CONF_PASSWORD: "still-wrong"},
    )
    assert (await response.json())["errors"] == {CONF_PASSWORD: "invalid_auth"}
    monkeypatch.setenv("HELDAR_FAKE_PROBE", "ok")
    monkeypatch.setenv("HELDAR_FAKE_MODE", "record")
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_USERNAME: "admin", CONF_PASSWORD: "new-secret"},
    )
    assert (await response.json())["type"] == "create_entry"
    assert entry.subentries[subentry_id].data[CONF_PASSWORD] == "new-secret"
    await wait_for_state(hass, SENSOR, "recording")
    assert issue(hass, f"camera_auth_{subentry_id}") is None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_camera_failing_for_long(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera that keeps failing gets an issue after the delay; recording clears it."""
    monkeypatch.setattr(issues_module, "FAILING_FOR", issues_module.timedelta(seconds=1))
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_STDERR", "Connection refused\n")
    entry = await front(hass, tmp_path)
    subentry_id = next(iter(entry.subentries))
    await wait_for_state(hass, SENSOR, "offline")
    await wait_for_state(hass, SENSOR, lambda _: issue(hass, f"camera_failing_{subentry_id}"))
    raised = issue(hass, f"camera_failing_{subentry_id}")
    assert raised is not None
    assert raised.translation_placeholders is not None
    assert raised.translation_placeholders["camera"] == "Front"
    assert "Connection refused" in raised.translation_placeholders["error"]
    monkeypatch.setenv("HELDAR_FAKE_MODE", "record")
    await wait_for_state(hass, SENSOR, "recording", timeout=30)
    assert issue(hass, f"camera_failing_{subentry_id}") is None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_storage_not_writable(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FFmpeg failing to write raises the hub's storage issue until recording works again."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_STDERR", "/rec/front/x.mp4: Read-only file system\n")
    entry = await front(hass, tmp_path)
    await wait_for_state(hass, SENSOR, "error")
    raised = issue(hass, "storage_not_writable")
    assert raised is not None
    assert raised.translation_placeholders == {"path": str(tmp_path)}
    monkeypatch.setenv("HELDAR_FAKE_MODE", "record")
    await wait_for_state(hass, SENSOR, "recording", timeout=30)
    assert issue(hass, "storage_not_writable") is None
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("binary", "version", "issue_id"),
    [
        ("missing", None, "ffmpeg_missing"),
        ("fake", "4.4.2-0ubuntu0", "ffmpeg_too_old"),
    ],
)
async def test_ffmpeg_missing_or_too_old(
    hass: HomeAssistant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    binary: str,
    version: str | None,
    issue_id: str,
) -> None:
    """Setup checks FFmpeg: missing, or older than 5 (RTSP -timeout meant listen mode)."""
    monkeypatch.setenv("HELDAR_FAKE_LOG", str(tmp_path / "fake_ffmpeg.log"))
    if version:
        monkeypatch.setenv("HELDAR_FAKE_VERSION", version)
    path = str(FAKE_FFMPEG) if binary == "fake" else str(tmp_path / "no-ffmpeg")
    assert await async_setup_component(hass, "ffmpeg", {"ffmpeg": {"ffmpeg_bin": path}})
    entry = hub_entry(tmp_path, camera_subentry("Front", "rtsp://front/s"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    if binary == "missing":  # the camera cannot start FFmpeg either: error, same issue
        state = await wait_for_state(hass, SENSOR, "error")
        assert "no-ffmpeg" in state.attributes["last_error"]
    raised = issue(hass, issue_id)
    assert raised is not None
    assert raised.severity is ir.IssueSeverity.ERROR
    other = "ffmpeg_too_old" if issue_id == "ffmpeg_missing" else "ffmpeg_missing"
    assert issue(hass, other) is None
    await hass.config_entries.async_unload(entry.entry_id)
