"""HTTP views for playback: a camera's HLS playlist and the segment files it points into.

Both authorise with the token in their path (see tokens.py), as players load segments by
relative URL without headers. A file is served only if it is a recording of the token's
camera that a playlist lists (a footage segment, an event's clip or own segment, the file
being written; see footage.py) and lies inside the token's range: a forged, expired or
other camera's token gets 403, and no other file of the camera's folder, nor anything
outside it, is reachable. Files are sent with ``FileResponse``, which answers the
playlist's byte ranges.
"""

from __future__ import annotations

import time

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from . import footage, hls, review, tokens
from .views import ThumbnailView, _PlayingFileResponse

PLAYLIST_URL = "/api/heldar/hls/{token}/playlist.m3u8"
EVENT_THUMBNAIL_URL = "/api/heldar/hls/{token}/events/{event_id}.jpg"
_TOKEN = r"{token:[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+}"  # noqa: S105 - a route pattern


def _grant(request: web.Request, token: str) -> tuple[tokens.PlaybackGrant, review.Found]:
    hass = request.app[KEY_HASS]
    grant = tokens.verify(hass, token)
    if grant is None:
        raise web.HTTPForbidden
    found = review.find(hass, grant.camera)
    if found is None:
        raise web.HTTPNotFound
    return grant, found


class HlsPlaylistView(HomeAssistantView):
    """Return the playlist of a token's camera and range."""

    url = f"/api/heldar/hls/{_TOKEN}/playlist.m3u8"
    name = "api:heldar:hls:playlist"
    requires_auth = False
    cors_allowed = True

    async def get(self, request: web.Request, token: str) -> web.Response:
        """Build the playlist from memory (live: up to now, with the growing file)."""
        grant, found = _grant(request, token)
        camera = found.camera
        live = grant.end is None
        now = time.time()
        issued = grant.issued if live else None
        listed = footage.pieces(camera, grant.start, grant.end or now, now, listed_since=issued)
        hass = request.app[KEY_HASS]
        parts = await hass.async_add_executor_job(
            lambda: hls.plan(listed, review.layouts(), split_after=issued)
        )
        ended = live and footage.resting(camera, now)
        return web.Response(
            text=hls.build_playlist(parts, live=live, ended=ended),
            content_type=hls.MIME_HLS,
            headers={"Cache-Control": "no-cache"},
        )


class HlsSegmentView(HomeAssistantView):
    """Serve a byte range of one file of the token's camera: a segment or an event clip."""

    url = f"/api/heldar/hls/{_TOKEN}/{{name}}"
    name = "api:heldar:hls:segment"
    requires_auth = False
    cors_allowed = True

    async def get(self, request: web.Request, token: str, name: str) -> web.FileResponse:
        """Stream the file (Range honoured) while retention leaves it alone."""
        grant, found = _grant(request, token)
        if not footage.is_playlist_name(name):
            raise web.HTTPForbidden
        piece = footage.resolve(found.camera, name, time.time())
        if piece is None:
            raise web.HTTPNotFound
        if piece.end <= grant.start or (grant.end is not None and piece.start >= grant.end):
            raise web.HTTPForbidden
        path = piece.path
        if not await request.app[KEY_HASS].async_add_executor_job(path.is_file):
            raise web.HTTPNotFound
        return _PlayingFileResponse(path, found.data.recordings.in_use)


class HlsEventThumbnailView(HomeAssistantView):
    """Serve an event's thumbnail to an <img> with the camera's token (one for many events).

    Signing each of a busy day's 500 thumbnail URLs on its own costs tens of milliseconds on
    the event loop; one token per camera and answer costs microseconds.
    """

    url = f"/api/heldar/hls/{_TOKEN}/events/{{event_id}}.jpg"
    name = "api:heldar:hls:event_thumbnail"
    requires_auth = False

    def __init__(self, thumbnails: ThumbnailView) -> None:
        """Grab and cache with the authenticated thumbnail view's machinery."""
        self._thumbnails = thumbnails

    async def get(self, request: web.Request, token: str, event_id: str) -> web.StreamResponse:
        """Serve the JPEG of one of the token's camera's events."""
        _, found = _grant(request, token)
        if event_id not in found.camera.store.events:
            raise web.HTTPNotFound
        return await self._thumbnails.get(request, found.camera.config.slug, event_id)
