"""Diagnostics: settings, recorder state, FFmpeg, storage and share links, without a credential.

Passwords and usernames are redacted by name. URLs are masked by a rule rather than a list, so
a URL field added later cannot be forgotten: every key ending in ``url``, at any depth, keeps
only its scheme, host, port and path, and every ``name=value`` in its path or query loses its
value, whatever its name (some cameras take their login in the path). Share links are listed
by their public id only.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from yarl import URL

from . import camera_ref, share
from .camera_handle import CameraHandle
from .camera_ref import CameraKey
from .const import CONF_PASSWORD, CONF_USERNAME
from .data import HeldarConfigEntry
from .recorder.probe import ffmpeg_version
from .recorder.urls import MASK, mask
from .review import iso

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}
_PATH_PARAMETER = re.compile(r"([\w.-]+)=[^&/;?]*")


def mask_url(url: str) -> str:
    """Keep a URL's scheme, host, port and path; drop its login; replace every query value."""
    try:
        parsed = URL(url)
    except ValueError:
        return MASK
    if not parsed.scheme or not parsed.host:
        return mask(url) if "://" not in url else MASK
    bare = URL.build(scheme=parsed.scheme, host=parsed.host, port=parsed.explicit_port)
    text = str(bare) + _PATH_PARAMETER.sub(rf"\1={MASK}", parsed.raw_path)
    if parsed.query:
        text += "?" + "&".join(f"{key}={MASK}" for key in parsed.query)
    return text


def mask_urls(data: Any) -> Any:
    """Return ``data`` with every string under a key ending in ``url`` masked, at any depth."""
    if isinstance(data, dict):
        return {
            key: mask_url(value)
            if isinstance(key, str) and key.lower().endswith("url") and isinstance(value, str)
            else mask_urls(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_urls(item) for item in data]
    return data


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HeldarConfigEntry
) -> dict[str, Any]:
    """Return the hub, FFmpeg, storage and every camera's settings and recorder state."""
    data = entry.runtime_data
    version = await ffmpeg_version(data.manager.ffmpeg_binary)
    recordings = data.recordings
    retention = recordings.last_retention
    mirror = recordings.last_mirror
    masked: dict[str, Any] = mask_urls(
        {
            "hub": dict(entry.data),
            "options": dict(entry.options),
            "ffmpeg": {
                "binary": data.manager.ffmpeg_binary,
                "version": version.text if version else None,
                "major": version.major if version else None,
                "ffprobe": data.ffprobe,
            },
            "storage": {
                "free_bytes": recordings.free_bytes,
                "min_free_bytes": recordings.retention.min_free_bytes,
                "last_retention": dataclasses.asdict(retention) if retention else None,
                "mirror": dataclasses.asdict(mirror) if mirror else None,
            },
            "cameras": [_camera(camera) for camera in data.cameras.values()],
            "shares": _shares(hass),
        }
    )
    return masked


def _shares(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The live share links: what each opens and until when (never the link itself)."""
    listed = []
    for item in share.registry_of(hass).live():
        ref = camera_ref.find(hass, item.camera, CameraKey.SUBENTRY)
        listed.append(
            {
                "share_id": item.share_id,
                "camera": ref.name if ref else item.camera,
                "event_id": item.event_id,
                "created": iso(item.created),
                "expires": iso(item.expires),
                "made_by": "automation" if item.user_id is None else "user",
            }
        )
    return listed


def _camera(camera: CameraHandle) -> dict[str, Any]:
    settings = async_redact_data(dataclasses.asdict(camera.config), TO_REDACT)
    status = dataclasses.asdict(camera.status) if camera.status else None
    if status is not None and status["stderr_tail"]:
        # Masked when it was captured; masked again so no future path can skip that.
        status["stderr_tail"] = mask(status["stderr_tail"])
    store = camera.store
    return {
        "subentry_id": camera.subentry_id,
        "settings": settings,
        "status": status,
        "next_schedule_change": camera.next_change.isoformat() if camera.next_change else None,
        "storage": {
            "folder": str(store.directory),
            "used_bytes": store.used_bytes(),
            "segments": len(store.index),
            "events": len(store.events),
            "quarantined": store.index.quarantined,
            "gaps_24h": store.index.gap_count(),
            "oldest": store.oldest(),
            "index_ready": store.index.ready,
        },
    }
