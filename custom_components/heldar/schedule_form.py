"""Forms for editing a camera's schedule windows with Home Assistant selectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TimeSelector,
)
import probatio as vol

from .const import CONF_ALL_DAY, CONF_DAYS, CONF_ENABLED, CONF_END, CONF_START
from .recorder.schedule import END_OF_DAY, parse_days, parse_hhmm

DAY_KEYS = [str(day) for day in range(7)]
_DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CONF_WINDOWS = "windows"


def window_schema() -> vol.Schema:
    """Return the add/edit window form."""
    return vol.Schema(
        {
            vol.Required(CONF_DAYS, default=[]): SelectSelector(
                SelectSelectorConfig(
                    options=DAY_KEYS,
                    multiple=True,
                    # A compact picker keeps the form short, so an error on the days
                    # field stays in view next to the Submit button.
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key="weekday",
                )
            ),
            vol.Required(CONF_ALL_DAY, default=False): BooleanSelector(),
            vol.Optional(CONF_START): TimeSelector(),
            vol.Optional(CONF_END): TimeSelector(),
            vol.Required(CONF_ENABLED, default=True): BooleanSelector(),
        }
    )


def window_from_form(user_input: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Turn the form into a stored window, or into form errors.

    "All day" stores 00:00-24:00, the exact whole day.
    """
    days = sorted(
        parse_days(int(day) for day in user_input.get(CONF_DAYS, []) if str(day).isdigit())
    )
    if not days:
        return None, {CONF_DAYS: "days_required"}
    if user_input.get(CONF_ALL_DAY):
        start, end = "00:00", END_OF_DAY
    else:
        start_minutes = parse_hhmm(user_input.get(CONF_START))
        end_minutes = parse_hhmm(user_input.get(CONF_END))
        if start_minutes is None:
            return None, {CONF_START: "time_required"}
        if end_minutes is None:
            return None, {CONF_END: "time_required"}
        if start_minutes == end_minutes:
            return None, {"base": "window_empty"}
        start, end = _hhmm(start_minutes), _hhmm(end_minutes)
    enabled = bool(user_input.get(CONF_ENABLED, True))
    return {CONF_DAYS: days, CONF_START: start, CONF_END: end, CONF_ENABLED: enabled}, {}


def form_values(window: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored window as suggested form values."""
    all_day = window.get(CONF_START) == "00:00" and window.get(CONF_END) == END_OF_DAY
    values: dict[str, Any] = {
        CONF_DAYS: [str(day) for day in window.get(CONF_DAYS, [])],
        CONF_ALL_DAY: all_day,
        CONF_ENABLED: bool(window.get(CONF_ENABLED, True)),
    }
    if not all_day:
        values[CONF_START] = f"{window.get(CONF_START)}:00"
        values[CONF_END] = f"{window.get(CONF_END)}:00"
    return values


def describe(window: Mapping[str, Any]) -> str:
    """Return a one-line summary such as "Mon Tue 22:00-06:00 (next day)"."""
    days = " ".join(_DAY_ABBREVIATIONS[day] for day in sorted(parse_days(window.get(CONF_DAYS))))
    start, end = window.get(CONF_START), window.get(CONF_END)
    span = "all day" if (start, end) == ("00:00", END_OF_DAY) else f"{start}-{end}"
    start_minutes, end_minutes = parse_hhmm(start), parse_hhmm(end, end=True)
    if start_minutes is not None and end_minutes is not None and end_minutes < start_minutes:
        span += " (next day)"
    off = "" if window.get(CONF_ENABLED, True) else " (off)"
    return f"{days} {span}{off}"


def window_choices(windows: Sequence[Mapping[str, Any]]) -> list[SelectOptionDict]:
    """Return the windows as select options, keyed by their position."""
    return [
        SelectOptionDict(value=str(index), label=f"{index + 1}. {describe(window)}")
        for index, window in enumerate(windows)
    ]


def summary(windows: Sequence[Mapping[str, Any]]) -> str:
    """Return the windows as lines for a menu description (empty string if none)."""
    return "\n".join(f"{index + 1}. {describe(window)}" for index, window in enumerate(windows))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
