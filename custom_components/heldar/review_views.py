"""HTTP views for playback: a camera's HLS playlist and the file bytes it points into.

Both authorise with the playlist token in their path (see tokens.py), as players load segments
by relative URL without headers. Every request checks, in this order: the token is Heldar's,
unaltered and unexpired; the login it was issued to still stands (refresh token not revoked,
user not removed, active, allowed to log in from here); that user may still see the camera
(access.py); the file is a recording of that camera that a playlist lists (a footage segment,
an event's clip or own segment, the file being written; see footage.py) inside the token's
range; and the bytes asked for are ones the token's playlist lists of that file, or its init
section (playback_scope.py), an unranged request only for a file wholly inside the range.
Anything else is refused with 403 (a missing camera or file with 404), and no other file of
the folder, nor anything outside it, is reachable. Files are sent with ``FileResponse``, which
answers the playlist's byte ranges.
"""

from __future__ import annotations

from pathlib import Path
import time

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from . import access, camera_ref, footage, hls, playback_scope, review, tokens
from .camera_ref import CameraKey, CameraRef
from .views import _PlayingFileResponse, safe_path

PLAYLIST_URL = "/api/heldar/hls/{token}/playlist.m3u8"
_TOKEN = r"{token:[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+}"  # noqa: S105 - a route pattern


def _grant(request: web.Request, token: str) -> tuple[tokens.PlaybackGrant, CameraRef]:
    hass = request.app[KEY_HASS]
    grant = tokens.verify(hass, token)
    if grant is None:
        raise web.HTTPForbidden
    user = access.token_holder(hass, grant.refresh_token_id, request)
    ref = camera_ref.find(hass, grant.subentry_id, CameraKey.SUBENTRY)
    if ref is None:
        raise web.HTTPNotFound
    if not access.may_read(hass, user, ref):
        raise web.HTTPForbidden
    return grant, ref


class HlsPlaylistView(HomeAssistantView):
    """Return the playlist of a token's camera and range."""

    url = f"/api/heldar/hls/{_TOKEN}/playlist.m3u8"
    name = "api:heldar:hls:playlist"
    requires_auth = False
    cors_allowed = True

    async def get(self, request: web.Request, token: str) -> web.Response:
        """Build the playlist from memory (live: up to now, with the growing file)."""
        grant, ref = _grant(request, token)
        camera = ref.handle
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
    """Serve the bytes of one file that the token's playlist lists: a segment or a clip."""

    url = f"/api/heldar/hls/{_TOKEN}/{{name}}"
    name = "api:heldar:hls:segment"
    requires_auth = False
    cors_allowed = True

    async def get(self, request: web.Request, token: str, name: str) -> web.FileResponse:
        """Stream the bytes asked for (Range honoured) while retention leaves the file alone."""
        grant, ref = _grant(request, token)
        if not footage.is_playlist_name(name):
            raise web.HTTPForbidden
        now = time.time()
        piece = footage.resolve(ref.handle, name, now)
        if piece is None:
            raise web.HTTPNotFound
        if piece.end <= grant.start or (grant.end is not None and piece.start >= grant.end):
            raise web.HTTPForbidden
        asked = _asked(request)
        issued = grant.issued if grant.end is None else None
        stretches = playback_scope.listed(
            ref.handle, piece, grant.start, grant.end, now, listed_since=issued
        )
        path, cut = await request.app[KEY_HASS].async_add_executor_job(
            _open, piece, stretches, asked
        )
        return _PlayingFileResponse(path, ref.hub.recordings.in_use, ranged_only=cut)


def _open(
    piece: footage.Piece, stretches: list[footage.Piece], asked: slice | None
) -> tuple[Path, bool]:
    """Check the file and the bytes asked for, in one trip to the executor; say if it is cut.

    A plain file of the camera's folder (a symbolic link put in a file's place is refused);
    of a file the grant cuts, only bytes its playlist lists (``stretches``). Blocking.
    """
    path = safe_path(piece.folder, piece.relative)
    opened = playback_scope.scope(stretches, review.layouts())
    if opened is None:
        raise web.HTTPForbidden
    if opened.whole:
        return path, False
    if asked is None:
        raise web.HTTPForbidden
    try:
        size = path.stat().st_size
    except OSError as err:
        raise web.HTTPNotFound from err
    if asked.start < 0:  # bytes=-N: the last N bytes
        low, high = max(size + asked.start, 0), size
    else:
        low, high = asked.start, size if asked.stop is None else min(asked.stop, size)
    if not opened.allows(low, high):
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
