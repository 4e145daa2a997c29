"""One camera's recordings on disk: its footage index, its finished events, and its limits.

Retention, the mirror and the media browser all read from here; the recorder feeds it as
segments close and events finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import events as ev
from .activity import threshold
from .events import Event, EventState
from .index import SegmentIndex

THUMBNAIL_SUFFIX = ".jpg"
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a camera's recordings to keep."""

    retention_hours: float = 24 * 7
    event_retention_hours: float = 24 * 30
    quota_bytes: int | None = None
    # Footage without activity may go sooner (None: kept like the rest), judged at this level.
    idle_retention_hours: float | None = None
    activity_threshold: int = threshold(0.5)


@dataclass(slots=True)
class CameraStore:
    """Everything Heldar knows about one camera's recordings."""

    camera_id: str
    name: str
    directory: Path
    index: SegmentIndex
    limits: Limits = field(default_factory=Limits)
    events: dict[str, Event] = field(default_factory=dict)
    # Events recording now (their segments fill in as they close), by id.
    open_events: dict[str, Event] = field(default_factory=dict)
    # Paths that must not be deleted right now: the open segment, an open event's files.
    busy: Callable[[], set[Path]] = field(default=lambda: set())  # noqa: PLW0108
    # When FFmpeg began the segment it writes now (None for any other file): a growing file's
    # start, which its name's second only approximates (up to 1 s early).
    opened_at: Callable[[Path], float | None] = field(default=lambda _path: None)
    # Told of each segment filed as footage, with its length (scrub previews are made from it).
    on_footage: Callable[[Path, float], None] = field(default=lambda _path, _seconds: None)

    async def load_events(self) -> None:
        """Read the finished events' journals."""
        loaded = await asyncio.get_running_loop().run_in_executor(None, ev.load_all, self.directory)
        self.events = {event.id: event for event in loaded if event.state is not EventState.OPEN}

    def event_opened(self, event: Event) -> None:
        """Follow an event from its first trigger on, as the recorder fills it in."""
        self.open_events[event.id] = event

    def event_finished(self, event: Event) -> None:
        """Take in an event whose clip is ready (or failed)."""
        self.open_events.pop(event.id, None)
        self.events[event.id] = event

    def finished_events(self) -> list[Event]:
        """Return the finished events, oldest first."""
        return sorted(self.events.values(), key=lambda event: event.start)

    def event_files(self, event: Event) -> list[Path]:
        """Return every file an event owns: clip, thumbnail, journal, kept segments."""
        files = [self.directory / event.journal]
        if event.clip:
            files.append(self.directory / event.clip)
            files.append((self.directory / event.clip).with_suffix(THUMBNAIL_SUFFIX))
        if event.state is EventState.FAILED or event.segments_until is not None:
            files += [self.directory / s.path for s in event.segments if not s.shared]
        return files

    def used_bytes(self) -> int:
        """Return the size of the footage plus the event clips."""
        return self.index.total_bytes + sum(e.clip_bytes for e in self.events.values())

    def oldest(self) -> float | None:
        """Return the start of the oldest recording (footage or event)."""
        starts = [event.start for event in self.events.values()]
        if (segment := self.index.oldest) is not None:
            starts.append(segment.start)
        return min(starts, default=None)
