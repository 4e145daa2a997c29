"""Heldar's own translated lines: taken from HA's translation cache, English without it."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from custom_components.heldar import texts
from custom_components.heldar.const import DOMAIN


async def test_lines_come_from_the_translations(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loaded translation is used and filled in; a missing one falls back to English."""
    await texts.async_load_texts(hass)
    assert texts.reason_text(hass, "button") == "Trigger button pressed"
    assert texts.reason_text(hass, "Driveway motion") == "Driveway motion"  # free text as is
    assert texts.logbook_text(hass, "clip", seconds="42", reasons="x") == (
        "recorded a 42 s event clip (x)"
    )
    prefix = f"component.{DOMAIN}.selector."
    other = {
        f"{prefix}logbook_line.options.started": "hat eine Aufnahme begonnen ({reasons})",
        f"{prefix}event_reason.options.button": "Taste gedrückt",
    }
    monkeypatch.setattr(texts, "async_get_cached_translations", lambda *_args: other)
    assert texts.logbook_text(hass, "started", reasons=texts.reason_text(hass, "button")) == (
        "hat eine Aufnahme begonnen (Taste gedrückt)"
    )
    assert texts.logbook_text(hass, "no_reason") == "no reason given"
