"""HTTP views for playback: a camera's HLS playlist and the segment files it points into.

Both authorise with the token in their path (see tokens.py), as players load segments by
relative URL without headers. A file is served only if it is a segment of the token's camera,
indexed (or being written) and inside the token's range: a forged, expired or other camera's
token gets 403, and no other file of the camera's folder, nor anything outside it, is
reachable. Segments are sent with ``FileResponse``, which answers the playlist's byte ranges.
"""

from __future__ import annotations

import time

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from . import hls, review, tokens
from .recorder.segments import SEGMENT_RE, segment_start
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
        """Build the playlist from the index (live: up to now, with the growing file)."""
        grant, found = _grant(request, token)
        camera = found.camera
        live = grant.end is None
        segments = review.footage(camera, grant.start, grant.end or time.time() + 1)
        current = review.current_segment(camera) if live else None
        hass = request.app[KEY_HASS]
        parts = await hass.async_add_executor_job(
            lambda: hls.plan(
                review.camera_dir(camera),
                segments,
                review.layouts(),
                split_after=grant.issued if live else None,
                current=current,
            )
        )
        return web.Response(
            text=hls.build_playlist(parts, live=live),
            content_type=hls.MIME_HLS,
            headers={"Cache-Control": "no-cache"},
        )


class HlsSegmentView(HomeAssistantView):
    """Serve a byte range of one segment file of the token's camera."""

    url = f"/api/heldar/hls/{_TOKEN}/{{name}}"
    name = "api:heldar:hls:segment"
    requires_auth = False
    cors_allowed = True

    async def get(self, request: web.Request, token: str, name: str) -> web.FileResponse:
        """Stream the file (Range honoured) while retention leaves it alone."""
        grant, found = _grant(request, token)
        camera = found.camera
        if SEGMENT_RE.match(name) is None or (opened := segment_start(name)) is None:
            raise web.HTTPForbidden
        segment = camera.store.index.get(name)
        if segment is None and name != review.current_segment(camera):
            raise web.HTTPNotFound
        start = segment.start if segment is not None else opened.timestamp()
        end = segment.end if segment is not None else time.time()
        if end <= grant.start or (grant.end is not None and start >= grant.end):
            raise web.HTTPForbidden
        path = review.camera_dir(camera) / name
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
