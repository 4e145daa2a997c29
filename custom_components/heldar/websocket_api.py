"""The review API the timeline card uses: cameras, timeline, live updates, playlists, export.

Every answer comes from memory (the segment index, the events, the registries); none walks
the disk. The contract is in the README's "Reviewing footage" section. Every command about a
camera answers only a user allowed to see it (access.py), and ``heldar/cameras`` lists only
those; exporting and sharing need an administrator or the hub's option. Links in answers are
signed for the connection's login (refresh token) and die with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components import websocket_api
from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.event import async_track_time_interval
import probatio as vol

from . import access, activity_view, camera_ref, export, footage, review, share, tokens
from .camera_ref import CameraKey, CameraRef
from .review_events import OpenEvents, event_json, reason_texts, thumbnail_url
from .review_views import PLAYLIST_URL

SUBSCRIBE_POLL = timedelta(seconds=2)
MAX_TIMELINE = timedelta(days=31)


@callback
def async_setup(hass: HomeAssistant) -> None:
    """Register the commands."""
    for command in (ws_cameras, ws_timeline, ws_subscribe, ws_playlist, ws_export, ws_share):
        websocket_api.async_register_command(hass, command)


def _camera_or_error(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> CameraRef | None:
    """Return the camera a command names (by subentry id) if its user may see it; else answer."""
    ref = camera_ref.find(hass, msg["camera"], CameraKey.SUBENTRY)
    if ref is None:
        connection.send_error(msg["id"], "not_found", f"No Heldar camera {msg['camera']}")
    elif not access.may_read(hass, connection.user, ref):
        connection.send_error(msg["id"], websocket_api.ERR_UNAUTHORIZED, "Unauthorized")
        return None
    return ref


@websocket_api.websocket_command({vol.Required("type"): "heldar/cameras"})
@callback
def ws_cameras(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """List the cameras the user may see, with their device and entities.

    ``may_export``: whether this user may export and share the camera's footage, so the card
    can offer (or not) its Download and Share.
    """
    cameras = [
        review.describe(hass, ref) | {"may_export": access.may_export(hass, connection.user, ref)}
        for ref in camera_ref.every(hass)
        if access.may_read(hass, connection.user, ref)
    ]
    connection.send_result(msg["id"], {"cameras": cameras, "time_zone": hass.config.time_zone})


@websocket_api.websocket_command(
    {
        vol.Required("type"): "heldar/timeline",
        vol.Required("camera"): str,
        vol.Required("start"): cv.datetime,
        vol.Required("end"): cv.datetime,
    }
)
@websocket_api.async_response
async def ws_timeline(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Return the recorded spans, the gaps between them and the events of a range."""
    if (ref := _camera_or_error(hass, connection, msg)) is None:
        return
    start, end = _range(msg["start"]), _range(msg["end"])
    if end <= start or end - start > MAX_TIMELINE.total_seconds():
        connection.send_error(msg["id"], "invalid_range", "The end must follow the start.")
        return
    texts = await reason_texts(hass)
    login = connection.refresh_token_id or ""
    answer = timeline(hass, ref, start, end, texts, login)
    store = ref.handle.store
    levels = await activity_view.async_load(hass, store, start, min(end, dt_now()))
    threshold = store.limits.activity_threshold
    answer["activity"] = activity_view.timeline_activity(levels, threshold, start, end)
    connection.send_result(msg["id"], answer)


def timeline(
    hass: HomeAssistant,
    ref: CameraRef,
    start: float,
    end: float,
    texts: dict[str, str],
    refresh_token_id: str,
) -> dict[str, Any]:
    """Build a timeline answer, its thumbnails signed for one login (the benchmark times it)."""
    camera = ref.handle
    now = dt_now()
    # Footage, event clips, events still recording and the file being written alike.
    clipped = footage.spans(footage.pieces(camera, start, end, now))
    events = [
        event_json(ref, event, texts, refresh_token_id)
        for event in review.events_between(camera, start, end)
    ]
    events += OpenEvents.get(hass).between(camera.subentry_id, start, end, texts)
    return {
        "spans": [{"start": review.iso(a), "end": review.iso(b)} for a, b in clipped],
        "gaps": [
            {"start": review.iso(a), "end": review.iso(b)}
            for a, b in review.holes(clipped, start, min(end, now))
        ],
        "events": events,
        "now": review.iso(now),
    }


def dt_now() -> float:
    """Return now as a UTC timestamp."""
    return datetime.now().timestamp()  # noqa: DTZ005 - a timestamp has no zone


def _range(moment: datetime) -> float:
    return moment.timestamp()


@websocket_api.websocket_command(
    {vol.Required("type"): "heldar/subscribe", vol.Required("camera"): str}
)
@callback
def ws_subscribe(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send new segments and event starts and ends of one camera as they happen.

    A segment is footage as it is indexed, or an open event's as it closes: an event camera's
    recording grows on the timeline while it lasts.
    """
    if (ref := _camera_or_error(hass, connection, msg)) is None:
        return
    camera = ref.handle
    newest = camera.store.index.segments[-1:]
    last = [newest[0].start if newest else 0.0]
    sent: set[str] = set()  # the open events' segments already sent
    msg_id = msg["id"]

    @callback
    def _poll(_now: datetime) -> None:
        if not access.may_read(hass, connection.user, ref):
            return
        closed = []
        for segment in camera.store.index.between(last[0] + 0.001, float("inf")):
            last[0] = segment.start
            closed.append((segment.start, segment.end))
        recording = [
            ref
            for event in camera.store.open_events.values()
            for ref in event.segments
            if not ref.shared
        ]
        closed += [(ref.start, ref.end) for ref in recording if ref.path not in sent]
        sent.clear()
        sent.update(ref.path for ref in recording)
        for start, end in closed:
            span = {"start": review.iso(start), "end": review.iso(end)}
            connection.send_message(websocket_api.event_message(msg_id, {"segment": span}))

    @callback
    def _event(payload: dict[str, Any], thumbnail: str | None) -> None:
        if not access.may_read(hass, connection.user, ref):
            return
        if thumbnail is not None and connection.refresh_token_id:
            payload["thumbnail"] = thumbnail_url(hass, thumbnail, connection.refresh_token_id)
        connection.send_message(websocket_api.event_message(msg_id, {"event": payload}))

    unsub_poll = async_track_time_interval(hass, _poll, SUBSCRIBE_POLL, name="heldar subscribe")
    unsub_events = OpenEvents.get(hass).listen(camera.subentry_id, _event)

    @callback
    def _unsubscribe() -> None:
        unsub_poll()
        unsub_events()

    connection.subscriptions[msg_id] = _unsubscribe
    connection.send_result(msg_id)


@websocket_api.websocket_command(
    {
        vol.Required("type"): "heldar/playlist",
        vol.Required("camera"): str,
        vol.Required("start"): cv.datetime,
        vol.Optional("end"): vol.Any(None, cv.datetime),
    }
)
@websocket_api.async_response
async def ws_playlist(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Return a signed HLS playlist URL for a range (no end: live, up to now)."""
    if (ref := _camera_or_error(hass, connection, msg)) is None:
        return
    start = _range(msg["start"])
    end = _range(msg["end"]) if msg.get("end") is not None else None
    if end is not None and end <= start:
        connection.send_error(msg["id"], "invalid_range", "The end must follow the start.")
        return
    now = dt_now()
    pieces = footage.pieces(ref.handle, start, end if end is not None else now, now)
    first = pieces[0].start if pieces else start  # the first recorded instant
    token = tokens.issue(hass, ref.subentry_id, start, end, tokens.requester(hass))
    connection.send_result(
        msg["id"], {"url": PLAYLIST_URL.format(token=token), "start": review.iso(first)}
    )


@websocket_api.websocket_command(
    {
        vol.Required("type"): "heldar/export",
        vol.Required("camera"): str,
        vol.Required("start"): cv.datetime,
        vol.Required("end"): cv.datetime,
    }
)
@websocket_api.async_response
async def ws_export(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Start an export, answering like the heldar.export action."""
    if (ref := _camera_or_error(hass, connection, msg)) is None:
        return
    access.require_export(hass, connection.user, ref)
    try:
        result = await export.async_start(hass, ref, _range(msg["start"]), _range(msg["end"]))
    except ServiceValidationError as err:
        connection.send_error(msg["id"], err.translation_key or "invalid_range", str(err))
        return
    # Signed for this connection's login: it dies with it.
    result["url"] = async_sign_path(hass, result["url"], export.URL_LIFETIME)
    connection.send_result(msg["id"], result)


@websocket_api.websocket_command(
    {
        vol.Required("type"): "heldar/share",
        vol.Required("camera"): str,
        vol.Required("event_id"): str,
        vol.Optional("expires_in", default=share.DEFAULT_LIFETIME.total_seconds()): vol.All(
            vol.Coerce(float), vol.Range(min=60)
        ),
    }
)
@websocket_api.async_response
async def ws_share(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Make a share link to one event clip or export, as the heldar.share action does."""
    if (ref := _camera_or_error(hass, connection, msg)) is None:
        return
    access.require_export(hass, connection.user, ref)
    try:
        result = await share.async_share(
            hass,
            ref,
            msg["event_id"],
            timedelta(seconds=msg["expires_in"]),
            connection.user.id if connection.user else None,
        )
    except ServiceValidationError as err:
        connection.send_error(msg["id"], err.translation_key or "invalid_format", str(err))
        return
    connection.send_result(msg["id"], result)
