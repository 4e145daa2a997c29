"""Home Assistant's permissions: who may see a camera's footage, and who may export it.

Each case shows the allowed person succeeding, then the refused one failing; each fails on
the code before issue 23.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.components import media_source
from homeassistant.components.media_source import Unresolvable
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.heldar.recorder import clips
from custom_components.heldar.recorder.clips import ClipResult
from custom_components.heldar.recorder.retention import DiskUsage
from custom_components.heldar.recorder.segments import segment_name
from tests.review_common import START, Hub

from .conftest import ALLOW_USER_EXPORT, EVENT_ID, Fetch, Person, Site
from .test_links import ask, iso


def export_message(hub: Hub, start: float = START, end: float = START + 4) -> dict[str, Any]:
    """Return a heldar/export command for ``hub``'s camera."""
    return {"type": "heldar/export", "camera": hub.camera_id, "start": iso(start), "end": iso(end)}


async def call_as(
    hass: HomeAssistant, who: Person | None, service: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Call a Heldar action as ``who`` (None: an automation) and return its response."""
    context = Context(user_id=who.user.id) if who else None
    response = await hass.services.async_call(
        "heldar", service, data, blocking=True, return_response=True, context=context
    )
    assert isinstance(response, dict)
    return response


def device_of(hass: HomeAssistant, hub: Hub) -> str:
    """Return the camera's device id (what heldar.export targets)."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("heldar", hub.camera_id), hub.entry.entry_id
    )
    assert device is not None
    return device.id


@pytest.fixture
def joins_blocked() -> Any:  # noqa: ANN401 - the patch
    """Keep every export's join waiting (and count how many run at once), for the test's life."""
    gate = asyncio.Event()
    running = {"now": 0, "most": 0, "done": 0}

    async def join(*_args: object, **_options: object) -> ClipResult:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        try:
            await gate.wait()
        finally:
            running["now"] -= 1
            running["done"] += 1
        return ClipResult(None, "stopped by the test")

    with patch.object(clips, "join_files", join):
        yield gate, running
    gate.set()


async def test_a_non_admin_may_not_export(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    site: Site,
    joins_blocked: Any,  # noqa: ANN401
) -> None:
    """Exports make copies that outlive the page: admins only, unless the owner allows users.

    Before, any logged-in user (a child's account, a guest's) could export.
    """
    assert (await ask(hass, hass_ws_client, site.admin, export_message(site.front)))["success"]
    answer = await ask(hass, hass_ws_client, site.kid, export_message(site.front))
    assert answer["error"]["code"] == "unauthorized"
    camera = device_of(hass, site.front)
    data = {"camera": camera, "start": iso(START), "end": iso(START + 4)}
    with pytest.raises(Unauthorized):
        await call_as(hass, site.kid, "export", data)
    assert (await call_as(hass, None, "export", data))["seconds"] > 0  # an automation may
    # The owner lets users export: the kid may; the guest still not a camera they cannot see.
    hass.config_entries.async_update_entry(site.front.entry, options={ALLOW_USER_EXPORT: True})
    assert (await ask(hass, hass_ws_client, site.kid, export_message(site.front)))["success"]
    answer = await ask(hass, hass_ws_client, site.back_only, export_message(site.front))
    assert answer["error"]["code"] == "unauthorized"


async def test_a_camera_the_user_may_not_see_is_not_shown(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """Every command, view and media-source item of Front refuses a user who may see Back only.

    The check is Home Assistant's entity policy on the camera's entities, as its camera views
    make; before, any logged-in user saw every camera.
    """
    guest, admin = site.back_only, site.admin
    cameras = await ask(hass, hass_ws_client, guest, {"type": "heldar/cameras"})
    assert [camera["name"] for camera in cameras["result"]["cameras"]] == ["Back"]
    assert cameras["result"]["cameras"][0]["may_export"] is False  # not an admin
    everyone = await ask(hass, hass_ws_client, admin, {"type": "heldar/cameras"})
    assert len(everyone["result"]["cameras"]) == 2
    assert all(camera["may_export"] for camera in everyone["result"]["cameras"])
    front = site.front.camera_id
    window = {"start": iso(START - 10), "end": iso(START + 40)}
    for message in (
        {"type": "heldar/timeline", "camera": front, **window},
        {"type": "heldar/playlist", "camera": front, "start": iso(START), "end": None},
        {"type": "heldar/subscribe", "camera": front},
        export_message(site.front),
        {"type": "heldar/share", "camera": front, "event_id": EVENT_ID},
    ):
        answer = await ask(hass, hass_ws_client, guest, message)
        assert answer["error"]["code"] == "unauthorized", message
    timeline = {"type": "heldar/timeline", "camera": site.back.camera_id, **window}
    assert (await ask(hass, hass_ws_client, guest, timeline))["success"]
    for path in (
        f"/api/heldar/recordings/front/{segment_name(START)}",
        f"/api/heldar/recordings/front/events/{EVENT_ID}.mp4",
        f"/api/heldar/thumbnails/front/{EVENT_ID}",
    ):
        assert (await fetch(path, admin.access))[0] == 200, path
        assert (await fetch(path, guest.access))[0] == 403, path
    # The media browser, as the guest's websocket asks it.
    client = await hass_ws_client(hass, guest.access)
    await client.send_json_auto_id({"type": "media_source/browse_media", "media_content_id": ""})
    root = await client.receive_json()
    await client.send_json_auto_id(
        {"type": "media_source/browse_media", "media_content_id": "media-source://heldar"}
    )
    heldar = await client.receive_json()
    assert [child["title"] for child in heldar["result"]["children"]] == ["Back"], root
    for item in (
        f"media-source://heldar/front/events/{EVENT_ID}",
        "media-source://heldar/front/hour/2026-11-24T14",
    ):
        await client.send_json_auto_id(
            {"type": "media_source/resolve_media", "media_content_id": item}
        )
        assert (await client.receive_json())["error"]["code"] == "resolve_media_failed", item
    await client.close()
    resolved = await media_source.async_resolve_media(  # no user asks: a media player's own
        hass, f"media-source://heldar/front/events/{EVENT_ID}", None
    )
    assert resolved.url.endswith(f"{EVENT_ID}.mp4")
    with pytest.raises(Unresolvable):
        await media_source.async_resolve_media(hass, "media-source://heldar/nope/events/x", None)


async def test_a_playlist_stops_when_the_users_permission_does(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """Permissions are asked at every request, not only when the link was made."""
    answer = await ask(
        hass,
        hass_ws_client,
        site.back_only,
        {"type": "heldar/playlist", "camera": site.back.camera_id, "start": iso(START + 100)},
    )
    url = answer["result"]["url"]
    assert (await fetch(url))[0] == 200
    site.back_only.user.mock_policy({"entities": {"entity_ids": {"sensor.nothing": True}}})
    assert (await fetch(url))[0] == 403


async def test_twenty_exports_at_once(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    site: Site,
    joins_blocked: Any,  # noqa: ANN401
) -> None:
    """Two joins run, four wait; the rest are refused with a clear error, not queued for ever."""
    gate, running = joins_blocked
    client = await hass_ws_client(hass, site.admin.access)
    for _ in range(20):
        await client.send_json_auto_id(export_message(site.front))
    answers = [await client.receive_json() for _ in range(20)]
    accepted = [answer for answer in answers if answer["success"]]
    refused = [answer["error"] for answer in answers if not answer["success"]]
    assert len(accepted) == 6  # two running, four waiting
    assert {error["code"] for error in refused} == {"export_queue_full"}
    assert "2 exports with 4 more waiting" in refused[0]["message"]
    await asyncio.sleep(0.2)
    assert (running["now"], running["most"]) == (2, 2)
    gate.set()
    async with asyncio.timeout(10):
        while running["done"] < 6:
            await asyncio.sleep(0.05)
    await hass.async_block_till_done()
    assert running["most"] == 2
    # Room again.
    assert (await ask(hass, hass_ws_client, site.admin, export_message(site.front)))["success"]
    await client.close()


async def test_an_export_larger_than_the_free_space(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    site: Site,
    joins_blocked: Any,  # noqa: ANN401
) -> None:
    """An export that would take the disk under the hub's free-space floor is refused.

    Exports already under way count with the bytes they are about to write.
    """
    retention = site.front.entry.runtime_data.recordings.retention
    size = sum(segment.size for segment in site.front.camera.store.index.between(START, START + 8))
    free = retention.min_free_bytes + size + size // 2  # room for one export of it, not two
    with patch.object(retention, "_disk_usage", lambda _path: DiskUsage(10**13, 0, free)):
        message = export_message(site.front, end=START + 8)
        first = await ask(hass, hass_ws_client, site.admin, message)
        assert first["success"], first
        second = await ask(hass, hass_ws_client, site.admin, message)
        assert second["error"]["code"] == "export_no_space"
        assert "free-space floor is 5.00 GB" in second["error"]["message"]
