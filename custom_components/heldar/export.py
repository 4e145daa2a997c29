"""Export a time range of a camera as one MP4: the heldar.export action and heldar/export.

The range holds what the timeline shows (footage, event clips, events still recording; see
footage.py). Its files are joined with FFmpeg's concat demuxer, stream copy and
``+faststart``, cut at the keyframe at or before the start and at the end. It runs in the
background, bound to the hub entry; while it reads a file, retention leaves it alone.
The finished file, named after the camera and its start, is kept like an event clip (same
folder, same retention), shows in the media browser, and ``heldar_export_finished`` tells
automations where it is.

Exports are bounded (export_queue.py): at most 24 hours of footage, two joins at a time per
hub with four more waiting, none that would take the disk under the hub's free-space floor,
and a time limit that grows with the footage. A user (not an automation) needs to be an
administrator, or allowed by the hub's option, and allowed to see the camera (access.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from enum import StrEnum
import logging
import os
from pathlib import Path
import secrets
import time
from typing import Any

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio as vol

from . import access, camera_ref, footage, review
from .camera_ref import CameraKey, CameraRef
from .const import DOMAIN, EVENT_EXPORT_FINISHED, GB
from .export_queue import (
    MAX_RUNNING,
    MAX_WAITING,
    ExportQueue,
    join_timeout,
    queue_of,
    sweep_export,
)
from .media_id import event_media_id
from .recorder import clips, events as ev
from .recorder.events import EVENTS_DIR, Event, EventState, SegmentRef
from .views import RECORDING_URL

_LOGGER = logging.getLogger(__name__)

MAX_EXPORT = timedelta(hours=24)
URL_LIFETIME = timedelta(hours=24)
ATTR_CAMERA = "camera"
ATTR_START = "start"
ATTR_END = "end"
ATTR_DURATION = "duration"


class ExportError(StrEnum):
    """Why an export was refused (its translation key, and the websocket error code)."""

    INVALID_RANGE = "invalid_range"
    NO_FOOTAGE = "no_footage"
    TOO_LONG = "too_long"
    NOT_A_CAMERA = "not_a_camera"
    QUEUE_FULL = "export_queue_full"
    NO_SPACE = "export_no_space"


EXPORT_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Required(ATTR_CAMERA): cv.string,
            vol.Required(ATTR_START): cv.datetime,
            vol.Exclusive(ATTR_END, "end"): cv.datetime,
            vol.Exclusive(ATTR_DURATION, "end"): cv.positive_time_period,
        }
    ),
    cv.has_at_least_one_key(ATTR_END, ATTR_DURATION),
)


def as_timestamp(moment: datetime) -> float:
    """Return a UTC timestamp; a time without a zone is in Home Assistant's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_util.get_default_time_zone())
    return moment.timestamp()


def _invalid(key: ExportError, /, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_handle_service(call: ServiceCall) -> ServiceResponse:
    """Start an export for the action; respond with where it will be."""
    hass = call.hass
    # The camera's subentry id, or its device id (what the action's selector gives).
    ref = camera_ref.require(
        hass, str(call.data[ATTR_CAMERA]), CameraKey.SUBENTRY, CameraKey.DEVICE
    )
    by_user, user = await access.context_user(hass, call.context)
    if by_user:
        access.require_export(hass, user, ref)
    start = as_timestamp(call.data[ATTR_START])
    if ATTR_END in call.data:
        end = as_timestamp(call.data[ATTR_END])
    else:
        end = start + call.data[ATTR_DURATION].total_seconds()
    return await async_start(hass, ref, start, end)


async def async_start(
    hass: HomeAssistant, ref: CameraRef, start: float, end: float
) -> dict[str, Any]:
    """Check the range, start the join in the background and describe its result."""
    if end <= start:
        raise _invalid(ExportError.INVALID_RANGE, start=review.iso(start), end=review.iso(end))
    if end - start > MAX_EXPORT.total_seconds():
        raise _invalid(ExportError.TOO_LONG, hours=f"{(end - start) / 3600:.1f}")
    camera = ref.handle
    # Footage, event clips and events still recording alike: whatever the timeline shows.
    pieces = footage.pieces(camera, start, end, time.time())
    if not pieces:
        raise _invalid(ExportError.NO_FOOTAGE, start=review.iso(start), end=review.iso(end))
    covered = footage.spans(pieces)
    gaps = review.holes(covered, start, end)
    joined = _entries(pieces)
    size = await hass.async_add_executor_job(_bytes_to_read, joined)
    entry = hass.config_entries.async_get_entry(ref.entry_id)
    if entry is None:  # pragma: no cover - found means loaded
        raise _invalid(ExportError.NOT_A_CAMERA, targets=camera.config.name)
    queue = queue_of(hass, entry)
    retention = ref.hub.recordings.retention
    free = await retention.free_bytes()
    # Checked after the last await, so no other export slips in between check and admission.
    if queue.full:
        raise _invalid(ExportError.QUEUE_FULL, running=str(MAX_RUNNING), waiting=str(MAX_WAITING))
    if free - queue.reserved_bytes - size < retention.min_free_bytes:
        raise _invalid(
            ExportError.NO_SPACE,
            size=f"{size / GB:.2f}",
            free=f"{max(free - queue.reserved_bytes, 0) / GB:.2f}",
            floor=f"{retention.min_free_bytes / GB:.2f}",
        )
    event = Event(
        id=export_id(ref.folder, start),
        camera=ref.folder,
        start=start,
        window_end=end,
        reasons=[footage.EXPORT_REASON],
        segments=[_reference(camera.store.directory, piece) for piece in pieces],
        trigger=start,
        end=end,
    )
    relative = f"{EVENTS_DIR}/{event.id}{clips.CLIP_SUFFIX}"
    result: dict[str, Any] = {
        "path": str(camera.store.directory / relative),
        "url": RECORDING_URL.format(camera=ref.folder, path=relative),
        "media_content_id": event_media_id(ref.folder, event.id).content_id,
        "seconds": round(sum(b - a for a, b in covered), 3),
        "gaps": [{"start": review.iso(a), "end": review.iso(b)} for a, b in gaps],
    }
    queue.admit(size)
    entry.async_create_background_task(
        hass,
        _async_run(hass, ref, event, joined, dict(result), (queue, size)),
        f"heldar export {event.id}",
    )
    return result


def export_id(slug: str, start: float) -> str:
    """Return an export's id, its file's name: the UTC start, the camera's folder, a suffix."""
    stamp = Event.new_id(start).rsplit("_", 1)[0]
    return f"{stamp}_{slug}_export_{secrets.token_hex(2)}"


def _reference(camera_dir: Path, piece: footage.Piece) -> SegmentRef:
    """Return what the export's journal keeps of a file it read (never its to delete)."""
    relative = os.path.relpath(piece.path, camera_dir)
    return SegmentRef(relative, piece.start, piece.end, shared=True)


def _bytes_to_read(entries: list[clips.ConcatEntry]) -> int:
    """Return the size of the files the join reads: at most what it writes. Blocking."""
    size = 0
    for entry in entries:
        with contextlib.suppress(OSError):
            size += entry.path.stat().st_size
    return size


def _entries(pieces: list[footage.Piece]) -> list[clips.ConcatEntry]:
    """Return the files to join, each cut to the stretch the range holds.

    Stretches of one file that follow each other (an event clip's runs) are one entry: the
    concat demuxer takes a file's length from its cuts, and a cut inside a file would repeat
    the frames from the keyframe before it.
    """
    entries: list[clips.ConcatEntry] = []
    for piece in pieces:
        inpoint = piece.media_in if piece.media_in > 0 else None
        outpoint = piece.media_out if piece.ends_early else None
        if entries and entries[-1].path == piece.path:
            inpoint = entries.pop().inpoint
        entries.append(clips.ConcatEntry(piece.path, inpoint, outpoint))
    return entries


async def _async_run(
    hass: HomeAssistant,
    ref: CameraRef,
    event: Event,
    entries: list[clips.ConcatEntry],
    result: dict[str, Any],
    admitted: tuple[ExportQueue, int],
) -> None:
    """Wait for a turn, join the range while its files are protected, keep it, announce it."""
    queue, size = admitted
    try:
        async with queue.turn():
            joined = await _async_join(hass, ref, event, entries, join_timeout(result["seconds"]))
    finally:
        queue.release(size)
    store = ref.store
    if joined.clip is not None:
        event.state = EventState.FINISHED
        event.clip, event.clip_bytes = joined.clip, joined.size
        await hass.async_add_executor_job(ev.save, store.directory, event)
        store.event_finished(event)
        _LOGGER.info("Exported %s of %s to %s", result["seconds"], event.camera, event.clip)
    else:
        _LOGGER.warning("Export of %s failed: %s", event.camera, joined.error)
    _fire(hass, ref, result, joined.error)


async def _async_join(
    hass: HomeAssistant,
    ref: CameraRef,
    event: Event,
    entries: list[clips.ConcatEntry],
    limit: float,
) -> clips.ClipResult:
    """Join with the files protected from retention; sweep what a cut-short join left."""
    store = ref.store
    loop = asyncio.get_running_loop()
    binary = get_ffmpeg_manager(hass).binary
    try:
        with ref.hub.recordings.in_use.hold(entry.path for entry in entries):
            async with asyncio.timeout(limit):
                joined = await clips.join_files(
                    binary,
                    entries,
                    store.directory / EVENTS_DIR / f"{event.id}{clips.CLIP_SUFFIX}",
                    movflags=clips.EXPORT_MOVFLAGS,
                    script_dir=store.directory / event.folder,
                    relative_to=store.directory,
                    limit=limit + 30,
                )
    except TimeoutError:
        joined = clips.ClipResult(None, f"the export took longer than its limit of {limit:.0f} s")
    finally:
        # Cancelled (Home Assistant stopping, the hub unloading) or timed out: the join left
        # its .part.mp4 and concat.txt. Shielded, so a second cancel cannot stop the sweep.
        with contextlib.suppress(OSError):
            await asyncio.shield(
                loop.run_in_executor(None, sweep_export, store.directory, event.id)
            )
    return joined


@callback
def _fire(hass: HomeAssistant, ref: CameraRef, result: dict[str, Any], error: str | None) -> None:
    device = ref.device()
    hass.bus.async_fire(
        EVENT_EXPORT_FINISHED,
        {
            "camera": ref.name,
            "device_id": device.id if device else None,
            **result,
            "error": error,
        },
    )
