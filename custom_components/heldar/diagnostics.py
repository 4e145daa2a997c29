"""Diagnostics: settings and live recorder state, with every credential removed."""

from __future__ import annotations

import dataclasses
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_PASSWORD, CONF_STREAM_URL, CONF_USERNAME
from .recorder.probe import ffmpeg_version
from .recorder.urls import mask
from .runtime import HeldarConfigEntry

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HeldarConfigEntry
) -> dict[str, Any]:
    """Return the hub, FFmpeg and every camera's settings and recorder state."""
    data = entry.runtime_data
    version = await ffmpeg_version(data.manager.ffmpeg_binary)
    cameras = []
    for camera in data.cameras.values():
        settings = async_redact_data(dataclasses.asdict(camera.config), TO_REDACT)
        # Credentials are kept out of the URL, but query parameters may still carry some.
        settings[CONF_STREAM_URL] = mask(settings[CONF_STREAM_URL])
        cameras.append(
            {
                "subentry_id": camera.subentry_id,
                "settings": settings,
                "status": dataclasses.asdict(camera.status) if camera.status else None,
            }
        )
    return {
        "hub": dict(entry.data),
        "ffmpeg": {
            "binary": data.manager.ffmpeg_binary,
            "version": version.text if version else None,
        },
        "cameras": cameras,
    }
