"""Events as the timeline shows them: finished ones from the store, open ones from the bus.

Open events live inside the recorder; Heldar announces them on the bus
(``heldar_recording_started`` / ``_finished``), so this module follows those to show an
event from the moment it starts, and to push starts and ends to subscribed cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event as HassEvent, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.hass_dict import HassKey

from . import tokens
from .const import DOMAIN, EVENT_RECORDING_FINISHED, EVENT_RECORDING_STARTED
from .recorder.events import Event
from .review import Found, iso
from .review_views import EVENT_THUMBNAIL_URL

THUMBNAIL_LIFETIME = timedelta(hours=24)
_KEY: HassKey[OpenEvents] = HassKey("heldar_open_events")
_PREFIX = f"component.{DOMAIN}.selector.event_reason.options."

type Listener = Callable[[dict[str, Any]], None]


async def reason_texts(hass: HomeAssistant) -> dict[str, str]:
    """Return the translated texts of the reasons Heldar itself gives (button, export...)."""
    strings = await async_get_translations(hass, hass.config.language, "selector", [DOMAIN])
    return {
        key.removeprefix(_PREFIX): text for key, text in strings.items() if key.startswith(_PREFIX)
    }


def reason_text(reasons: list[str], texts: dict[str, str]) -> str:
    """Join an event's reasons into one readable text."""
    return ", ".join(texts.get(reason, reason) for reason in reasons if reason) or texts.get(
        "", "Triggered"
    )


def thumbnail_url(hass: HomeAssistant, camera: str, event_id: str, token: str | None = None) -> str:
    """Return a thumbnail URL an <img> can load without a header (``camera``: subentry id)."""
    if token is None:
        token = tokens.issue(hass, camera, 0.0, None, ttl=THUMBNAIL_LIFETIME.total_seconds())
    return EVENT_THUMBNAIL_URL.format(token=token, event_id=event_id)


def thumbnail_token(hass: HomeAssistant, camera: str) -> str:
    """Return one token for all the thumbnails of one answer."""
    return tokens.issue(hass, camera, 0.0, None, ttl=THUMBNAIL_LIFETIME.total_seconds())


def event_json(
    found: Found, event: Event, texts: dict[str, str], token: str | None = None
) -> dict[str, Any]:
    """Return a finished event as the timeline shows it."""
    hass = found.camera.hass
    return {
        "id": event.id,
        "start": iso(event.start),
        "end": iso(event.end if event.end is not None else event.window_end),
        "reason": reason_text(event.reasons, texts),
        "thumbnail": thumbnail_url(hass, found.camera.subentry_id, event.id, token)
        if event.clip
        else None,
    }


@dataclass(slots=True)
class _Open:
    camera: str
    id: str
    start: float
    reasons: list[str]


@dataclass(slots=True)
class OpenEvents:
    """The events open right now, per camera, and who wants to hear of starts and ends."""

    hass: HomeAssistant
    open: dict[str, _Open] = field(default_factory=dict)
    listeners: dict[str, list[Listener]] = field(default_factory=dict)

    @staticmethod
    @callback
    def get(hass: HomeAssistant) -> OpenEvents:
        """Return the tracker, following the bus from the first call on."""
        if (tracker := hass.data.get(_KEY)) is None:
            tracker = hass.data[_KEY] = OpenEvents(hass)
            hass.bus.async_listen(EVENT_RECORDING_STARTED, tracker.async_started)
            hass.bus.async_listen(EVENT_RECORDING_FINISHED, tracker.async_finished)
        return tracker

    @callback
    def listen(self, camera: str, listener: Listener) -> CALLBACK_TYPE:
        """Call ``listener`` with each start and end of ``camera``'s events."""
        self.listeners.setdefault(camera, []).append(listener)
        return lambda: self.listeners[camera].remove(listener)

    def between(
        self, camera: str, start: float, end: float, texts: dict[str, str]
    ) -> list[dict[str, Any]]:
        """Return the open events of ``camera`` that started before ``end``."""
        return [
            self._json(event, None, texts)
            for event in self.open.values()
            if event.camera == camera and start - 86400 < event.start < end
        ]

    def _camera(self, data: dict[str, Any]) -> str | None:
        device = dr.async_get(self.hass).async_get(str(data.get("device_id")))
        if device is None:
            return None
        return next((key for domain, key in device.identifiers if domain == DOMAIN), None)

    @callback
    def async_started(self, event: HassEvent[dict[str, Any]]) -> None:
        """Remember an open event and tell its camera's listeners."""
        if (camera := self._camera(event.data)) is None:
            return
        start = datetime.fromisoformat(event.data["start"]).timestamp()
        opened = _Open(camera, event.data["event_id"], start, list(event.data.get("reasons", [])))
        self.open[opened.id] = opened
        self._tell(camera, self._json(opened, None, {}))

    @callback
    def async_finished(self, event: HassEvent[dict[str, Any]]) -> None:
        """Forget a closed event and tell its camera's listeners, with its end and thumbnail."""
        if (camera := self._camera(event.data)) is None:
            return
        self.open.pop(event.data["event_id"], None)
        start = datetime.fromisoformat(event.data["start"]).timestamp()
        closed = _Open(camera, event.data["event_id"], start, list(event.data.get("reasons", [])))
        payload = self._json(closed, event.data.get("end"), {})
        if event.data.get("clip_url"):
            payload["thumbnail"] = thumbnail_url(self.hass, camera, closed.id)
        self._tell(camera, payload)

    def _json(self, event: _Open, end: str | None, texts: dict[str, str]) -> dict[str, Any]:
        return {
            "id": event.id,
            "start": iso(event.start),
            "end": end,
            "reason": reason_text(event.reasons, texts or self._texts),
            "thumbnail": None,
        }

    @property
    def _texts(self) -> dict[str, str]:
        return self.hass.data.get(_TEXTS_KEY, {})

    def _tell(self, camera: str, payload: dict[str, Any]) -> None:
        for listener in list(self.listeners.get(camera, [])):
            listener(payload)


_TEXTS_KEY: HassKey[dict[str, str]] = HassKey("heldar_reason_texts")


async def async_load_texts(hass: HomeAssistant) -> None:
    """Cache the reason texts for bus callbacks, which cannot wait for translations."""
    hass.data[_TEXTS_KEY] = await reason_texts(hass)
