"""Thumbnail links: HA's signed paths, reused for one login while half their life is left."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.heldar.thumbnail_links import ThumbnailLinks

PATH = "/api/heldar/thumbnails/front/20261124_130001_beef"


async def test_a_link_is_reused_for_its_login_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Same login and path: the same link, until half its life is gone; another login: its own."""
    links = ThumbnailLinks(hass, size=2)
    first = links.url(PATH, "login-a")
    assert first.startswith(f"{PATH}?authSig=")
    assert links.url(PATH, "login-a") == first
    assert links.url(PATH, "login-b") != first
    freezer.tick(timedelta(hours=11, minutes=59))
    assert links.url(PATH, "login-a") == first
    freezer.tick(timedelta(minutes=2))
    renewed = links.url(PATH, "login-a")
    assert renewed != first
    # Bounded: the oldest link goes first.
    links.url(f"{PATH}x", "login-a")
    links.url(f"{PATH}y", "login-a")
    assert len(links._links) == 2
