"""Config flow for the hub (where recordings go); cameras are subentries (camera_flow.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    DurationSelector,
    DurationSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import probatio as vol

from . import local_roots
from .camera_flow import CameraSubentryFlow
from .camera_schemas import form_duration, hours_from_form
from .const import (
    CONF_MIN_FREE_GB,
    CONF_MIRROR_DIR,
    CONF_MIRROR_RETENTION_HOURS,
    CONF_STORAGE_DIR,
    DEFAULT_MIN_FREE_GB,
    DEFAULT_MIRROR_RETENTION_HOURS,
    DEFAULT_STORAGE_FOLDER,
    DOMAIN,
    SUBENTRY_CAMERA,
)
from .options_flow import HeldarOptionsFlow
from .recorder.storage import check_storage

TITLE = "Heldar"
CONF_MIRROR_RETENTION = "mirror_retention"

HUB_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_STORAGE_DIR): TextSelector(),
        vol.Required(CONF_MIN_FREE_GB, default=DEFAULT_MIN_FREE_GB): NumberSelector(
            NumberSelectorConfig(
                min=0, max=100_000, step=0.5, mode=NumberSelectorMode.BOX, unit_of_measurement="GB"
            )
        ),
        vol.Optional(CONF_MIRROR_DIR): TextSelector(),
        # Entered as days, hours and minutes; stored in hours.
        vol.Required(
            CONF_MIRROR_RETENTION, default=form_duration(DEFAULT_MIRROR_RETENTION_HOURS)
        ): DurationSelector(DurationSelectorConfig(enable_day=True, enable_second=False)),
    }
)


class HeldarConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the hub: one per Home Assistant, holding storage, its floor and the mirror."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask where recordings go, and the hub's limits."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input)
            if not errors:
                return self.async_create_entry(title=TITLE, data=data)
        return self._show_form("user", user_input or _form_values(self._defaults()), errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the storage, the free-space floor or the mirror; the hub reloads."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input)
            if not errors:
                # The update listener sees the change and reloads the hub.
                self.hass.config_entries.async_update_entry(entry, data={**entry.data, **data})
                return self.async_abort(reason="reconfigure_successful")
        return self._show_form(
            "reconfigure", user_input or _form_values({**self._defaults(), **entry.data}), errors
        )

    def _defaults(self) -> dict[str, Any]:
        media = self.hass.config.media_dirs.get("local") or self.hass.config.path("media")
        return {
            CONF_STORAGE_DIR: str(Path(media) / DEFAULT_STORAGE_FOLDER),
            CONF_MIN_FREE_GB: DEFAULT_MIN_FREE_GB,
            CONF_MIRROR_RETENTION_HOURS: DEFAULT_MIRROR_RETENTION_HOURS,
        }

    async def _async_validate(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check the directories; return the data to store and the form errors."""
        storage = Path(str(user_input[CONF_STORAGE_DIR]).strip())
        mirror_text = str(user_input.get(CONF_MIRROR_DIR) or "").strip()
        mirror = Path(mirror_text) if mirror_text else None
        roots = local_roots(self.hass)
        errors: dict[str, str] = {}
        problem = await self.hass.async_add_executor_job(
            lambda: check_storage(storage, create_within=roots)
        )
        if problem is not None:
            errors[CONF_STORAGE_DIR] = str(problem)
        if mirror is not None:
            if mirror == storage:
                errors[CONF_MIRROR_DIR] = "mirror_same_as_storage"
            # A mirror is never created: an unmounted share must not fill the local disk.
            elif problem := await self.hass.async_add_executor_job(check_storage, mirror):
                errors[CONF_MIRROR_DIR] = str(problem)
        mirror_hours = hours_from_form(user_input.get(CONF_MIRROR_RETENTION))
        if mirror_hours is None:
            errors[CONF_MIRROR_RETENTION] = "retention_required"
        data = {
            CONF_STORAGE_DIR: str(storage),
            CONF_MIN_FREE_GB: float(user_input[CONF_MIN_FREE_GB]),
            CONF_MIRROR_DIR: str(mirror) if mirror else "",
            CONF_MIRROR_RETENTION_HOURS: mirror_hours,
        }
        return data, errors

    def _show_form(
        self, step_id: str, values: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(HUB_SCHEMA, values),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> OptionsFlow:  # noqa: ARG004
        """Who may export and share: an option, applied without a reload."""
        return HeldarOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Cameras are subentries of the hub."""
        return {SUBENTRY_CAMERA: CameraSubentryFlow}


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    """Return the hub's stored settings as form values (the mirror retention as a duration)."""
    values = dict(data)
    if (hours := values.pop(CONF_MIRROR_RETENTION_HOURS, None)) is not None:
        values[CONF_MIRROR_RETENTION] = form_duration(float(hours))
    return values
