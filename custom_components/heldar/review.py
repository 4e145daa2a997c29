"""What reviewing footage needs to know about a camera, answered from memory.

The review API names cameras by their config-subentry id (camera_ref.py finds them). The
timeline is built from the segment index and the events (see footage.py), never from a walk
of the disk.
"""

from __future__ import annotations

from datetime import UTC, datetime
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from . import footage
from .camera_handle import CameraHandle
from .camera_ref import CameraRef
from .const import DOMAIN
from .hls import LayoutCache
from .recorder.events import Event
from .recorder.index import GAP_SECONDS

_LAYOUTS = LayoutCache()


def layouts() -> LayoutCache:
    """Return the shared cache of segment layouts."""
    return _LAYOUTS


def iso(timestamp: float) -> str:
    """Return a UTC timestamp in ISO 8601 with its offset."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def holes(
    covered: list[tuple[float, float]], start: float, end: float
) -> list[tuple[float, float]]:
    """Return the parts of ``[start, end]`` that no span covers (over 3 s long)."""
    found: list[tuple[float, float]] = []
    cursor = start
    for a, b in covered:
        if a - cursor > GAP_SECONDS:
            found.append((cursor, min(a, end)))
        cursor = max(cursor, b)
    if end - cursor > GAP_SECONDS:
        found.append((cursor, end))
    return found


def events_between(camera: CameraHandle, start: float, end: float) -> list[Event]:
    """Return the finished events overlapping ``[start, end)`` that have media, oldest first.

    Exports are not events; an event whose media is gone (its join failed and its segments
    were deleted) is not shown either: the timeline never offers what cannot play.
    """
    now = time.time()
    return [
        event
        for event in footage.events_with_media(camera, start, end, now)
        if event.id in camera.store.events
    ]


def describe(hass: HomeAssistant, ref: CameraRef) -> dict[str, Any]:
    """Return a camera's entry for heldar/cameras: its device and main entities."""
    camera = ref.handle
    device = ref.device()
    registry = er.async_get(hass)
    entities: dict[str, str | None] = {}
    for role, (domain, key) in _ROLES.items():
        unique_id = f"{camera.subentry_id}_{key}"
        entities[role] = registry.async_get_entity_id(domain, DOMAIN, unique_id)
    picture = camera.config.camera_entity or None
    if picture is None and device is not None:
        picture = next(
            (
                entry.entity_id
                for entry in er.async_entries_for_device(registry, device.id)
                if entry.domain == "camera"
            ),
            None,
        )
    entities["camera"] = picture
    return {
        "camera": camera.subentry_id,
        "name": camera.config.name,
        "device_id": device.id if device else None,
        "entities": entities,
    }


_ROLES = {
    "state": ("sensor", "recorder_state"),
    "recording": ("switch", "recording"),
    "trigger": ("button", "trigger"),
}
