"""The camera flow's schedule editor: a menu of windows, and forms to add, edit or remove them."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig, SelectSelectorMode
import probatio as vol

from .const import CONF_SCHEDULES
from .schedule_form import (
    CONF_WINDOWS,
    form_values,
    summary,
    window_choices,
    window_from_form,
    window_schema,
)

CONF_WINDOW = "window"


class ScheduleEditorMixin(ConfigSubentryFlow):
    """Steps that edit ``self._data``'s schedule windows; the flow decides what follows."""

    _data: dict[str, Any]
    _editing: int | None = None

    async def _async_finish(self) -> SubentryFlowResult:
        raise NotImplementedError

    @property
    def _schedules(self) -> list[dict[str, Any]]:
        schedules: list[dict[str, Any]] = self._data.setdefault(CONF_SCHEDULES, [])
        return schedules

    async def async_step_schedule(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The schedule editor: add, edit or remove windows, then go on."""
        time_zone = self.hass.config.time_zone
        if not self._schedules:
            # Its own text: what having no windows means, instead of an empty list.
            return self.async_show_menu(
                step_id="schedule_empty",
                menu_options=["add_window", "schedule_done"],
                description_placeholders={"time_zone": time_zone},
            )
        return self.async_show_menu(
            step_id="schedule",
            menu_options=["add_window", "edit_window", "remove_windows", "schedule_done"],
            description_placeholders={"windows": summary(self._schedules), "time_zone": time_zone},
        )

    async def async_step_schedule_empty(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The schedule editor while it has no windows (its own text says what that means)."""
        return await self.async_step_schedule(user_input)

    async def async_step_schedule_done(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Leave the schedule editor."""
        return await self._async_finish()

    async def async_step_add_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add one window."""
        self._editing = None
        return await self._async_window_form("add_window", user_input)

    async def async_step_edit_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Pick the window to edit."""
        if user_input is not None:
            self._editing = int(user_input[CONF_WINDOW])
            return await self.async_step_window()
        return self.async_show_form(
            step_id="edit_window",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_WINDOW): SelectSelector(
                        SelectSelectorConfig(
                            options=window_choices(self._schedules), mode=SelectSelectorMode.LIST
                        )
                    )
                }
            ),
        )

    async def async_step_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the picked window."""
        return await self._async_window_form("window", user_input)

    async def async_step_remove_windows(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Remove windows."""
        if user_input is not None:
            drop = {int(index) for index in user_input.get(CONF_WINDOWS, [])}
            self._data[CONF_SCHEDULES] = [w for i, w in enumerate(self._schedules) if i not in drop]
            return await self.async_step_schedule()
        return self.async_show_form(
            step_id="remove_windows",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_WINDOWS, default=[]): SelectSelector(
                        SelectSelectorConfig(
                            options=window_choices(self._schedules),
                            multiple=True,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def _async_window_form(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            window, errors = window_from_form(user_input)
            if window is not None:
                if self._editing is None:
                    self._schedules.append(window)
                else:
                    self._schedules[self._editing] = window
                return await self.async_step_schedule()
        if user_input is not None:
            shown = user_input
        elif self._editing is not None:
            shown = form_values(self._schedules[self._editing])
        else:
            shown = {}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(window_schema(), shown),
            errors=errors,
            description_placeholders={"time_zone": self.hass.config.time_zone},
        )
