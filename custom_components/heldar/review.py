"""What reviewing footage needs to know about a camera, answered from memory.

Cameras are named by their config-subentry id (the review API's camera key). The timeline is
built from the segment index and the finished events, never from a walk of the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN
from .hls import MAX_SEGMENT_SECONDS, LayoutCache
from .recorder.events import Event
from .recorder.index import GAP_SECONDS, SegmentInfo
from .recorder.segments import segment_name
from .runtime import CameraHandle, HeldarData

EXPORT_REASON = "export"
_LAYOUTS = LayoutCache()


@dataclass(frozen=True, slots=True)
class Found:
    """A camera and the hub that holds it."""

    camera: CameraHandle
    data: HeldarData
    entry_id: str


def find(hass: HomeAssistant, camera: str) -> Found | None:
    """Return a Heldar camera by its subentry id."""
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        data: HeldarData = entry.runtime_data
        if (handle := data.cameras.get(camera)) is not None:
            return Found(handle, data, entry.entry_id)
    return None


def layouts() -> LayoutCache:
    """Return the shared cache of segment layouts."""
    return _LAYOUTS


def iso(timestamp: float) -> str:
    """Return a UTC timestamp in ISO 8601 with its offset."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def footage(camera: CameraHandle, start: float, end: float) -> list[SegmentInfo]:
    """Return the indexed segments holding footage in ``[start, end)``, oldest first."""
    candidates = camera.store.index.between(start - MAX_SEGMENT_SECONDS, end)
    return [s for s in candidates if s.end > start and s.start < end]


def current_segment(camera: CameraHandle) -> str | None:
    """Return the name of the segment being written now, if the recorder has one open."""
    status = camera.status
    if status is None or status.last_segment is None:
        return None
    name = segment_name(status.last_segment.timestamp())
    return None if camera.store.index.get(name) is not None else name


def spans(segments: list[SegmentInfo]) -> list[tuple[float, float]]:
    """Merge segments into continuous spans (a hole over 3 s splits them)."""
    merged: list[list[float]] = []
    for segment in segments:
        if merged and segment.start - merged[-1][1] <= GAP_SECONDS:
            merged[-1][1] = max(merged[-1][1], segment.end)
        else:
            merged.append([segment.start, segment.end])
    return [(a, b) for a, b in merged]


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


def is_export(event: Event) -> bool:
    """Whether a finished "event" is in fact an export (kept like one)."""
    return event.reasons == [EXPORT_REASON]


def events_between(camera: CameraHandle, start: float, end: float) -> list[Event]:
    """Return the finished events (not exports) overlapping ``[start, end)``, oldest first."""
    return [
        event
        for event in camera.store.finished_events()
        if not is_export(event) and event.covers(start, end)
    ]


def camera_dir(camera: CameraHandle) -> Path:
    """Return the camera's folder."""
    return camera.store.directory


def live_segment(camera: CameraHandle, now: float) -> SegmentInfo | None:
    """Return the segment being written, as footage from its opening up to ``now``."""
    if (name := current_segment(camera)) is None or camera.status is None:
        return None
    opened = camera.status.last_segment
    if opened is None or opened.timestamp() >= now:
        return None
    return SegmentInfo(name, opened.timestamp(), now - opened.timestamp(), 0)


def describe(hass: HomeAssistant, found: Found) -> dict[str, Any]:
    """Return a camera's entry for heldar/cameras: its device and main entities."""
    camera = found.camera
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, camera.subentry_id), found.entry_id
    )
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


def find_by_slug(hass: HomeAssistant, slug: str) -> Found | None:
    """Return a Heldar camera by its folder name (the media browser's key)."""
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        data: HeldarData = entry.runtime_data
        for handle in data.cameras.values():
            if handle.config.slug == slug:
                return Found(handle, data, entry.entry_id)
    return None
