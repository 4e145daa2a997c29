"""Where a camera's stream comes from (asked before every FFmpeg start), and what to record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .urls import with_credentials


class SourceUnavailableError(Exception):
    """The stream URL cannot be had right now; the message is safe to show."""


class StreamSource(Protocol):
    """Where a camera's stream comes from, asked again before every FFmpeg start."""

    async def resolve(self) -> str:
        """Return the URL to give FFmpeg, credentials included."""
        ...


@dataclass(frozen=True, slots=True)
class StaticSource:
    """A stream URL from the camera's settings, with credentials kept apart from it."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)

    async def resolve(self) -> str:
        """Return the URL with the credentials percent-encoded into it."""
        return with_credentials(self.url, self.username, self.password)


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """What to record and where: everything that needs an FFmpeg restart to change."""

    camera_id: str
    name: str
    source: StreamSource
    output_dir: Path
    segment_seconds: int = 60
    record_audio: bool = False
    # Event cameras with a pre-roll keep FFmpeg connected, writing into this buffer.
    pre_roll_seconds: int = 0
    buffer_dir: Path | None = None
    # Asked what the camera sends before each start, until it answers (None: copy blindly).
    ffprobe: str | None = None
    transcode_mjpeg: bool = True
