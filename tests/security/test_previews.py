"""Scrub preview links: each opens one segment's sheet, for its login, of a camera its user sees.

Every case first shows the link working for the person it was made for, then the attack
failing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from yarl import URL

from custom_components.heldar.recorder.segments import segment_name
from tests.review_common import START

from .conftest import Fetch, Person, Site
from .test_links import ask, iso

JPEG = b"\xff\xd8\xff"


async def sheets(
    hass: HomeAssistant, ws: WebSocketGenerator, who: Person, camera: str
) -> dict[str, Any]:
    """Ask heldar/previews for a camera's first minutes as ``who``; return the whole answer."""
    message = {
        "type": "heldar/previews",
        "camera": camera,
        "start": iso(START - 10),
        "end": iso(START + 200),
    }
    return await ask(hass, ws, who, message)


async def test_a_preview_link_opens_its_one_sheet(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """The signature opens that sheet: not another segment's, camera's, nor the footage."""
    answer = await sheets(hass, hass_ws_client, site.kid, site.front.camera_id)
    assert answer["success"], answer
    links = [sheet["url"] for sheet in answer["result"]["sheets"]]
    assert len(links) == 4
    status, body = await fetch(links[0])
    assert status == 200
    assert body.startswith(JPEG)
    parsed = URL(links[0])
    assert parsed.path == f"/api/heldar/previews/front/{segment_name(START)}"
    signature = parsed.query["authSig"]
    for other in (
        f"/api/heldar/previews/front/{segment_name(START + 2)}",
        f"/api/heldar/previews/back/{segment_name(START + 100)}",
        f"/api/heldar/recordings/front/{segment_name(START)}",
        f"/api/heldar/segment_thumbnails/front/{segment_name(START)}",
    ):
        assert (await fetch(f"{other}?authSig={signature}"))[0] == 401, other
    # Without a signature (or a login) nothing opens.
    assert (await fetch(parsed.path))[0] == 401


async def test_a_preview_link_dies_with_its_login(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """Logging out ends the links that login was given; so does deactivating its user."""
    answer = await sheets(hass, hass_ws_client, site.kid, site.front.camera_id)
    link = answer["result"]["sheets"][1]["url"]
    assert (await fetch(link))[0] == 200
    hass.auth.async_remove_refresh_token(site.kid.refresh)
    assert (await fetch(link))[0] in {401, 403}
    guest = (await sheets(hass, hass_ws_client, site.back_only, site.back.camera_id))["result"]
    assert (await fetch(guest["sheets"][0]["url"]))[0] == 200
    await hass.auth.async_update_user(site.back_only.user, is_active=False)
    assert (await fetch(guest["sheets"][0]["url"]))[0] in {401, 403}


async def test_another_cameras_previews_are_refused(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """A user who may see Back only gets no list of Front's sheets, nor any sheet of Front's.

    Not with their own login's header, and not with a path signed for their login: the view
    checks the user behind a signature may see the camera.
    """
    guest = site.back_only
    own = await sheets(hass, hass_ws_client, guest, site.back.camera_id)
    assert own["success"], own
    assert (await fetch(own["result"]["sheets"][0]["url"]))[0] == 200
    refused = await sheets(hass, hass_ws_client, guest, site.front.camera_id)
    assert not refused["success"]
    assert refused["error"]["code"] == "unauthorized"
    front_sheet = f"/api/heldar/previews/front/{segment_name(START)}"
    assert (await fetch(f"/api/heldar/previews/back/{segment_name(START + 100)}", guest.access))[
        0
    ] == 200
    status, body = await fetch(front_sheet, guest.access)
    assert status == 403
    assert not body.startswith(JPEG)
    signed = async_sign_path(
        hass, front_sheet, timedelta(hours=1), refresh_token_id=guest.refresh.id
    )
    status, body = await fetch(signed)
    assert status == 403
    assert not body.startswith(JPEG)


async def test_only_indexed_segments_have_sheets(
    hass: HomeAssistant, site: Site, fetch: Fetch
) -> None:
    """A name that is not one of the camera's indexed segments opens nothing, made or kept."""
    admin = site.admin.access
    assert (await fetch(f"/api/heldar/previews/front/{segment_name(START)}", admin))[0] == 200
    for name in (
        ".index.json",
        "..%2Fback%2F" + segment_name(START + 100),
        segment_name(START + 100),  # Back's, asked of Front
        segment_name(START).replace(".mp4", ".preview.jpg"),
        "events%2F20261124_130001_beef.mp4",
    ):
        status, body = await fetch(URL(f"/api/heldar/previews/front/{name}", encoded=True), admin)
        assert status in {400, 403, 404}, name
        assert not body.startswith(JPEG)
