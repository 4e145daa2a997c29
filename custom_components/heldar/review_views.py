"""HTTP views for playback: a camera's HLS playlist and the segment bytes it points into.

Both authorise with the playlist token in their path (see tokens.py), as players load segments
by relative URL without headers. Every request checks, in this order: the token is Heldar's,
unaltered and unexpired; the login it was issued to still stands (refresh token not revoked,
user not removed, active, allowed to log in from here); that user may still see the camera
(access.py); the file is a segment of that camera, indexed or being written, inside the
token's range; and the bytes asked for lie in the fragments inside the range or their init
sections (playback_scope.py), an unranged request only for a file wholly inside it. Anything
else is refused with 403 (a missing camera or file with 404), and no other file of the folder,
nor anything outside it, is reachable. Segments are sent with ``FileResponse``, which answers
the playlist's byte ranges.
"""

from __future__ import annotations

from pathlib import Path
import time

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from . import access, hls, playback_scope, review, tokens
from .recorder.segments import SEGMENT_RE, segment_start
from .views import _PlayingFileResponse, safe_path

PLAYLIST_URL = "/api/heldar/hls/{token}/playlist.m3u8"
_TOKEN = r"{token:[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+}"  # noqa: S105 - a route pattern
_WINDOWS = playback_scope.WindowCache()


def _grant(request: web.Request, token: str) -> tuple[tokens.PlaybackGrant, review.Found]:
    hass = request.app[KEY_HASS]
    grant = tokens.verify(hass, token)
    if grant is None:
        raise web.HTTPForbidden
    user = access.token_holder(hass, grant.refresh_token_id, request)
    found = review.find(hass, grant.camera)
    if found is None:
        raise web.HTTPNotFound
    if not access.may_read(hass, user, found):
        raise web.HTTPForbidden
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
        spans: dict[str, playback_scope.Span] = {s.name: (s.start, s.end) for s in segments}
        if current is not None and (opened := segment_start(current)) is not None:
            spans[current] = (opened.timestamp(), None)
        directory = review.camera_dir(camera)

        def build() -> list[hls.Part]:
            parts = hls.plan(
                directory,
                segments,
                review.layouts(),
                split_after=grant.issued if live else None,
                current=current,
            )
            return playback_scope.restrict(directory, parts, spans, grant.start, grant.end)

        parts = await request.app[KEY_HASS].async_add_executor_job(build)
        return web.Response(
            text=hls.build_playlist(parts, live=live),
            content_type=hls.MIME_HLS,
            headers={"Cache-Control": "no-cache"},
        )


class HlsSegmentView(HomeAssistantView):
    """Serve the bytes of one segment file that the token's playlist lists."""

    url = f"/api/heldar/hls/{_TOKEN}/{{name}}"
    name = "api:heldar:hls:segment"
    requires_auth = False
    cors_allowed = True

    async def get(self, request: web.Request, token: str, name: str) -> web.FileResponse:
        """Stream the bytes asked for (Range honoured) while retention leaves the file alone."""
        grant, found = _grant(request, token)
        camera = found.camera
        if SEGMENT_RE.match(name) is None or (opened := segment_start(name)) is None:
            raise web.HTTPForbidden
        segment = camera.store.index.get(name)
        if segment is None and name != review.current_segment(camera):
            raise web.HTTPNotFound
        span: playback_scope.Span = (
            (segment.start, segment.end) if segment is not None else (opened.timestamp(), None)
        )
        if (span[1] is not None and span[1] <= grant.start) or (
            grant.end is not None and span[0] >= grant.end
        ):
            raise web.HTTPForbidden
        asked = _asked(request)
        path, cut = await request.app[KEY_HASS].async_add_executor_job(
            _open, review.camera_dir(camera) / name, span, grant, asked
        )
        return _PlayingFileResponse(path, found.data.recordings.in_use, ranged_only=cut)


def _open(
    path: Path, span: playback_scope.Span, grant: tokens.PlaybackGrant, asked: slice | None
) -> tuple[Path, bool]:
    """Check the file and the bytes asked for, in one trip to the executor; say if it is cut.

    A plain file of the folder (a symbolic link put in a segment's place is refused); of a
    file the grant cuts, only bytes inside its window. Blocking.
    """
    path = safe_path(path.parent, path.name)
    if playback_scope.inside(span, grant.start, grant.end):
        return path, False
    cut = _WINDOWS.get(path, span, grant.start, grant.end)
    if cut is None or asked is None:
        raise web.HTTPForbidden
    try:
        size = path.stat().st_size
    except OSError as err:
        raise web.HTTPNotFound from err
    if asked.start < 0:  # bytes=-N: the last N bytes
        low, high = max(size + asked.start, 0), size
    else:
        low, high = asked.start, size if asked.stop is None else min(asked.stop, size)
    if not cut.allows(low, high):
        raise web.HTTPForbidden
    return path, True


def _asked(request: web.Request) -> slice | None:
    """Return the byte range a request asks for; None: the whole file, or malformed.

    A cut file's response sends that range whatever ``If-Range`` says (see views.py).
    """
    try:
        wanted = request.http_range
    except ValueError:
        return None
    return None if wanted.start is None else wanted
