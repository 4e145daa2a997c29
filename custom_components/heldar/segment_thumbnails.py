"""A thumbnail for every footage segment: the keyframe it starts with, grabbed once.

FFmpeg decodes that one frame in its own process (never on the event loop), scaled to 320
pixels wide; the JPEGs are kept in a bounded in-memory cache, so nothing is left on disk
when retention deletes the segment.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
import contextlib

from aiohttp import web
from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from .recorder.segments import SEGMENT_RE
from .views import authorized_camera

SEGMENT_THUMBNAIL_URL = "/api/heldar/segment_thumbnails/{camera}/{name}"
_CACHE_SIZE = 2000
_GRAB_TIMEOUT = 20.0
_GRABS_AT_ONCE = 2


def segment_thumbnail_url(camera: str, name: str) -> str:
    """Return the thumbnail URL of a segment (``camera`` is its folder name)."""
    return SEGMENT_THUMBNAIL_URL.format(camera=camera, name=name)


async def grab_keyframe(ffmpeg: str, path: str) -> bytes | None:
    """Return the first frame of a file as a JPEG, or None if FFmpeg cannot make one."""
    try:
        process = await asyncio.create_subprocess_exec(
            ffmpeg,
            *("-nostdin", "-hide_banner", "-loglevel", "error", "-skip_frame", "nokey"),
            *("-i", path, "-frames:v", "1", "-vf", "scale=320:-2", "-q:v", "5"),
            *("-f", "image2pipe", "-c:v", "mjpeg", "pipe:1"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        async with asyncio.timeout(_GRAB_TIMEOUT):
            out, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return None
    return out if process.returncode == 0 and out[:2] == b"\xff\xd8" else None


class SegmentThumbnailView(HomeAssistantView):
    """Return a segment's thumbnail, from the cache or grabbed now."""

    url = SEGMENT_THUMBNAIL_URL
    name = "api:heldar:segment_thumbnail"

    def __init__(self) -> None:
        """Start with an empty cache."""
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._grabs = asyncio.Semaphore(_GRABS_AT_ONCE)

    async def get(self, request: web.Request, camera: str, name: str) -> web.Response:
        """Serve the JPEG of an indexed segment."""
        hass = request.app[KEY_HASS]
        found = authorized_camera(request, camera)
        if SEGMENT_RE.match(name) is None or found[0].index.get(name) is None:
            raise web.HTTPNotFound
        key = (camera, name)
        if (jpeg := self._cache.get(key)) is None:
            async with self._grabs:
                if (jpeg := self._cache.get(key)) is None:
                    path = str(found[0].directory / name)
                    jpeg = await grab_keyframe(get_ffmpeg_manager(hass).binary, path)
                    if jpeg is None:
                        raise web.HTTPNotFound
                    self._cache[key] = jpeg
                    if len(self._cache) > _CACHE_SIZE:
                        self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return web.Response(
            body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
        )
