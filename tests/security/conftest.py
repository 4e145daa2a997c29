"""A hub with real footage, an event clip, and the people who try to reach it.

Front: 2 s segments at 10 fps with a keyframe every 1.5 s and a fragment cut every second (so
some fragments start between keyframes, as on real cameras), a finished event with its clip.
Back: its own segments. People: an administrator, a non-admin user (as an owner makes for a
child or a guest) and a user whose policy lets them see Back only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import RefreshToken, User
from homeassistant.auth.permissions.models import PermissionLookup
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import CLIENT_ID, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.heldar.recorder import events as ev
from custom_components.heldar.recorder.events import Event, EventState
from tests.review_common import START, Hub, fragmented_segments, setup_hub

EVENT_ID = "20261124_130001_beef"
# The hub option that lets non-admin users export and share (spelt out: the suite runs on code
# from before it, too, to show each case failing there).
ALLOW_USER_EXPORT = "allow_user_export"


@dataclass
class Person:
    """Someone logged in: the user, their login (refresh token) and an access token."""

    user: User
    refresh: RefreshToken
    access: str


@dataclass
class Site:
    """The hub and everyone who may or may not see it."""

    front: Hub
    back: Hub
    admin: Person
    kid: Person  # a non-admin user
    back_only: Person  # a user whose policy shows Back's entities only


async def person(hass: HomeAssistant, user: User) -> Person:
    """Log ``user`` in: a refresh token and an access token, as the login flow makes."""
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    return Person(user, refresh, hass.auth.async_create_access_token(refresh))


@pytest.fixture
async def site(hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path) -> Site:
    """Set the hub up and let three people in."""
    fragmented_segments(tmp_path / "front", 4, gop=15)
    fragmented_segments(tmp_path / "back", 3, start=START + 100)
    event = Event(EVENT_ID, "front", START + 1, START + 5, ["button"])
    event.state, event.trigger, event.end = EventState.FINISHED, START + 1, START + 5
    event.clip = f"events/{event.id}.mp4"
    (tmp_path / "front" / "events").mkdir()
    fragmented_segments(tmp_path / "clip", 1)[0].rename(tmp_path / "front" / event.clip)
    (tmp_path / "clip").rmdir()
    ev.save(tmp_path / "front", event)
    back, front = await setup_hub(hass, tmp_path, "Back", "Front")
    admin_group = await hass.auth.async_get_group("system-admin")
    users_group = await hass.auth.async_get_group(GROUP_ID_USER)
    admin = MockUser(name="Owner", groups=[admin_group]).add_to_hass(hass)
    kid = MockUser(name="Kid", groups=[users_group]).add_to_hass(hass)
    back_only = MockUser(name="Guest", groups=[users_group]).add_to_hass(hass)
    registry = er.async_get(hass)
    device = registry.async_get(f"sensor.{back.camera.config.slug}_recorder_state")
    assert device is not None
    back_only.perm_lookup = PermissionLookup(registry, dr.async_get(hass))  # as HA's store does
    back_only.mock_policy({"entities": {"device_ids": {device.device_id: True}}})
    return Site(
        front,
        back,
        await person(hass, admin),
        await person(hass, kid),
        await person(hass, back_only),
    )


type Fetch = Callable[..., Awaitable[tuple[int, bytes]]]


@pytest.fixture
async def fetch(hass_client_no_auth: ClientSessionGenerator) -> Fetch:
    """GET a path with no login (the link alone), or with ``token``; return status and body."""
    client = await hass_client_no_auth()

    async def get(path: str | URL, token: str | None = None, **headers: str) -> tuple[int, bytes]:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await client.get(path, headers=headers)
        return response.status, await response.read()

    return get
