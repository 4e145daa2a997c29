"""The login fix flow tries the new login on the real stream, and says what else is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.const import CONF_PASSWORD, CONF_USERNAME, DOMAIN
from custom_components.heldar.repairs import async_create_fix_flow

from .common import camera_subentry, hub_entry
from .media import RtspCamera, closed_port

RIGHT = "p@ss/w:rd%21"


async def submit_login(
    hass: HomeAssistant, entry: MockConfigEntry, camera: str, password: str
) -> dict[str, Any]:
    """Open the fix flow of ``camera``'s refused login and submit ``admin`` / ``password``."""
    subentry_id = next(i for i, sub in entry.subentries.items() if sub.title == camera)
    flow = await async_create_fix_flow(
        hass,
        f"camera_auth_{subentry_id}",
        {"entry_id": entry.entry_id, "subentry_id": subentry_id},
    )
    flow.hass, flow.handler, flow.flow_id = hass, DOMAIN, "fix"
    form = {CONF_USERNAME: "admin", CONF_PASSWORD: password}
    return dict(await flow.async_step_credentials(form))


async def test_fix_flow_outcomes(
    hass: HomeAssistant,
    tmp_path: Path,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
) -> None:
    """A refused login is the password's error; a wrong path or a closed port say so instead."""
    camera = rtsp_camera(user="admin", password=RIGHT)
    login = {CONF_USERNAME: "admin", CONF_PASSWORD: "old"}
    entry = hub_entry(
        tmp_path,
        camera_subentry("Gate", camera.url, **login),
        camera_subentry("Moved", camera.url.replace("/stream", "/nosuch"), **login),
        camera_subentry("Off", f"rtsp://127.0.0.1:{closed_port()}/stream", **login),
    )
    entry.add_to_hass(hass)  # not set up: only the fix flow runs

    result = await submit_login(hass, entry, "Gate", "still-wrong")
    assert result["errors"] == {CONF_PASSWORD: "invalid_auth"}
    assert "still-wrong" not in str(result["description_placeholders"])
    result = await submit_login(hass, entry, "Moved", RIGHT)
    assert result["errors"] == {"base": "not_found"}
    assert "404 Not Found" in result["description_placeholders"]["detail"]
    result = await submit_login(hass, entry, "Off", RIGHT)
    assert result["errors"] == {"base": "refused"}

    result = await submit_login(hass, entry, "Gate", RIGHT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    gate = next(sub for sub in entry.subentries.values() if sub.title == "Gate")
    assert gate.data[CONF_PASSWORD] == RIGHT
