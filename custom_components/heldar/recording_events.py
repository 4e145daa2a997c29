"""Tell Home Assistant about event recordings: bus events that automations can use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant, callback

from .camera_ref import CameraRef
from .const import EVENT_RECORDING_FINISHED, EVENT_RECORDING_STARTED
from .media_id import event_media_id
from .recorder.events import Event, EventState
from .views import RECORDING_URL


@callback
def async_fire_recording_event(
    hass: HomeAssistant, ref: CameraRef, event: Event, phase: str
) -> None:
    """Fire heldar_recording_started or heldar_recording_finished for one event."""
    device = ref.device()
    data: dict[str, Any] = {
        "camera": ref.name,
        "device_id": device.id if device else None,
        "event_id": event.id,
        "start": _iso(event.start),
        "reasons": list(event.reasons),
    }
    if phase == "started":
        hass.bus.async_fire(EVENT_RECORDING_STARTED, data)
        return
    clip = ref.store.directory / event.clip if event.clip else None
    data |= {
        "end": _iso(event.end) if event.end is not None else None,
        "clip": str(clip) if clip else None,
        "media_content_id": event_media_id(ref.folder, event.id).content_id if clip else None,
        # Relative and authenticated: companion apps fetch it with their own login.
        "clip_url": RECORDING_URL.format(camera=ref.folder, path=event.clip) if clip else None,
        "interrupted": event.interrupted,
        "error": event.error if event.state is EventState.FAILED else None,
    }
    hass.bus.async_fire(EVENT_RECORDING_FINISHED, data)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
