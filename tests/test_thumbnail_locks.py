"""The thumbnail view keeps no per-event state once a request is answered."""

from __future__ import annotations

import asyncio
import dataclasses
from http import HTTPStatus
from types import SimpleNamespace

from homeassistant.components.http import KEY_HASS, KEY_HASS_USER
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockUser

from custom_components.heldar.views import ThumbnailView

from .test_media_source import Recordings, recordings  # noqa: F401 - the fixture


async def test_thumbnail_locks_do_not_grow(
    hass: HomeAssistant,
    recordings: Recordings,  # noqa: F811 - the fixture imported above
    hass_admin_user: MockUser,
) -> None:
    """Every event viewed used to leave a lock behind for the life of Home Assistant."""
    entry, folder, event = recordings
    store = entry.runtime_data.recordings.stores["front"]
    view = ThumbnailView("ffmpeg")
    seen = {KEY_HASS_USER: hass_admin_user}  # the view asks who is looking
    request = SimpleNamespace(app={KEY_HASS: hass}, get=seen.get)
    ids = [f"{event.id}{n}" for n in range(4)]
    for event_id in ids:
        store.events[event_id] = dataclasses.replace(event, id=event_id)
    # Two viewers of each event at once: still one grab each, and no lock left afterwards.
    responses = await asyncio.gather(
        *(view.get(request, "front", event_id) for event_id in ids * 2)  # type: ignore[arg-type]
    )
    assert all(response.status == HTTPStatus.OK for response in responses)
    assert all((folder / "events" / f"{event_id}.jpg").is_file() for event_id in ids)
    assert view._locks == {}
    assert not view._users
