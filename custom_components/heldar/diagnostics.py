"""Diagnostics: settings, recorder state, FFmpeg and storage, with every credential removed."""

from __future__ import annotations

import dataclasses
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .camera_handle import CameraHandle
from .const import CONF_PASSWORD, CONF_STREAM_URL, CONF_USERNAME
from .data import HeldarConfigEntry
from .recorder.probe import ffmpeg_version
from .recorder.urls import mask

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HeldarConfigEntry
) -> dict[str, Any]:
    """Return the hub, FFmpeg, storage and every camera's settings and recorder state."""
    data = entry.runtime_data
    version = await ffmpeg_version(data.manager.ffmpeg_binary)
    recordings = data.recordings
    retention = recordings.last_retention
    mirror = recordings.last_mirror
    return {
        "hub": dict(entry.data),
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
    }


def _camera(camera: CameraHandle) -> dict[str, Any]:
    settings = async_redact_data(dataclasses.asdict(camera.config), TO_REDACT)
    # Credentials are kept out of the URL, but query parameters may still carry some.
    settings[CONF_STREAM_URL] = mask(settings[CONF_STREAM_URL])
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
