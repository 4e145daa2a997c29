"""A camera's draft schedule while the camera flow edits it.

The flow's schedule steps show the menus and forms; this object holds the windows being
edited and which one is open, so nothing is saved until the flow saves the camera.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig, SelectSelectorMode
import probatio as vol

from .schedule_form import (
    CONF_WINDOWS,
    form_values,
    summary,
    window_choices,
    window_from_form,
)

CONF_WINDOW = "window"


class ScheduleEditor:
    """The draft windows, and the one an open form adds (None) or changes (its position)."""

    def __init__(self, windows: Iterable[Mapping[str, Any]] = ()) -> None:
        """Start from a copy of ``windows`` (the camera's stored schedule when editing)."""
        self.windows: list[dict[str, Any]] = [dict(window) for window in windows]
        self._editing: int | None = None

    def summary(self) -> str:
        """Return the windows as numbered lines for the editor's menu."""
        return summary(self.windows)

    def start_adding(self) -> None:
        """Open the window form for a new window."""
        self._editing = None

    def start_editing(self, user_input: Mapping[str, Any]) -> None:
        """Open the window form on the window picked in ``pick_schema``'s form."""
        self._editing = int(user_input[CONF_WINDOW])

    def submit(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        """Keep the window form's window (new or changed); return the form's errors, if any."""
        window, errors = window_from_form(user_input)
        if window is not None:
            if self._editing is None:
                self.windows.append(window)
            else:
                self.windows[self._editing] = window
        return errors

    def form_values(self) -> dict[str, Any]:
        """Return the window form's values: the changed window's, none for a new one."""
        return {} if self._editing is None else form_values(self.windows[self._editing])

    def remove(self, user_input: Mapping[str, Any]) -> None:
        """Drop the windows ticked in ``remove_schema``'s form."""
        drop = {int(index) for index in user_input.get(CONF_WINDOWS, [])}
        self.windows = [w for i, w in enumerate(self.windows) if i not in drop]

    def pick_schema(self) -> vol.Schema:
        """Return the form that picks the window to change."""
        choices = SelectSelectorConfig(
            options=window_choices(self.windows), mode=SelectSelectorMode.LIST
        )
        return vol.Schema({vol.Required(CONF_WINDOW): SelectSelector(choices)})

    def remove_schema(self) -> vol.Schema:
        """Return the form that ticks the windows to remove."""
        choices = SelectSelectorConfig(
            options=window_choices(self.windows), multiple=True, mode=SelectSelectorMode.LIST
        )
        return vol.Schema({vol.Optional(CONF_WINDOWS, default=[]): SelectSelector(choices)})
