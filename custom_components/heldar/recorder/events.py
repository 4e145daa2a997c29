"""Event recordings: one per trigger window, kept as a journal file and joined into one clip.

An event starts at the first trigger minus the pre-roll and lasts until its window ends;
triggers that arrive while it is open extend it and add their reasons. Its state lives in
``<camera>/events/<id>.json``, written atomically on every change, so an event that a restart
cuts short is found again and closed with what is on disk. When it ends, its segments are
joined into one clip (``clips.py``), trimmed to the event's start and end at keyframe
precision; they stay on disk a while longer for players that listed them while the event was
open (``segments_until``). A failed join keeps the segments.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import json
import logging
import os
from pathlib import Path
import secrets
import shutil
import tempfile
from typing import Any

_LOGGER = logging.getLogger(__name__)

EVENTS_DIR = "events"


class EventState(StrEnum):
    """Where an event is in its life."""

    OPEN = "open"
    FINISHED = "finished"
    FAILED = "failed"


@dataclass(slots=True)
class SegmentRef:
    """One segment an event covers: where it is and the wall-clock span it holds."""

    path: str  # relative to the camera folder
    start: float
    end: float
    shared: bool = False  # also part of continuous or scheduled footage: never deleted here


@dataclass(slots=True)
class Event:
    """One event recording."""

    id: str
    camera: str
    start: float
    window_end: float
    reasons: list[str] = field(default_factory=list)
    segments: list[SegmentRef] = field(default_factory=list)
    state: EventState = EventState.OPEN
    trigger: float = 0.0  # the first trigger; ``start`` is this minus the pre-roll
    end: float | None = None
    clip: str | None = None
    clip_bytes: int = 0
    error: str | None = None
    interrupted: bool = False
    stream: str | None = None  # on a camera with a sub-stream: which stream ("main", "sub")
    # Where the clip's media lies on the wall clock: [media_in, wall_start, seconds] runs.
    clip_runs: list[list[float]] = field(default_factory=list)
    # A finished event's segments are kept until then (players may still read them).
    segments_until: float | None = None

    def segments_kept(self, now: float) -> bool:
        """Whether the event's own segments are on disk for players (open, failed, kept a while)."""
        if self.state is not EventState.FINISHED:
            return True
        return self.segments_until is not None and self.segments_until > now

    @property
    def folder(self) -> str:
        """Return the event's segment folder, relative to the camera folder."""
        return f"{EVENTS_DIR}/{self.id}"

    @property
    def journal(self) -> str:
        """Return the event's journal file, relative to the camera folder."""
        return f"{EVENTS_DIR}/{self.id}.json"

    def covers(self, start: float, end: float) -> bool:
        """Whether a span ``[start, end)`` overlaps the event."""
        return start < self.window_end and end > self.start

    def to_json(self) -> dict[str, Any]:
        """Return the journal form."""
        data = asdict(self)
        data["state"] = self.state.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        """Read a journal."""
        segments = [SegmentRef(**segment) for segment in data.pop("segments", [])]
        state = EventState(data.pop("state", EventState.OPEN))
        return cls(**data, segments=segments, state=state)

    @staticmethod
    def new_id(start: float) -> str:
        """Return a sortable, readable id: the UTC start and a random suffix."""
        stamp = datetime.fromtimestamp(start, UTC).strftime("%Y%m%d_%H%M%S")
        return f"{stamp}_{secrets.token_hex(2)}"


def save(camera_dir: Path, event: Event) -> None:
    """Write the event's journal atomically. Blocking."""
    path = camera_dir / event.journal
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{event.id}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(event.to_json(), handle, indent=1)
    Path(temporary).replace(path)


def load_all(camera_dir: Path) -> list[Event]:
    """Read every event journal of a camera, oldest first; unreadable ones are skipped. Blocking."""
    folder = camera_dir / EVENTS_DIR
    events: list[Event] = []
    if not folder.is_dir():
        return events
    for journal in sorted(folder.glob("*.json")):
        try:
            events.append(Event.from_json(json.loads(journal.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError, KeyError) as err:
            _LOGGER.warning("Skipping unreadable event journal %s: %s", journal, err)
    return events


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def remove_event_segments(camera_dir: Path, event: Event) -> None:
    """Delete the segments only this event used (now inside its clip) and its folder. Blocking."""
    for segment in event.segments:
        if not segment.shared:
            _discard(camera_dir / segment.path)
    folder = camera_dir / event.folder
    with contextlib.suppress(OSError):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def move_into(camera_dir: Path, source: Path, relative_folder: str) -> str:
    """Move a closed segment into a folder of the camera; return its new relative path.

    Crossing file systems (the tmpfs buffer to the storage disk) copies then deletes.
    Blocking.
    """
    target_dir = camera_dir / relative_folder if relative_folder else camera_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    try:
        source.replace(target)
    except OSError:
        shutil.move(source, target)
    return os.path.relpath(target, camera_dir)
