"""Who may see a camera's footage, and who may export or share it: Home Assistant's own rules.

Footage is what a camera shows, kept. So a user may read a camera's footage only where Home
Assistant's entity permission policy lets them read every entity of that camera: the entities
of its Heldar device, and the camera entity it records, if it records one. That is the check
Home Assistant's own camera views make (``check_entity(entity_id, POLICY_READ)``), and an owner
who limits a user to some entities limits that user's footage too. Administrators read all.

Exporting and sharing make copies and links that outlive the page that asked for them, so
they need an administrator, unless the hub's owner turned on *Let non-admin users export and
share* (``allow_user_export``, an option of the hub entry).

A path token or share link outlives the request that made it, so every use asks again:
``token_holder`` finds the user behind a refresh token id only while that token exists, the
user is active and may log in from where the request comes.
"""

from __future__ import annotations

from aiohttp import web
from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.components import websocket_api
from homeassistant.components.http.auth_util import async_user_not_allowed_do_auth
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.http import current_request

from .camera_ref import CameraRef
from .const import CONF_ALLOW_USER_EXPORT


@callback
def camera_entities(hass: HomeAssistant, ref: CameraRef) -> list[str]:
    """Return the entity ids a user must be allowed to read to see this camera's footage."""
    entity_ids: list[str] = []
    if (device := ref.device()) is not None:
        registry = er.async_get(hass)
        entity_ids = [entry.entity_id for entry in er.async_entries_for_device(registry, device.id)]
    if ref.handle.config.camera_entity:
        entity_ids.append(ref.handle.config.camera_entity)
    return entity_ids


@callback
def may_read(
    hass: HomeAssistant, user: User | None, ref: CameraRef, policy: str = POLICY_READ
) -> bool:
    """Whether ``user`` may see ``ref``'s footage (or, with POLICY_CONTROL, control it)."""
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    entity_ids = camera_entities(hass, ref)
    # A camera whose entities are not registered yet is nobody's but the admins'.
    return bool(entity_ids) and all(
        user.permissions.check_entity(entity_id, policy) for entity_id in entity_ids
    )


@callback
def may_export(hass: HomeAssistant, user: User | None, ref: CameraRef) -> bool:
    """Whether ``user`` may export or share ``ref``'s footage (admin, or the hub option)."""
    if user is None or not may_read(hass, user, ref):
        return False
    if user.is_admin:
        return True
    entry = hass.config_entries.async_get_entry(ref.entry_id)
    return entry is not None and bool(entry.options.get(CONF_ALLOW_USER_EXPORT, False))


@callback
def require_read(
    hass: HomeAssistant, user: User | None, ref: CameraRef, policy: str = POLICY_READ
) -> None:
    """Raise Unauthorized unless ``user`` may see (or control) ``ref``'s footage."""
    if not may_read(hass, user, ref, policy):
        raise Unauthorized(user_id=user.id if user else None, permission=policy)


@callback
def require_export(hass: HomeAssistant, user: User | None, ref: CameraRef) -> None:
    """Raise Unauthorized unless ``user`` may export and share ``ref``'s footage."""
    if not may_export(hass, user, ref):
        raise Unauthorized(user_id=user.id if user else None, permission=POLICY_CONTROL)


async def context_user(hass: HomeAssistant, context: Context) -> tuple[bool, User | None]:
    """Return whether an action call was made by a user, and that user.

    Automations and scripts call without a user: they act for the owner who wrote them. A
    call that names a user who no longer exists is refused like any unauthorised call.
    """
    if context.user_id is None:
        return False, None
    user = await hass.auth.async_get_user(context.user_id)
    if user is None:
        raise Unauthorized(context=context)
    return True, user


@callback
def asking_user() -> tuple[bool, User | None]:
    """Return whether a user is behind the current websocket command or request, and who.

    The media source has no user argument: Home Assistant runs it inside the user's websocket
    command (browse, resolve). Without one (a media player resolving for itself) nobody asks.
    """
    if (connection := websocket_api.current_connection.get()) is not None:
        return True, connection.user
    if (request := current_request.get()) is not None and KEY_HASS_USER in request:
        return True, request[KEY_HASS_USER]
    return False, None


@callback
def visible(hass: HomeAssistant, refs: list[CameraRef]) -> list[CameraRef]:
    """Keep the cameras the asking user may see; all when nobody asks."""
    known, user = asking_user()
    if not known:
        return refs
    return [ref for ref in refs if may_read(hass, user, ref)]


@callback
def token_holder(
    hass: HomeAssistant, refresh_token_id: str, request: web.Request | None
) -> User | None:
    """Return the user a refresh token belongs to, while it may still act; else None.

    The token is gone once it is revoked or its user removed; an inactive user, or a
    local-only user asking from outside, may not act either (as for HA's signed paths).
    """
    refresh_token = hass.auth.async_get_refresh_token(refresh_token_id)
    if refresh_token is None:
        return None
    user = refresh_token.user
    if async_user_not_allowed_do_auth(hass, user, request) is not None:
        return None
    return user
