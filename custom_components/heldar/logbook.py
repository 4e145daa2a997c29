"""Logbook lines for event recordings.

The lines, and the reasons in them ("Trigger button pressed"), are translated; the events
keep the raw reason keys ("button") for automations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from homeassistant.components.logbook import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_RECORDING_FINISHED, EVENT_RECORDING_STARTED
from .texts import logbook_text, reason_text


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe heldar_recording_started and heldar_recording_finished."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        data = event.data
        reasons = ", ".join(
            reason_text(hass, reason) for reason in data.get("reasons") or []
        ) or logbook_text(hass, "no_reason")
        if event.event_type == EVENT_RECORDING_STARTED:
            message = logbook_text(hass, "started", reasons=reasons)
        elif data.get("clip"):
            seconds = (
                datetime.fromisoformat(data["end"]) - datetime.fromisoformat(data["start"])
            ).total_seconds()
            message = logbook_text(hass, "clip", seconds=f"{seconds:.0f}", reasons=reasons)
        else:
            message = logbook_text(hass, "no_clip", error=str(data.get("error")))
        return {LOGBOOK_ENTRY_NAME: str(data.get("camera")), LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_RECORDING_STARTED, describe)
    async_describe_event(DOMAIN, EVENT_RECORDING_FINISHED, describe)
