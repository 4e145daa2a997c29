"""A camera's picture from what Heldar already recorded: the newest keyframe on disk.

The camera entity shows it instead of asking the camera for a snapshot, so a picture costs no
extra connection. FFmpeg decodes only the keyframes (``-skip_frame nokey``) of the last seconds
of the newest closed segment and keeps the last one. It runs in an executor, one at a time per
camera, and its JPEG is cached until a newer segment closes.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
import subprocess
import tempfile

from homeassistant.core import HomeAssistant

from .recorder.index import SegmentIndex

_LOGGER = logging.getLogger(__name__)
_TIMEOUT = 20.0
_JPEG_START = b"\xff\xd8"


def last_keyframe(ffmpeg: str, segment: Path, timeout: float = _TIMEOUT) -> bytes | None:
    """Return the segment's last keyframe as a JPEG, or None if FFmpeg cannot get one.

    Blocking: run it in an executor.
    """
    with tempfile.TemporaryDirectory(prefix="heldar-still-") as folder:
        still = Path(folder) / "still.jpg"
        command = [
            ffmpeg,
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            # Start a few seconds before the end (at the keyframe before that point): a long
            # segment costs no more than a short one.
            *("-sseof", "-3", "-skip_frame", "nokey", "-i", str(segment)),
            # Each keyframe overwrites the last one written: the newest remains.
            *("-an", "-q:v", "3", "-update", "1", "-y", str(still)),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command, capture_output=True, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            _LOGGER.debug("No still from %s: %s", segment.name, err)
            return None
        image = still.read_bytes() if still.is_file() else b""
    if done.returncode != 0 or not image.startswith(_JPEG_START):
        _LOGGER.debug("No still from %s: %s", segment.name, done.stderr.decode(errors="replace"))
        return None
    return image


class StillCache:
    """The newest keyframe of one camera, extracted once per closed segment."""

    def __init__(self) -> None:
        """Start empty."""
        self._segment: str | None = None
        self._image: bytes | None = None
        self._lock = asyncio.Lock()

    async def async_newest(
        self, hass: HomeAssistant, ffmpeg: str, index: SegmentIndex
    ) -> bytes | None:
        """Return the newest closed segment's last keyframe (cached), or None before one."""
        async with self._lock:
            segments = index.segments
            if not segments:
                return self._image
            newest = segments[-1]
            if newest.name != self._segment:
                image = await hass.async_add_executor_job(
                    last_keyframe, ffmpeg, index.camera_dir / newest.name
                )
                self._segment = newest.name
                # A segment FFmpeg cannot read keeps the previous picture.
                self._image = image or self._image
            return self._image
