"""Serve recordings and event thumbnails to the media browser, over authenticated HTTP.

Files are streamed with ``FileResponse``, which answers HTTP range requests, so players can
seek. Only ``.mp4`` recordings and ``.jpg`` thumbnails inside a known camera's folder are
served: a path that climbs out (``..``), is absolute, names a hidden file or passes through a
symbolic link is refused with 403, an unknown camera or a missing file with 404. A file being
streamed is protected from retention until the response is done.

Every request is a logged-in user's (a bearer token, or one of Home Assistant's signed paths,
which name the login that asked for them and die with it), and that user must be allowed to
see the camera (access.py); else 403.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from homeassistant.components.http import KEY_HASS, KEY_HASS_USER, HomeAssistantView

from . import access, camera_ref
from .camera_ref import CameraKey, CameraRef
from .frames import event_thumbnail
from .recorder.in_use import FilesInUse

_LOGGER = logging.getLogger(__name__)

RECORDING_URL = "/api/heldar/recordings/{camera}/{path}"
THUMBNAIL_URL = "/api/heldar/thumbnails/{camera}/{event_id}"
MIME_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg"}


def authorized_camera(request: web.Request, folder: str) -> CameraRef:
    """Return the camera a file URL names by its folder, if the request's user may see it.

    An unknown camera is 404, one the user may not see 403.
    """
    hass = request.app[KEY_HASS]
    if (ref := camera_ref.find(hass, folder, CameraKey.FOLDER)) is None:
        raise web.HTTPNotFound
    if not access.may_read(hass, request.get(KEY_HASS_USER), ref):
        raise web.HTTPForbidden
    return ref


def safe_path(base: Path, relative: str) -> Path:
    """Return ``base/relative`` if it is a plain file path inside ``base``, else raise 403.

    Blocking: it resolves the path to catch symbolic links.
    """
    pure = PurePosixPath(relative)
    if (
        not relative
        or pure.is_absolute()
        or "\\" in relative
        or "\0" in relative
        or any(part in {"", ".", ".."} or part.startswith(".") for part in pure.parts)
        or pure.suffix not in MIME_TYPES
    ):
        raise web.HTTPForbidden
    root = base.resolve()
    target = base.joinpath(*pure.parts)
    # A symbolic link anywhere on the way changes the resolved path.
    if target.resolve() != root.joinpath(*pure.parts):
        raise web.HTTPForbidden
    if not target.is_file():
        raise web.HTTPNotFound
    return target


class _PlayingFileResponse(web.FileResponse):
    """A file response that marks its file as playing while it is being sent.

    ``ranged_only``: the range asked for is sent whatever ``If-Range`` says (browsers add it
    to the next range of a file they cached a part of), as a byte-scoped link may open only
    the bytes it was checked for; the files only ever grow, so earlier bytes stay valid.
    """

    def __init__(self, path: Path, in_use: FilesInUse, *, ranged_only: bool = False) -> None:
        super().__init__(path, headers={"Content-Type": MIME_TYPES[path.suffix]})
        self._playing = path
        self._in_use = in_use
        self._ranged_only = ranged_only

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Send the file (or the requested range) while retention leaves it alone."""
        if self._ranged_only and hdrs.IF_RANGE in request.headers:
            headers = request.headers.copy()
            del headers[hdrs.IF_RANGE]
            request = request.clone(headers=headers)
        with self._in_use.hold([self._playing]):
            return await super().prepare(request)


class RecordingView(HomeAssistantView):
    """Stream one recording (a footage segment or an event clip)."""

    url = "/api/heldar/recordings/{camera}/{path:.+}"
    name = "api:heldar:recording"

    async def get(self, request: web.Request, camera: str, path: str) -> web.FileResponse:
        """Stream the file, honouring Range."""
        hass = request.app[KEY_HASS]
        ref = authorized_camera(request, camera)
        target = await hass.async_add_executor_job(safe_path, ref.store.directory, path)
        return _PlayingFileResponse(target, ref.hub.recordings.in_use)


class ThumbnailView(HomeAssistantView):
    """Return an event's thumbnail, grabbed by the frame grabber the first time (frames.py)."""

    url = THUMBNAIL_URL
    name = "api:heldar:thumbnail"

    async def get(self, request: web.Request, camera: str, event_id: str) -> web.StreamResponse:
        """Serve the JPEG of a finished or recording event."""
        hass = request.app[KEY_HASS]
        store = authorized_camera(request, camera).store
        event = store.events.get(event_id) or store.open_events.get(event_id)
        if event is None or (jpeg := await event_thumbnail(hass, store, event)) is None:
            raise web.HTTPNotFound
        return web.Response(
            body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
        )
