"""Share links: one event clip or one export, opened without a login until it expires or is revoked.

A share is the link a phone notification can carry, or one sent to a neighbour: it opens that
one file (with HTTP ranges, so it seeks) and nothing else, for at most 7 days. The link's secret
(``secrets.token_urlsafe``, 256 bits) is given out once and never stored: the registry keeps
its SHA-256, so a copy of Home Assistant's storage holds no live link. Each share also has a
public ``share_id`` that lists it (diagnostics) and revokes it (``heldar.unshare``).

Shares survive restarts (Home Assistant's ``Store``) until they expire. A share made by a user
dies with that user's right to share the camera (user removed, deactivated, no longer allowed
to see it, or the hub option withdrawn); one made by an automation lives until it expires or
is revoked. A clip that retention deleted is simply gone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from enum import StrEnum
import hashlib
import hmac
import secrets
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from . import review
from .camera_ref import CameraRef
from .const import DOMAIN

MAX_LIFETIME = timedelta(days=7)
DEFAULT_LIFETIME = timedelta(days=1)
SHARE_URL = "/api/heldar/share/{token}.mp4"
TOKEN_PATTERN = r"[A-Za-z0-9_\-]{43}"  # noqa: S105 - secrets.token_urlsafe(32)'s shape
_STORAGE_KEY = f"{DOMAIN}.shares"
_STORAGE_VERSION = 1
_KEY: HassKey[ShareRegistry] = HassKey("heldar_shares")


class ShareError(StrEnum):
    """Why a share was refused (its translation key)."""

    TOO_LONG = "share_too_long"
    NO_CLIP = "share_no_clip"
    NOT_FOUND = "share_not_found"


@dataclass(frozen=True, slots=True)
class Share:
    """One link: the event it opens, until when, and who made it (None: an automation)."""

    share_id: str
    digest: str
    camera: str  # the camera's subentry id
    event_id: str
    created: float
    expires: float
    user_id: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareRegistry:
    """The live shares, persisted; looked up by the SHA-256 of a link's secret."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start empty; ``async_load`` reads what earlier runs shared."""
        self._store: Store[dict[str, list[dict[str, Any]]]] = Store(
            hass, _STORAGE_VERSION, _STORAGE_KEY, private=True
        )
        self._shares: dict[str, Share] = {}  # by digest

    async def async_load(self) -> None:
        """Read the shares kept by earlier runs, dropping those that expired meanwhile."""
        data = await self._store.async_load() or {}
        now = time.time()
        for item in data.get("shares", []):
            try:
                found = Share(**item)
            except TypeError:
                continue
            if found.expires > now:
                self._shares[found.digest] = found

    def create(
        self, camera: str, event_id: str, lifetime: timedelta, user_id: str | None
    ) -> tuple[Share, str]:
        """Make a share; return it and the link's secret (given out once, never stored)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        made = Share(
            share_id=secrets.token_hex(6),
            digest=_digest(token),
            camera=camera,
            event_id=event_id,
            created=round(now, 3),
            expires=round(now + lifetime.total_seconds(), 3),
            user_id=user_id,
        )
        self._prune(now)
        self._shares[made.digest] = made
        self._save()
        return made, token

    def revoke(self, share_id: str) -> Share | None:
        """Revoke a share by its public id; return it, or None if there is none."""
        for digest, found in list(self._shares.items()):
            if hmac.compare_digest(found.share_id, share_id):
                del self._shares[digest]
                self._save()
                return found
        return None

    def get(self, share_id: str) -> Share | None:
        """Return a live share by its public id."""
        now = time.time()
        return next(
            (s for s in self._shares.values() if s.share_id == share_id and s.expires > now),
            None,
        )

    def lookup(self, token: str) -> Share | None:
        """Return the live share a link's secret opens, or None (unknown, revoked, expired)."""
        found = self._shares.get(_digest(token))
        return found if found is not None and found.expires > time.time() else None

    def live(self) -> list[Share]:
        """Return the shares that have not expired, oldest first."""
        now = time.time()
        return sorted((s for s in self._shares.values() if s.expires > now), key=_created)

    def _prune(self, now: float) -> None:
        for digest in [d for d, s in self._shares.items() if s.expires <= now]:
            del self._shares[digest]

    def _save(self) -> None:
        self._store.async_delay_save(
            lambda: {"shares": [asdict(s) for s in self._shares.values()]}, 1.0
        )


def _created(item: Share) -> float:
    return item.created


async def async_setup(hass: HomeAssistant) -> ShareRegistry:
    """Load the registry once (Heldar's domain setup)."""
    if (registry := hass.data.get(_KEY)) is None:
        registry = hass.data[_KEY] = ShareRegistry(hass)
        await registry.async_load()
    return registry


@callback
def registry_of(hass: HomeAssistant) -> ShareRegistry:
    """Return the loaded registry."""
    return hass.data[_KEY]


def refused(key: ShareError, /, **placeholders: str) -> ServiceValidationError:
    """Return the translated error for a refused share."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_share(
    hass: HomeAssistant,
    ref: CameraRef,
    event_id: str,
    lifetime: timedelta,
    user_id: str | None,
) -> dict[str, Any]:
    """Share one finished clip or export of a camera; the caller checked who may."""
    if lifetime > MAX_LIFETIME or lifetime.total_seconds() <= 0:
        raise refused(ShareError.TOO_LONG, days=f"{lifetime.total_seconds() / 86400:.1f}")
    event = ref.store.events.get(event_id)
    if event is None or not event.clip:
        raise refused(ShareError.NO_CLIP, event_id=event_id)
    made, token = registry_of(hass).create(ref.subentry_id, event_id, lifetime, user_id)
    path = SHARE_URL.format(token=token)
    try:
        url = f"{get_url(hass, prefer_external=True)}{path}"
    except NoURLAvailableError:
        url = path
    return {
        "share_id": made.share_id,
        "url": url,
        "path": path,
        "expires": review.iso(made.expires),
    }
