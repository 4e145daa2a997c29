"""Scrub previews for the card: which sheets cover a range, and the sheets themselves.

``heldar/previews`` lists a range's footage segments, each with its sheet's layout and a link
signed for the connection's login (thumbnail_links.py), because an ``<img>`` sends no header.
A signed link opens that one path, while that login stands; the view still checks that its
user may see the camera, and serves only a segment the camera's index holds. A sheet that
is missing (footage recorded before previews, a failed make) is made on first request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from homeassistant.components import websocket_api
from homeassistant.components.http import HomeAssistantView
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
import probatio as vol

from . import access, camera_ref, footage
from .camera_ref import CameraKey
from .recorder.previews import COLUMNS, STEP, TILE_WIDTH, SheetLayout
from .recorder.segments import SEGMENT_RE
from .review import iso
from .thumbnail_links import thumbnail_links
from .views import authorized_camera

PREVIEW_URL = "/api/heldar/previews/{camera}/{name}"
# The card asks for the range on screen; a longer one would sign thousands of links.
MAX_RANGE = timedelta(days=2)


@callback
def async_setup(hass: HomeAssistant) -> None:
    """Register the view and the websocket command."""
    hass.http.register_view(PreviewView())
    websocket_api.async_register_command(hass, ws_previews)


def preview_url(camera: str, name: str) -> str:
    """Return the unsigned path of a segment's sheet (``camera``: its folder name)."""
    return PREVIEW_URL.format(camera=camera, name=name)


@websocket_api.websocket_command(
    {
        vol.Required("type"): "heldar/previews",
        vol.Required("camera"): str,
        vol.Required("start"): cv.datetime,
        vol.Required("end"): cv.datetime,
    }
)
@callback
def ws_previews(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Return the preview sheets of a camera's footage in a range, from memory."""
    ref = camera_ref.find(hass, msg["camera"], CameraKey.SUBENTRY)
    if ref is None:
        connection.send_error(msg["id"], "not_found", f"No Heldar camera {msg['camera']}")
        return
    if not access.may_read(hass, connection.user, ref):
        connection.send_error(msg["id"], websocket_api.ERR_UNAUTHORIZED, "Unauthorized")
        return
    start, end = msg["start"].timestamp(), msg["end"].timestamp()
    if end <= start or end - start > MAX_RANGE.total_seconds():
        connection.send_error(msg["id"], "invalid_range", "The end must follow the start.")
        return
    links = thumbnail_links(hass)
    login = connection.refresh_token_id or ""
    sheets = [
        {
            "start": iso(piece.start),
            "end": iso(piece.end),
            "tiles": SheetLayout.for_duration(piece.end - piece.start).tiles,
            "url": links.url(preview_url(ref.folder, piece.name), login),
        }
        for piece in footage.footage(ref.handle, start, end)
    ]
    connection.send_result(
        msg["id"], {"step": STEP, "columns": COLUMNS, "tile_width": TILE_WIDTH, "sheets": sheets}
    )


class PreviewView(HomeAssistantView):
    """Serve a footage segment's preview sheet, made now if it is missing."""

    url = PREVIEW_URL
    name = "api:heldar:preview"

    async def get(self, request: web.Request, camera: str, name: str) -> web.Response:
        """Serve the sheet of an indexed segment of a camera the user may see."""
        ref = authorized_camera(request, camera)
        segment = ref.store.index.get(name) if SEGMENT_RE.match(name) else None
        if segment is None or (maker := ref.hub.previews) is None:
            raise web.HTTPNotFound
        sheet = await maker.ensure(ref.store.directory / name, segment.duration)
        if sheet is None:
            raise web.HTTPNotFound
        try:
            body = await request.app.loop.run_in_executor(None, sheet.read_bytes)
        except FileNotFoundError as err:  # deleted with its segment meanwhile
            raise web.HTTPNotFound from err
        # The link is this login's own and the sheet never changes: the browser may keep it.
        return web.Response(
            body=body,
            content_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=86400"},
        )
