"""The hub's options: settings that change who may do what, applied without a reload."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import BooleanSelector
import probatio as vol

from .const import CONF_ALLOW_USER_EXPORT

OPTIONS_SCHEMA = vol.Schema(
    {vol.Required(CONF_ALLOW_USER_EXPORT, default=False): BooleanSelector()}
)


class HeldarOptionsFlow(OptionsFlow):
    """Let the owner allow non-admin users to export and share footage (off by default).

    Options, not hub data: recorders do not restart, and access.py reads them at every request.
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the switch; save it."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_ALLOW_USER_EXPORT: bool(user_input[CONF_ALLOW_USER_EXPORT])}
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, dict(self.config_entry.options)
            ),
        )
