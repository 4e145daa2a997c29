"""Event recordings: one per trigger window, kept as a journal file and joined into one clip.

An event starts at the first trigger minus the pre-roll and lasts until its window ends;
triggers that arrive while it is open extend it and add their reasons. Its state lives in
``<camera>/events/<id>.json``, written atomically on every change, so an event that a restart
cuts short is found again and closed with what is on disk. When it ends, its segments are
joined with FFmpeg's concat demuxer (stream copy, ``+faststart`` so phones play it at once),
trimmed to the event's start and end at keyframe precision. A failed join keeps the segments.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
import json
import logging
import os
from pathlib import Path
import secrets
import shutil
import tempfile
from typing import Any

from .process import FFmpegNotFoundError, FFmpegProcess, StopTimeouts
from .segments import read_mp4_shape
from .stderr_tail import summarize

_LOGGER = logging.getLogger(__name__)

EVENTS_DIR = "events"
CLIP_SUFFIX = ".mp4"
_JOIN_TIMEOUT = 300.0
_JOIN_STOP = StopTimeouts(interrupt=1.0, terminate=1.0, kill=1.0)


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


def concat_list(camera_dir: Path, event: Event) -> str:
    """Return the concat demuxer script that joins the event's segments and trims its ends."""
    lines = ["ffconcat version 1.0"]
    last = len(event.segments) - 1
    end = event.end if event.end is not None else event.window_end
    for index, segment in enumerate(event.segments):
        path = str(camera_dir / segment.path).replace("'", "'\\''")
        lines.append(f"file '{path}'")
        if index == 0 and event.start > segment.start:
            # Stream copy starts at the keyframe at or before this point: within one GOP.
            lines.append(f"inpoint {event.start - segment.start:.3f}")
        if index == last and end < segment.end:
            lines.append(f"outpoint {end - segment.start:.3f}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What joining produced: the clip's path relative to the camera folder, or an error."""

    clip: str | None
    error: str | None = None
    size: int = 0


async def join_clip(
    ffmpeg: str, camera_dir: Path, event: Event, *, limit: float = _JOIN_TIMEOUT
) -> ClipResult:
    """Join the event's segments into ``events/<id>.mp4``; never touches the segments.

    ``limit``: the seconds FFmpeg may take (exports scale it with their length).
    """
    if not event.segments:
        return ClipResult(None, "no footage was recorded for this event")
    loop = asyncio.get_running_loop()
    script = camera_dir / event.folder / "concat.txt"
    clip = camera_dir / EVENTS_DIR / f"{event.id}{CLIP_SUFFIX}"
    part_file = clip.with_suffix(".part.mp4")
    await loop.run_in_executor(None, _write_script, script, concat_list(camera_dir, event))
    argv = [
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "concat", "-safe", "0", "-i", str(script)),
        *("-map", "0", "-c", "copy", "-movflags", "+faststart", str(part_file)),
    ]
    try:
        process = await FFmpegProcess.start(argv)
    except FFmpegNotFoundError as err:
        return ClipResult(None, str(err))
    code: int | None = None
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                code = await process.wait()
    except asyncio.CancelledError:
        # The event stays open in its journal and is joined after a restart.
        process.kill()
        await process.wait()
        raise
    if code is None:
        await process.stop(_JOIN_STOP)
    error = None if code == 0 else summarize(process.tail.text()) or f"FFmpeg exited with {code}"
    size = 0
    if error is None:
        error, size = await loop.run_in_executor(None, _publish_clip, part_file, clip)
    with contextlib.suppress(OSError):
        await loop.run_in_executor(None, partial(script.unlink, missing_ok=True))
    if error is not None:
        await loop.run_in_executor(None, _discard, part_file)
        return ClipResult(None, error)
    return ClipResult(f"{EVENTS_DIR}/{clip.name}", size=size)


def _write_script(script: Path, text: str) -> None:
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(text, encoding="utf-8")


def _publish_clip(part_file: Path, clip: Path) -> tuple[str | None, int]:
    """Check the joined file plays (moov and samples present) and give it its final name."""
    try:
        shape = read_mp4_shape(part_file)
    except OSError as err:
        return f"the joined clip is missing: {err.strerror}", 0
    if "moov" not in shape.boxes or "mdat" not in shape.boxes:
        return "the joined clip holds no media", 0
    part_file.replace(clip)
    return None, clip.stat().st_size


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
