"""Config flow for the hub (where recordings go); cameras are subentries (camera_flow.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import TextSelector
import probatio as vol

from . import local_roots
from .camera_flow import CameraSubentryFlow
from .const import CONF_STORAGE_DIR, DEFAULT_STORAGE_FOLDER, DOMAIN, SUBENTRY_CAMERA
from .recorder.storage import check_storage

TITLE = "Heldar"


class HeldarConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the hub: one per Home Assistant, holding the storage directory."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask where recordings go."""
        errors: dict[str, str] = {}
        if user_input is not None:
            path, error = await self._async_check_storage(user_input[CONF_STORAGE_DIR])
            if error is None:
                return self.async_create_entry(title=TITLE, data={CONF_STORAGE_DIR: path})
            errors[CONF_STORAGE_DIR] = error
        return self._show_storage_form("user", user_input or self._defaults(), errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the recordings to another directory; the hub reloads to use it."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            path, error = await self._async_check_storage(user_input[CONF_STORAGE_DIR])
            if error is None:
                # The update listener sees the new directory and reloads the hub.
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_STORAGE_DIR: path}
                )
                return self.async_abort(reason="reconfigure_successful")
            errors[CONF_STORAGE_DIR] = error
        return self._show_storage_form("reconfigure", user_input or dict(entry.data), errors)

    def _defaults(self) -> dict[str, Any]:
        media = self.hass.config.media_dirs.get("local") or self.hass.config.path("media")
        return {CONF_STORAGE_DIR: str(Path(media) / DEFAULT_STORAGE_FOLDER)}

    async def _async_check_storage(self, raw: str) -> tuple[str, str | None]:
        path = Path(raw.strip())
        roots = local_roots(self.hass)
        problem = await self.hass.async_add_executor_job(
            lambda: check_storage(path, create_within=roots)
        )
        return str(path), str(problem) if problem else None

    def _show_storage_form(
        self, step_id: str, values: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        schema = vol.Schema({vol.Required(CONF_STORAGE_DIR): TextSelector()})
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, values),
            errors=errors,
        )

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Cameras are subentries of the hub."""
        return {SUBENTRY_CAMERA: CameraSubentryFlow}
