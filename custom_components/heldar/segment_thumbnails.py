"""A thumbnail for every footage segment: the keyframe it starts with, grabbed once.

The frame grabber (frames.py) decodes that one frame in its own FFmpeg, bounded in time and
never on the event loop, scaled to 320 pixels wide, and keeps the JPEGs in its bounded
in-memory cache, so nothing is left on disk when retention deletes the segment.
"""

from __future__ import annotations

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from .frames import segment_thumbnail
from .recorder.segments import SEGMENT_RE
from .views import authorized_camera

SEGMENT_THUMBNAIL_URL = "/api/heldar/segment_thumbnails/{camera}/{name}"


def segment_thumbnail_url(camera: str, name: str) -> str:
    """Return the thumbnail URL of a segment (``camera`` is its folder name)."""
    return SEGMENT_THUMBNAIL_URL.format(camera=camera, name=name)


class SegmentThumbnailView(HomeAssistantView):
    """Return a segment's thumbnail, from the cache or grabbed now."""

    url = SEGMENT_THUMBNAIL_URL
    name = "api:heldar:segment_thumbnail"

    async def get(self, request: web.Request, camera: str, name: str) -> web.Response:
        """Serve the JPEG of an indexed segment."""
        hass = request.app[KEY_HASS]
        store = authorized_camera(request, camera).store
        if SEGMENT_RE.match(name) is None or store.index.get(name) is None:
            raise web.HTTPNotFound
        if (jpeg := await segment_thumbnail(hass, store, name)) is None:
            raise web.HTTPNotFound
        return web.Response(
            body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
        )
