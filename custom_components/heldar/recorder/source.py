"""Where a camera's stream comes from (asked before every FFmpeg start), and what to record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from .urls import with_credentials


class StreamName(StrEnum):
    """A camera's two streams: the full-size main stream and the small sub-stream."""

    MAIN = "main"
    SUB = "sub"


@dataclass(frozen=True, slots=True)
class StreamRoles:
    """Which stream an FFmpeg run's files come from (None: a camera with one stream).

    ``split``: the run writes footage and event media from two streams apart, so buffered
    (event) segments are never footage and footage segments never belong to an event.
    """

    footage: StreamName | None = None
    events: StreamName | None = None
    split: bool = False

    @property
    def split_capable(self) -> bool:
        """Whether the camera has a stream of its own for events (a dual-stream camera)."""
        return self.events is not None and self.events != self.footage


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
    # A second stream (same credentials): footage from one, events and pre-roll from the other.
    sub_source: StreamSource | None = None
    continuous_stream: StreamName = StreamName.SUB

    @property
    def events_on_own_stream(self) -> bool:
        """Whether events come from a stream of their own, through the pre-roll buffer."""
        return (
            self.roles.split_capable and self.buffer_dir is not None and self.pre_roll_seconds > 0
        )

    @property
    def roles(self) -> StreamRoles:
        """Which stream records footage and which records events (both None: one stream)."""
        if self.sub_source is None:
            return StreamRoles()
        footage = self.continuous_stream
        events = StreamName.MAIN if footage is StreamName.SUB else StreamName.SUB
        return StreamRoles(footage, events)
