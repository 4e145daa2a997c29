"""Serve recordings and event thumbnails to the media browser, over authenticated HTTP.

Files are streamed with ``FileResponse``, which answers HTTP range requests, so players can
seek. Only ``.mp4`` recordings and ``.jpg`` thumbnails inside a known camera's folder are
served: a path that climbs out (``..``), is absolute, names a hidden file or passes through a
symbolic link is refused with 403, an unknown camera or a missing file with 404. A file being
streamed is protected from retention until the response is done.
"""

from __future__ import annotations

from collections import Counter
import logging
from pathlib import Path, PurePosixPath

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.core import HomeAssistant

from .data import async_get_hub
from .frames import event_thumbnail
from .recorder.store import CameraStore
from .recordings import RecordingsManager

_LOGGER = logging.getLogger(__name__)

RECORDING_URL = "/api/heldar/recordings/{camera}/{path}"
THUMBNAIL_URL = "/api/heldar/thumbnails/{camera}/{event_id}"
MIME_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg"}


def find_camera(hass: HomeAssistant, camera: str) -> tuple[CameraStore, RecordingsManager] | None:
    """Return a camera's store and its hub's recordings manager, by folder name."""
    if (hub := async_get_hub(hass)) is not None and (store := hub.recordings.stores.get(camera)):
        return store, hub.recordings
    return None


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
    """A file response that marks its file as playing while it is being sent."""

    def __init__(self, path: Path, in_use: Counter[Path]) -> None:
        super().__init__(path, headers={"Content-Type": MIME_TYPES[path.suffix]})
        self._playing = path
        self._in_use = in_use

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Send the file (or the requested range) while retention leaves it alone."""
        self._in_use[self._playing] += 1
        try:
            return await super().prepare(request)
        finally:
            self._in_use[self._playing] -= 1
            if self._in_use[self._playing] <= 0:
                del self._in_use[self._playing]


class RecordingView(HomeAssistantView):
    """Stream one recording (a footage segment or an event clip)."""

    url = "/api/heldar/recordings/{camera}/{path:.+}"
    name = "api:heldar:recording"

    async def get(self, request: web.Request, camera: str, path: str) -> web.FileResponse:
        """Stream the file, honouring Range."""
        hass = request.app[KEY_HASS]
        found = find_camera(hass, camera)
        if found is None:
            raise web.HTTPNotFound
        store, recordings = found
        target = await hass.async_add_executor_job(safe_path, store.directory, path)
        return _PlayingFileResponse(target, recordings.in_use)


class ThumbnailView(HomeAssistantView):
    """Return an event's thumbnail, grabbed by the frame grabber the first time (frames.py)."""

    url = THUMBNAIL_URL
    name = "api:heldar:thumbnail"

    async def get(self, request: web.Request, camera: str, event_id: str) -> web.StreamResponse:
        """Serve the JPEG of a finished or recording event."""
        hass = request.app[KEY_HASS]
        found = find_camera(hass, camera)
        if found is None:
            raise web.HTTPNotFound
        store = found[0]
        event = store.events.get(event_id) or store.open_events.get(event_id)
        if event is None or (jpeg := await event_thumbnail(hass, store, event)) is None:
            raise web.HTTPNotFound
        return web.Response(
            body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
        )
