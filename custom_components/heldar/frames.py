"""Pictures from recordings, all through one frame grabber: event and segment thumbnails.

The grabber (``recorder/grabber.py``) is shared by everything in Home Assistant that shows a
frame, the camera entity's still included, so every FFmpeg that grabs one is started, bounded,
killed and cached the same way, and at most two run at once.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .recorder.events import Event
from .recorder.grabber import FrameGrabber, FrameSource
from .recorder.store import CameraStore

_KEY: HassKey[FrameGrabber] = HassKey("heldar_frame_grabber")


@callback
def frame_grabber(hass: HomeAssistant) -> FrameGrabber:
    """Return Home Assistant's one frame grabber, made on first use."""
    if (grabber := hass.data.get(_KEY)) is None:
        grabber = hass.data[_KEY] = FrameGrabber(get_ffmpeg_manager(hass).binary)
    return grabber


def event_picture_source(store: CameraStore, event: Event) -> tuple[Path, float] | None:
    """Return the file and the offset into it of an event's trigger frame.

    The clip when there is one (placed by its runs), else the event's own segment that holds
    the trigger (an event still recording, or one whose clip could not be made).
    """
    trigger = event.trigger or event.start
    if event.clip:
        lead = trigger - event.start
        for media, wall, seconds in event.clip_runs:
            if wall <= trigger < wall + seconds:
                lead = media + trigger - wall
        return store.directory / event.clip, max(lead, 0.0)
    own = [ref for ref in event.segments if not ref.shared] or event.segments
    if not own:
        return None
    holding = next((ref for ref in own if ref.start <= trigger < ref.end), own[0])
    return store.directory / holding.path, max(trigger - holding.start, 0.0)


async def event_thumbnail(hass: HomeAssistant, store: CameraStore, event: Event) -> bytes | None:
    """Return an event's thumbnail: its trigger's keyframe, else its first one."""
    if (found := event_picture_source(store, event)) is None:
        return None
    path, offset = found
    grabber = frame_grabber(hass)
    key = ("event", store.camera_id, event.id, path.name)
    jpeg = await grabber.grab(key, FrameSource.thumbnail(path, offset))
    if jpeg is None and offset:
        # The clip is shorter than the trigger's offset, or no keyframe follows it.
        jpeg = await grabber.grab(key, FrameSource.thumbnail(path))
    return jpeg


async def segment_thumbnail(hass: HomeAssistant, store: CameraStore, name: str) -> bytes | None:
    """Return the keyframe a footage segment starts with, 320 pixels wide."""
    key = ("segment", store.camera_id, name)
    return await frame_grabber(hass).grab(key, FrameSource.thumbnail(store.directory / name))
