"""Signed path tokens for HLS playback: one token authorises one camera's playlist and its files.

A player fetches the playlist, then its segments by relative URLs, without any header: as in
Home Assistant's ``stream`` component the token sits in the path, so every URL the playlist
names carries it too. The token is an HMAC over (camera, range, issue time, expiry) with a
secret that lives only in memory, so it cannot be forged, and it dies with the expiry or a
restart. It names a camera, so it opens nothing of another camera.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import hashlib
import hmac
import json
import secrets
import time

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

TOKEN_TTL = 12 * 3600.0
_SECRET: HassKey[bytes] = HassKey("heldar_hls_secret")
_SIGNATURE_BYTES = 16


@dataclass(frozen=True, slots=True)
class PlaybackGrant:
    """What a token allows: one camera's footage between ``start`` and ``end`` (None: live)."""

    camera: str
    start: float
    end: float | None
    issued: float
    expires: float


def _secret(hass: HomeAssistant) -> bytes:
    if (secret := hass.data.get(_SECRET)) is None:
        secret = hass.data[_SECRET] = secrets.token_bytes(32)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(
    hass: HomeAssistant,
    camera: str,
    start: float,
    end: float | None,
    *,
    ttl: float = TOKEN_TTL,
    now: float | None = None,
) -> str:
    """Return a token for ``camera``'s footage from ``start`` to ``end`` (None: up to now)."""
    now = time.time() if now is None else now
    body = json.dumps(
        [camera, round(start, 3), None if end is None else round(end, 3), round(now, 3), now + ttl],
        separators=(",", ":"),
    ).encode()
    signature = hmac.digest(_secret(hass), body, hashlib.sha256)[:_SIGNATURE_BYTES]
    return f"{_b64(body)}.{_b64(signature)}"


def verify(hass: HomeAssistant, token: str, now: float | None = None) -> PlaybackGrant | None:
    """Return what ``token`` grants, or None if it is forged, malformed or expired."""
    try:
        body_text, signature_text = token.split(".")
        body, signature = _unb64(body_text), _unb64(signature_text)
    except ValueError:
        return None
    expected = hmac.digest(_secret(hass), body, hashlib.sha256)[:_SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        camera, start, end, issued, expires = json.loads(body)
        grant = PlaybackGrant(
            str(camera),
            float(start),
            None if end is None else float(end),
            float(issued),
            float(expires),
        )
    except ValueError, TypeError:
        return None
    if (time.time() if now is None else now) > grant.expires:
        return None
    return grant
