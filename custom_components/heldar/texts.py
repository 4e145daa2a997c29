"""Translated words Heldar writes itself (logbook lines), looked up in Home Assistant's cache.

They live in the ``selector`` section (HA's home for option labels), loaded once by the
button platform; a lookup that misses falls back to the raw key, which still means something.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_translations,
)

from .const import DOMAIN

_REASON = f"component.{DOMAIN}.selector.event_reason.options."
_RESULT = f"component.{DOMAIN}.selector.trigger_result.options."
_LOGBOOK = f"component.{DOMAIN}.selector.logbook_line.options."
# The English lines, for a language (or a moment) without the translations.
LOGBOOK_LINES = {
    "started": "started an event recording ({reasons})",
    "clip": "recorded a {seconds} s event clip ({reasons})",
    "no_clip": "ended an event recording without a clip: {error}",
    "no_reason": "no reason given",
}


async def async_load_texts(hass: HomeAssistant) -> None:
    """Load the texts the synchronous lookups below need, in HA's language."""
    await async_get_translations(hass, hass.config.language, "selector", [DOMAIN])


@callback
def reason_text(hass: HomeAssistant, reason: str) -> str:
    """Return a trigger reason for people: a known key translated, free text as given."""
    texts = async_get_cached_translations(hass, hass.config.language, "selector", DOMAIN)
    return texts.get(_REASON + reason, reason)


@callback
def result_text(hass: HomeAssistant, result: str) -> str:
    """Return what a press did, as a logbook line after the camera's name."""
    texts = async_get_cached_translations(hass, hass.config.language, "selector", DOMAIN)
    return texts.get(_RESULT + result, result)


@callback
def logbook_text(hass: HomeAssistant, key: str, **placeholders: str) -> str:
    """Return a logbook line about an event recording, in HA's language when it has one."""
    texts = async_get_cached_translations(hass, hass.config.language, "selector", DOMAIN)
    return texts.get(_LOGBOOK + key, LOGBOOK_LINES[key]).format(**placeholders)
