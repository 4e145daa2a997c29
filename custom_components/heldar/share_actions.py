"""heldar.share, heldar.unshare and the view a share link opens (the registry is share.py).

The view needs no login: the link's secret is the key. It answers a live share with its one
file (ranges honoured, retention kept off it while it is sent, never cached, no referrer) and
everything else, a revoked, expired or unknown link, or a share whose maker may no longer share
that camera, with 404. Its route takes nothing but the secret, so no path reaches another file.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import config_validation as cv
import probatio as vol

from . import access, camera_ref, share
from .camera_ref import CameraKey, CameraRef
from .media_id import MediaId, MediaKind
from .views import _PlayingFileResponse, safe_path

ATTR_MEDIA_CONTENT_ID = "media_content_id"
ATTR_EXPIRES_IN = "expires_in"
ATTR_SHARE_ID = "share_id"
SHARE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_MEDIA_CONTENT_ID): cv.string,
        vol.Optional(ATTR_EXPIRES_IN, default=share.DEFAULT_LIFETIME): cv.positive_time_period,
    }
)
UNSHARE_SCHEMA = vol.Schema({vol.Required(ATTR_SHARE_ID): cv.string})
_PREFIX = "media-source://heldar/"


def _clip_of(hass: HomeAssistant, media_content_id: str) -> tuple[CameraRef, str]:
    """Return the camera and event a clip's or export's media id names."""
    media = MediaId.parse(media_content_id.removeprefix(_PREFIX))
    ref = camera_ref.find(hass, media.folder, CameraKey.FOLDER) if media is not None else None
    if media is None or ref is None or media.kind is not MediaKind.EVENT:
        raise share.refused(share.ShareError.NO_CLIP, event_id=media_content_id)
    return ref, media.key


async def async_share_service(call: ServiceCall) -> ServiceResponse:
    """Share a clip or an export named by its media id; respond with the link."""
    ref, event_id = _clip_of(call.hass, str(call.data[ATTR_MEDIA_CONTENT_ID]))
    by_user, user = await access.context_user(call.hass, call.context)
    if by_user:
        access.require_export(call.hass, user, ref)
    lifetime: timedelta = call.data[ATTR_EXPIRES_IN]
    return await share.async_share(call.hass, ref, event_id, lifetime, user.id if user else None)


async def async_unshare_service(call: ServiceCall) -> ServiceResponse:
    """Revoke a share: an administrator's or automation's any, a user's only their own."""
    registry = share.registry_of(call.hass)
    share_id = str(call.data[ATTR_SHARE_ID])
    found = registry.get(share_id)
    if found is None:
        raise share.refused(share.ShareError.NOT_FOUND, share_id=share_id)
    by_user, user = await access.context_user(call.hass, call.context)
    if by_user and (user is None or not (user.is_admin or user.id == found.user_id)):
        raise Unauthorized(context=call.context)
    registry.revoke(share_id)
    return {"share_id": share_id, "revoked": True}


class ShareView(HomeAssistantView):
    """Serve the one file a share link opens, to anyone holding the link, until it ends."""

    url = f"/api/heldar/share/{{token:{share.TOKEN_PATTERN}}}.mp4"
    name = "api:heldar:share"
    requires_auth = False

    async def get(self, request: web.Request, token: str) -> web.StreamResponse:
        """Stream the shared file, or 404."""
        hass = request.app[KEY_HASS]
        found_share = share.registry_of(hass).lookup(token)
        if found_share is None:
            raise web.HTTPNotFound
        ref = camera_ref.find(hass, found_share.camera, CameraKey.SUBENTRY)
        if ref is None or not await _maker_may_share(hass, found_share, ref):
            raise web.HTTPNotFound
        store = ref.store
        event = store.events.get(found_share.event_id)
        if event is None or not event.clip:
            raise web.HTTPNotFound
        path = await hass.async_add_executor_job(safe_path, store.directory, event.clip)
        response = _PlayingFileResponse(path, ref.hub.recordings.in_use)
        response.headers.update(_HEADERS)
        response.headers["Content-Disposition"] = f'inline; filename="{path.name}"'
        return response


_HEADERS: dict[str, Any] = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


async def _maker_may_share(hass: HomeAssistant, made: share.Share, ref: CameraRef) -> bool:
    """Whether the share's maker may still share the camera (an automation's always may)."""
    if made.user_id is None:
        return True
    user = await hass.auth.async_get_user(made.user_id)
    return access.may_export(hass, user, ref)
