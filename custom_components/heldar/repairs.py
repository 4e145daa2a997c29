"""Fix flows for repairs: a camera that refuses its login gets new credentials here.

Credentials live in each camera's subentry, and Home Assistant's reauthentication flow is
for whole config entries, so a refused login raises a fixable repair issue instead. Its fix
flow tries the new username and password on the stream before saving them; the camera's
recorder then restarts with them and the issue clears once it records.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import probatio as vol

from .const import CONF_PASSWORD, CONF_STREAM_URL, CONF_USERNAME, PROBE_TIMEOUT_SECONDS
from .recorder.probe import ProbeOutcome, probe_stream
from .recorder.urls import with_credentials

CREDENTIALS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
        ),
    }
)


class CameraLoginRepairFlow(RepairsFlow):
    """Ask for a camera's new username and password."""

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Fix the camera ``subentry_id`` of hub ``entry_id``."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start with the credentials form."""
        return await self.async_step_credentials()

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Try the new credentials on the stream, then save them."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        subentry = entry.subentries.get(self._subentry_id) if entry else None
        if entry is None or subentry is None:
            return self.async_abort(reason="camera_removed")
        errors: dict[str, str] = {}
        detail = ""
        if user_input is not None:
            username = str(user_input[CONF_USERNAME]).strip()
            password = str(user_input[CONF_PASSWORD])
            url = with_credentials(str(subentry.data[CONF_STREAM_URL]), username, password)
            result = await probe_stream(
                get_ffmpeg_manager(self.hass).binary, url, PROBE_TIMEOUT_SECONDS
            )
            if result.outcome is ProbeOutcome.OK:
                self.hass.config_entries.async_update_subentry(
                    entry,
                    subentry,
                    data={**subentry.data, CONF_USERNAME: username, CONF_PASSWORD: password},
                )
                return self.async_create_entry(data={})
            # A refused login is the password's to fix; the rest is about the camera.
            field = CONF_PASSWORD if result.outcome is ProbeOutcome.INVALID_AUTH else "base"
            errors[field] = str(result.outcome)
            detail = result.detail
        suggested = {CONF_USERNAME: subentry.data.get(CONF_USERNAME, "")}
        return self.async_show_form(
            step_id="credentials",
            data_schema=self.add_suggested_values_to_schema(CREDENTIALS_SCHEMA, suggested),
            errors=errors,
            description_placeholders={"camera": subentry.title, "detail": detail},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the fix flow of a fixable Heldar issue."""
    if issue_id.startswith("camera_auth_") and data is not None:
        return CameraLoginRepairFlow(str(data["entry_id"]), str(data["subentry_id"]))
    return ConfirmRepairFlow()
