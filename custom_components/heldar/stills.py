"""A camera's picture: its newest keyframe on disk while that is recent, else one from the stream.

While a camera records, the last keyframe of its newest closed file (a footage segment, an
event's segment, or a pre-roll camera's buffered one) is at most a segment old and costs no
connection of its own. Otherwise (an idle event camera, a scheduled one between windows,
recording switched off, a camera that stopped sending) one keyframe is taken from the stream
itself: the sub-stream when there is one, with an I/O timeout on its socket and an overall
bound inside Home Assistant's 10 s image timeout. That picture is reused for 10 s; a camera
that does not answer gives no picture (the card shows a placeholder) and is asked again at
most every 10 s. Every grab runs through the one frame grabber (frames.py): its own FFmpeg,
never on the event loop, killed at its bound, gone with Home Assistant.
"""

from __future__ import annotations

import os
from pathlib import Path
import time

from homeassistant.core import HomeAssistant

from .camera_handle import CameraHandle
from .frames import frame_grabber
from .recorder.grabber import FrameSource
from .recorder.segments import SEGMENT_RE, recorded_at
from .recorder.urls import with_credentials

# A file is recent while it closed no longer ago than the camera's segment length plus this.
FRESH_SLACK = 10.0
LIVE_MAX_AGE = 10.0  # a picture from the stream is reused this long; a failure waits as long
LIVE_BOUND = 8.0  # inside Home Assistant's 10 s camera image timeout
LIVE_IO_TIMEOUT = 5.0


def newest_buffered(buffer: Path | None) -> tuple[Path, float] | None:
    """Return a pre-roll buffer's newest closed file and when it closed (about). Blocking.

    The newest file is being written; the one before it closed when that one opened.
    """
    if buffer is None:
        return None
    try:
        names = sorted(entry.name for entry in os.scandir(buffer) if SEGMENT_RE.match(entry.name))
    except OSError:
        return None
    if len(names) < 2:  # noqa: PLR2004 - the one being written and a closed one
        return None
    closed_at = recorded_at(names[-1])
    return (buffer / names[-2], closed_at) if closed_at is not None else None


class LiveStill:
    """One camera's picture, as its camera entity shows it."""

    def __init__(self, hass: HomeAssistant, camera: CameraHandle) -> None:
        """Picture ``camera``."""
        self._hass = hass
        self._camera = camera
        self._failed_at: float | None = None

    async def async_picture(self) -> bytes | None:
        """Return the newest recent keyframe on disk, else one from the stream, else None."""
        grabber = frame_grabber(self._hass)
        if (recent := await self._recent_file()) is not None:
            jpeg = await grabber.grab(("still", str(recent)), FrameSource.last_keyframe(recent))
            if jpeg is not None:
                return jpeg
        if self._failed_at is not None and time.monotonic() - self._failed_at < LIVE_MAX_AGE:
            return None
        jpeg = await grabber.grab(
            ("live", self._camera.subentry_id),
            FrameSource.live(self._stream_url(), LIVE_IO_TIMEOUT),
            max_age=LIVE_MAX_AGE,
            bound=LIVE_BOUND,
        )
        self._failed_at = None if jpeg is not None else time.monotonic()
        return jpeg

    async def _recent_file(self) -> Path | None:
        """Return the newest closed recording if it closed recently."""
        camera = self._camera
        store = camera.store
        candidates: list[tuple[float, Path]] = []
        if (newest := store.index.segments[-1:]) != []:
            candidates.append((newest[0].end, store.directory / newest[0].name))
        for event in store.open_events.values():
            candidates += [(ref.end, store.directory / ref.path) for ref in event.segments[-1:]]
        buffer = camera.recorder.spec.buffer_dir if camera.recorder is not None else None
        if buffer is not None:
            found = await self._hass.async_add_executor_job(newest_buffered, buffer)
            if found is not None:
                candidates.append((found[1], found[0]))
        if not candidates:
            return None
        closed, path = max(candidates)
        return path if time.time() - closed <= camera.config.segment_seconds + FRESH_SLACK else None

    def _stream_url(self) -> str:
        config = self._camera.config
        url = config.sub_stream_url or config.stream_url
        return with_credentials(url, config.username, config.password)
