"""Thumbnail links: Home Assistant's signed paths, one per thumbnail and login, reused.

An event's thumbnail goes to an ``<img>``, which sends no header, so its URL carries its own
authorisation: Home Assistant's ``async_sign_path``, which opens that one path, for 24 hours,
only while the login (refresh token) it was signed for stands; the view then checks that its
user may still see the camera. Signing costs about 40 to 80 microseconds, and a busy day's
timeline holds 500 thumbnails that the card asks for again at every zoom and pan: so a link is
kept for its login and handed out again while more than half of its life is left. A reused
link opens exactly what a fresh one would, and dies with the same login.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
import time

from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

# A thumbnail opens one JPEG of one event; a dashboard holds its timeline answer for a day.
LIFETIME = timedelta(hours=24)
_REUSE_FOR = LIFETIME.total_seconds() / 2
_SIZE = 4000  # a day of 500 events, for a handful of logins
_KEY: HassKey[ThumbnailLinks] = HassKey("heldar_thumbnail_links")


class ThumbnailLinks:
    """Signed thumbnail paths, by login and path, while they have half their life left."""

    def __init__(self, hass: HomeAssistant, size: int = _SIZE) -> None:
        """Keep at most ``size`` links."""
        self._hass = hass
        self._size = size
        self._links: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()

    @callback
    def url(self, path: str, refresh_token_id: str) -> str:
        """Return ``path`` signed for the login ``refresh_token_id``."""
        key = (refresh_token_id, path)
        now = time.time()
        if (kept := self._links.get(key)) is not None and kept[1] - now > _REUSE_FOR:
            self._links.move_to_end(key)
            return kept[0]
        signed = async_sign_path(self._hass, path, LIFETIME, refresh_token_id=refresh_token_id)
        self._links[key] = (signed, now + LIFETIME.total_seconds())
        self._links.move_to_end(key)
        if len(self._links) > self._size:
            self._links.popitem(last=False)
        return signed


@callback
def thumbnail_links(hass: HomeAssistant) -> ThumbnailLinks:
    """Return the hub's thumbnail links."""
    if (links := hass.data.get(_KEY)) is None:
        links = hass.data[_KEY] = ThumbnailLinks(hass)
    return links
