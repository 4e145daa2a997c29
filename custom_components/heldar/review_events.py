"""Events as the timeline shows them: finished ones from the store, open ones from the bus.

Open events live inside the recorder; Heldar announces them on the bus
(``heldar_recording_started`` / ``_finished``), so this module follows those to show an
event from the moment it starts, and to push starts and ends to subscribed cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event as HassEvent, HomeAssistant, callback
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.hass_dict import HassKey

from . import camera_ref
from .camera_ref import CameraKey, CameraRef
from .const import DOMAIN, EVENT_RECORDING_FINISHED, EVENT_RECORDING_STARTED
from .recorder.events import Event
from .review import iso
from .thumbnail_links import thumbnail_links
from .views import THUMBNAIL_URL

_KEY: HassKey[OpenEvents] = HassKey("heldar_open_events")
_PREFIX = f"component.{DOMAIN}.selector.event_reason.options."

# Called with an event's start or end, and the unsigned path of its thumbnail (or None):
# each listener signs it for its own login.
type Listener = Callable[[dict[str, Any], str | None], None]


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


def thumbnail_path(slug: str, event_id: str) -> str:
    """Return the (unsigned) path of an event's thumbnail (``slug``: the camera's folder)."""
    return THUMBNAIL_URL.format(camera=slug, event_id=event_id)


@callback
def thumbnail_url(hass: HomeAssistant, path: str, refresh_token_id: str) -> str:
    """Sign a thumbnail path for one login, so an <img> loads it without a header.

    Home Assistant's signed path opens that one path only, and only while the login
    (refresh token) that asked for it stands; the view still checks its user may see the camera.
    """
    return thumbnail_links(hass).url(path, refresh_token_id)


def event_json(
    ref: CameraRef, event: Event, texts: dict[str, str], refresh_token_id: str
) -> dict[str, Any]:
    """Return a finished event as the timeline shows it, its thumbnail signed for one login."""
    path = thumbnail_path(ref.folder, event.id) if event.clip else None
    return {
        "id": event.id,
        "start": iso(event.start),
        "end": iso(event.end if event.end is not None else event.window_end),
        "reason": reason_text(event.reasons, texts),
        "thumbnail": thumbnail_url(ref.handle.hass, path, refresh_token_id) if path else None,
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

    def _camera(self, data: dict[str, Any]) -> CameraRef | None:
        """Return the camera a bus event names by its device."""
        return camera_ref.find(self.hass, str(data.get("device_id")), CameraKey.DEVICE)

    @callback
    def async_started(self, event: HassEvent[dict[str, Any]]) -> None:
        """Remember an open event and tell its camera's listeners."""
        if (ref := self._camera(event.data)) is None:
            return
        camera = ref.subentry_id
        start = datetime.fromisoformat(event.data["start"]).timestamp()
        opened = _Open(camera, event.data["event_id"], start, list(event.data.get("reasons", [])))
        self.open[opened.id] = opened
        self._tell(camera, self._json(opened, None, {}), None)

    @callback
    def async_finished(self, event: HassEvent[dict[str, Any]]) -> None:
        """Forget a closed event and tell its camera's listeners, with its end and thumbnail."""
        # Forgotten first: one that ends while its hub unloads is no camera's any more.
        self.open.pop(event.data["event_id"], None)
        if (ref := self._camera(event.data)) is None:
            return
        camera = ref.subentry_id
        start = datetime.fromisoformat(event.data["start"]).timestamp()
        closed = _Open(camera, event.data["event_id"], start, list(event.data.get("reasons", [])))
        payload = self._json(closed, event.data.get("end"), {})
        path = None
        if event.data.get("clip_url"):
            path = thumbnail_path(ref.folder, closed.id)
        self._tell(camera, payload, path)

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

    def _tell(self, camera: str, payload: dict[str, Any], thumbnail: str | None) -> None:
        for listener in list(self.listeners.get(camera, [])):
            listener(dict(payload), thumbnail)


_TEXTS_KEY: HassKey[dict[str, str]] = HassKey("heldar_reason_texts")


async def async_load_texts(hass: HomeAssistant) -> None:
    """Cache the reason texts for bus callbacks, which cannot wait for translations."""
    hass.data[_TEXTS_KEY] = await reason_texts(hass)
