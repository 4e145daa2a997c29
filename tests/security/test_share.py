"""Share links: one clip, no login, until it expires or is revoked, and nothing else.

Each case fails on the code before issue 23 (it had no share links at all).
"""

from __future__ import annotations

from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from yarl import URL

from custom_components.heldar.diagnostics import async_get_config_entry_diagnostics
from custom_components.heldar.recorder.segments import segment_name
from tests.review_common import START

from .conftest import ALLOW_USER_EXPORT, EVENT_ID, Fetch, Site
from .test_links import ask
from .test_permissions import call_as

CLIP_ID = f"media-source://heldar/front/events/{EVENT_ID}"


def clip_bytes(site: Site) -> bytes:
    """Return the shared clip's bytes."""
    return (site.front.folder / "events" / f"{EVENT_ID}.mp4").read_bytes()


async def test_a_share_link_opens_its_clip_and_nothing_else(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """No login needed, ranges answered, never cached; no other path, file or token form."""
    shared = await call_as(hass, site.admin, "share", {"media_content_id": CLIP_ID})
    assert set(shared) == {"share_id", "url", "path", "expires"}
    path = shared["path"]
    assert shared["url"].endswith(path)
    status, body = await fetch(path)
    assert status == 200
    assert body == clip_bytes(site)
    status, body = await fetch(path, Range="bytes=0-99")
    assert (status, body) == (206, clip_bytes(site)[:100])
    token = path.removeprefix("/api/heldar/share/").removesuffix(".mp4")
    for other in (
        f"/api/heldar/share/{token}.mp4/../../recordings/front/{segment_name(START)}",
        f"/api/heldar/share/{token}%2F..%2F{segment_name(START)}",
        f"/api/heldar/share/{token}/{segment_name(START)}",
        f"/api/heldar/share/{token}.jpg",
        f"/api/heldar/share/{token[:-1]}.mp4",
        f"/api/heldar/share/{token}A.mp4",
        f"/api/heldar/share/{token.swapcase()}.mp4",
        f"/api/heldar/hls/{token}/playlist.m3u8",
        f"/api/heldar/recordings/front/{segment_name(START)}?authSig={token}",
    ):
        status, body = await fetch(URL(other, encoded=True))
        assert status in {400, 401, 403, 404}, other
        assert b"moof" not in body
    # The websocket command the card's share button will use makes the same kind of link.
    answer = await ask(
        hass,
        hass_ws_client,
        site.admin,
        {"type": "heldar/share", "camera": site.front.camera_id, "event_id": EVENT_ID},
    )
    assert (await fetch(answer["result"]["path"]))[0] == 200


async def test_a_revoked_share_is_refused(hass: HomeAssistant, site: Site, fetch: Fetch) -> None:
    """Unshared: 404 at once. Listed in diagnostics until then, by id, never by its secret."""
    shared = await call_as(hass, None, "share", {"media_content_id": CLIP_ID})
    assert (await fetch(shared["path"]))[0] == 200
    diagnostics = await async_get_config_entry_diagnostics(hass, site.front.entry)
    [listed] = diagnostics["shares"]
    assert listed["share_id"] == shared["share_id"]
    assert listed["event_id"] == EVENT_ID
    assert listed["camera"] == "Front"
    assert shared["path"].split("/")[-1].removesuffix(".mp4") not in json.dumps(
        diagnostics, default=str
    )
    # A user may revoke their own links only; an admin or an automation any.
    with pytest.raises(Unauthorized):
        await call_as(hass, site.kid, "unshare", {"share_id": shared["share_id"]})
    assert (await fetch(shared["path"]))[0] == 200
    await call_as(hass, site.admin, "unshare", {"share_id": shared["share_id"]})
    assert (await fetch(shared["path"]))[0] == 404
    diagnostics = await async_get_config_entry_diagnostics(hass, site.front.entry)
    assert diagnostics["shares"] == []
    with pytest.raises(ServiceValidationError) as caught:
        await call_as(hass, site.admin, "unshare", {"share_id": shared["share_id"]})
    assert caught.value.translation_key == "share_not_found"


async def test_an_expired_share_is_refused(
    hass: HomeAssistant, site: Site, fetch: Fetch, freezer: FrozenDateTimeFactory
) -> None:
    """The expiry the user chose, at most 7 days."""
    shared = await call_as(
        hass, site.admin, "share", {"media_content_id": CLIP_ID, "expires_in": {"hours": 1}}
    )
    assert (await fetch(shared["path"]))[0] == 200
    freezer.tick(timedelta(minutes=59))
    assert (await fetch(shared["path"]))[0] == 200
    freezer.tick(timedelta(minutes=1, seconds=1))
    assert (await fetch(shared["path"]))[0] == 404
    with pytest.raises(ServiceValidationError) as caught:
        await call_as(
            hass, site.admin, "share", {"media_content_id": CLIP_ID, "expires_in": {"days": 8}}
        )
    assert caught.value.translation_key == "share_too_long"
    assert "at most 7 days" in str(caught.value)
    for missing in (
        "media-source://heldar/front/events/nope",
        f"media-source://heldar/front/segment/{segment_name(START)}",
        "media-source://heldar/nowhere/events/x",
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await call_as(hass, site.admin, "share", {"media_content_id": missing})
        assert caught.value.translation_key == "share_no_clip"


async def test_a_share_dies_with_its_makers_right_to_share(
    hass: HomeAssistant, site: Site, fetch: Fetch
) -> None:
    """A non-admin may share only when the owner allows it; the links stop when that ends."""
    with pytest.raises(Unauthorized):
        await call_as(hass, site.kid, "share", {"media_content_id": CLIP_ID})
    entry = site.front.entry
    hass.config_entries.async_update_entry(entry, options={ALLOW_USER_EXPORT: True})
    kids = await call_as(hass, site.kid, "share", {"media_content_id": CLIP_ID})
    automation = await call_as(hass, None, "share", {"media_content_id": CLIP_ID})
    with pytest.raises(Unauthorized):  # allowed to share, but not a camera they cannot see
        await call_as(hass, site.back_only, "share", {"media_content_id": CLIP_ID})
    assert (await fetch(kids["path"]))[0] == 200
    hass.config_entries.async_update_entry(entry, options={ALLOW_USER_EXPORT: False})
    assert (await fetch(kids["path"]))[0] == 404
    hass.config_entries.async_update_entry(entry, options={ALLOW_USER_EXPORT: True})
    assert (await fetch(kids["path"]))[0] == 200
    await hass.auth.async_remove_user(site.kid.user)
    assert (await fetch(kids["path"]))[0] == 404
    assert (await fetch(automation["path"]))[0] == 200


async def test_shares_survive_a_restart_without_their_secret_on_disk(
    hass: HomeAssistant,
    site: Site,
    fetch: Fetch,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Kept in Home Assistant's storage until they expire; the stored form opens nothing."""
    shared = await call_as(hass, site.admin, "share", {"media_content_id": CLIP_ID})
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    stored = json.dumps(hass_storage["heldar.shares"])
    token = shared["path"].split("/")[-1].removesuffix(".mp4")
    assert shared["share_id"] in stored
    assert token not in stored
    from custom_components.heldar import share  # noqa: PLC0415 - new with shares

    reloaded = share.ShareRegistry(hass)
    await reloaded.async_load()
    assert reloaded.lookup(token) is not None
    assert [item.share_id for item in reloaded.live()] == [shared["share_id"]]
    [item] = reloaded.live()
    assert reloaded.lookup(item.digest) is None  # what is stored is no link
