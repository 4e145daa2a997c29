"""Playlist tokens: one camera, one time range, one user's login, a few hours.

Heldar's own HMAC is kept for this one kind of link only. A player loads the playlist, then
every segment by a URL relative to it, without any header; Home Assistant's signed paths
(``async_sign_path``) sign one exact path and query, so a relative segment URL cannot carry
one. As in Home Assistant's ``stream`` component the token therefore sits in the path, where
relative URLs inherit it. Every other link Heldar hands out is one of Home Assistant's signed
paths (thumbnails, downloads) or a share link (share.py).

The token is an HMAC over (kind, camera, range, issue time, expiry, refresh token id) with a
secret that lives only in memory: it cannot be forged or altered, it dies with its expiry or a
restart, and it names the refresh token it was issued to, which every request checks is still
there, with its user active and still allowed to see the camera (review_views.py). It grants
no more than its range: the views serve only the bytes of the fragments inside it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import hashlib
import hmac
import json
import secrets
import time

from homeassistant.components import websocket_api
from homeassistant.components.http.auth import STORAGE_KEY as HTTP_AUTH_KEY
from homeassistant.components.http.const import KEY_HASS_REFRESH_TOKEN_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import current_request
from homeassistant.util.hass_dict import HassKey

# A viewing session: an hour's chunk at 1x with pauses, or a live playlist left running.
PLAYLIST_TTL = 6 * 3600.0
PLAYLIST_KIND = "playlist"
_SECRET: HassKey[bytes] = HassKey("heldar_hls_secret")
_SIGNATURE_BYTES = 16


@dataclass(frozen=True, slots=True)
class PlaybackGrant:
    """What a playlist token allows: a camera's footage from ``start`` to ``end`` (None: live).

    ``subentry_id`` names the camera (camera_ref.py finds it); ``refresh_token_id`` is the login
    it was issued to; it is void once that login is.
    """

    subentry_id: str
    start: float
    end: float | None
    issued: float
    expires: float
    refresh_token_id: str


def _secret(hass: HomeAssistant) -> bytes:
    if (secret := hass.data.get(_SECRET)) is None:
        secret = hass.data[_SECRET] = secrets.token_bytes(32)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@callback
def requester(hass: HomeAssistant) -> str:
    """Return the refresh token id of whoever asks now, as ``async_sign_path`` finds it.

    The websocket connection's, else the HTTP request's, else Home Assistant's content user
    (a media player resolving media for itself, with no user behind the call).
    """
    if (connection := websocket_api.current_connection.get()) and connection.refresh_token_id:
        return connection.refresh_token_id
    if (request := current_request.get()) is not None and KEY_HASS_REFRESH_TOKEN_ID in request:
        return str(request[KEY_HASS_REFRESH_TOKEN_ID])
    return str(hass.data[HTTP_AUTH_KEY])


def issue(
    hass: HomeAssistant,
    subentry_id: str,
    start: float,
    end: float | None,
    refresh_token_id: str,
    *,
    ttl: float = PLAYLIST_TTL,
    now: float | None = None,
) -> str:
    """Return a playlist token for a camera's footage from ``start`` to ``end`` (None: live)."""
    now = time.time() if now is None else now
    body = json.dumps(
        [
            PLAYLIST_KIND,
            subentry_id,
            round(start, 3),
            None if end is None else round(end, 3),
            round(now, 3),
            round(now + ttl, 3),
            refresh_token_id,
        ],
        separators=(",", ":"),
    ).encode()
    signature = hmac.digest(_secret(hass), body, hashlib.sha256)[:_SIGNATURE_BYTES]
    return f"{_b64(body)}.{_b64(signature)}"


def verify(hass: HomeAssistant, token: str, now: float | None = None) -> PlaybackGrant | None:
    """Return what ``token`` grants, or None if it is forged, altered, malformed or expired.

    Whether its login still stands is the caller's check (it needs the request).
    """
    try:
        body_text, signature_text = token.split(".")
        body, signature = _unb64(body_text), _unb64(signature_text)
    except ValueError:
        return None
    expected = hmac.digest(_secret(hass), body, hashlib.sha256)[:_SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        kind, subentry_id, start, end, issued, expires, refresh_token_id = json.loads(body)
        grant = PlaybackGrant(
            str(subentry_id),
            float(start),
            None if end is None else float(end),
            float(issued),
            float(expires),
            str(refresh_token_id),
        )
    except ValueError, TypeError:
        return None
    if kind != PLAYLIST_KIND or (time.time() if now is None else now) > grant.expires:
        return None
    return grant
