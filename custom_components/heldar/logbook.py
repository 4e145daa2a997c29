"""Logbook lines for event recordings.

Reasons are shown translated ("Trigger button pressed"); the events keep the raw keys
("button") for automations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from homeassistant.components.logbook import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_RECORDING_FINISHED, EVENT_RECORDING_STARTED
from .texts import reason_text


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe heldar_recording_started and heldar_recording_finished."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        data = event.data
        reasons = (
            ", ".join(reason_text(hass, reason) for reason in data.get("reasons") or [])
            or "no reason given"
        )
        if event.event_type == EVENT_RECORDING_STARTED:
            message = f"started an event recording ({reasons})"
        elif data.get("clip"):
            seconds = (
                datetime.fromisoformat(data["end"]) - datetime.fromisoformat(data["start"])
            ).total_seconds()
            message = f"recorded a {seconds:.0f} s event clip ({reasons})"
        else:
            message = f"ended an event recording without a clip: {data.get('error')}"
        return {LOGBOOK_ENTRY_NAME: str(data.get("camera")), LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_RECORDING_STARTED, describe)
    async_describe_event(DOMAIN, EVENT_RECORDING_FINISHED, describe)
