"""Serve the timeline card and load it on every frontend page: no manual resource step."""

from __future__ import annotations

import logging
from pathlib import Path

from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant

_LOGGER = logging.getLogger(__name__)

CARD_FILE = Path(__file__).parent / "www" / "heldar-timeline-card.js"
STATIC_PATH = "/heldar_static"
CARD_URL = f"{STATIC_PATH}/{CARD_FILE.name}"


async def async_register_card(hass: HomeAssistant) -> bool:
    """Serve the card's bundle and add it to the frontend; return whether it was there."""
    if not await hass.async_add_executor_job(CARD_FILE.is_file):
        _LOGGER.debug("No timeline card bundle at %s: the card is not offered", CARD_FILE)
        return False
    await hass.http.async_register_static_paths(
        [StaticPathConfig(STATIC_PATH, str(CARD_FILE.parent), cache_headers=False)]
    )
    if "frontend" in hass.config.components:
        from homeassistant.components.frontend import add_extra_js_url  # noqa: PLC0415

        # The file's modification time busts browser caches after an update.
        stamp = int(await hass.async_add_executor_job(lambda: CARD_FILE.stat().st_mtime))
        add_extra_js_url(hass, f"{CARD_URL}?v={stamp}")
    return True
