"""The timeline card is served by Heldar and added to every frontend page, when it exists."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.heldar import card


async def test_card_is_served_and_loaded(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, tmp_path: Path
) -> None:
    """The bundle is served at /heldar_static and its URL (cache-busted) joins the frontend."""
    bundle = tmp_path / "www" / "heldar-timeline-card.js"
    bundle.parent.mkdir()
    bundle.write_text("customElements.define('heldar-timeline-card', class {});\n")
    await async_setup_component(hass, "http", {})
    hass.config.components.add("frontend")
    with (
        patch.object(card, "CARD_FILE", bundle),
        patch("homeassistant.components.frontend.add_extra_js_url") as add,
    ):
        assert await card.async_register_card(hass)
    [(_, url), _] = add.call_args
    assert url.startswith("/heldar_static/heldar-timeline-card.js?v=")
    client = await hass_client_no_auth()
    response = await client.get("/heldar_static/heldar-timeline-card.js")
    assert response.status == HTTPStatus.OK
    assert "heldar-timeline-card" in await response.text()


async def test_no_bundle_no_card(hass: HomeAssistant, tmp_path: Path) -> None:
    """Without a built bundle, Heldar still sets up; nothing is registered."""
    await async_setup_component(hass, "http", {})
    hass.config.components.add("frontend")
    with (
        patch.object(card, "CARD_FILE", tmp_path / "missing.js"),
        patch("homeassistant.components.frontend.add_extra_js_url") as add,
    ):
        assert not await card.async_register_card(hass)
    add.assert_not_called()
