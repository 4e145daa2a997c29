"""Where each closed segment goes, and the life of the camera's event recordings.

FFmpeg writes into a landing folder: the camera folder itself, or, for a pre-roll camera, a
small buffer (tmpfs when there is room). Once a segment is closed, never before:

- if it overlaps continuous or scheduled recording it is footage, kept in the camera folder;
- if it overlaps an event (pre-roll included) it belongs to that event: moved into the event's
  folder, or, when it is also footage, referenced in place;
- otherwise, in the buffer, it waits while it may still become pre-roll, then is deleted. The
  buffer keeps just enough closed segments to cover the pre-roll, plus the one being written.

Events end when their window has ended and the segment holding that moment is closed; then
``event_writer.py`` joins them into one clip and later removes the event-only segments.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from functools import partial
import logging
from pathlib import Path
import shutil

from . import events as ev
from .event_writer import EventWriter, TaskFactory, adopt_loose_segments
from .events import Event, EventState, SegmentRef
from .ffprobe import FFprobeMissingError, probe
from .source import StreamName, StreamRoles
from .store import CameraStore

_LOGGER = logging.getLogger(__name__)

BUFFER_SEGMENT_SECONDS = 2
_FINALIZE_GRACE = 30.0
_FOOTAGE_MEMORY = 3600.0
_CLOSE_GRACE = 10.0
# A chattering sensor extends the window on every trigger: its journal is written at most this
# often (a crash loses at most this much of the window, which only trims the post-roll).
JOURNAL_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class ClosedSegment:
    """A segment FFmpeg has finished, with the wall-clock span it holds.

    ``stream``: which of a dual-stream camera's streams it holds (None: the camera's only one,
    or unknown). Each stream has an FFmpeg of its own, so a stream that is down beside the
    other may still close a segment: it is footage or an event's only if its stream is.
    """

    path: Path
    start: float
    end: float
    stream: StreamName | None = None


class Archive:
    """Route one camera's closed segments and run its events."""

    def __init__(
        self,
        camera: str,
        camera_dir: Path,
        *,
        ffmpeg: str,
        buffer_dir: Path | None = None,
        pre_roll: float = 0.0,
        on_event: Callable[[Event, str], None] | None = None,
        store: CameraStore | None = None,
    ) -> None:
        """Prepare the archive; ``buffer_dir``: pre-roll cameras; ``store``: told of it all."""
        self.camera = camera
        self.camera_dir = camera_dir
        self.buffer_dir = buffer_dir
        self.pre_roll = pre_roll
        self._store = store
        self.roles = StreamRoles()  # which stream this run's footage and events come from
        self._codec: str | None = None
        self._footage: list[list[float | None]] = []
        self._buffered: list[ClosedSegment] = []
        self._filing = asyncio.Lock()  # one filing at a time (see ``route``)
        self.open_event: Event | None = None
        self._ending: list[Event] = []
        self.writer = EventWriter(
            camera,
            camera_dir,
            ffmpeg=ffmpeg,
            journal_interval=JOURNAL_INTERVAL,
            on_event=on_event,
            store=store,
        )

    @property
    def task_factory(self) -> TaskFactory | None:
        """Who owns the joins and journal writes (Home Assistant: the config entry)."""
        return self.writer.task_factory

    @task_factory.setter
    def task_factory(self, factory: TaskFactory | None) -> None:
        self.writer.task_factory = factory

    def set_footage(self, active: bool, now: float) -> None:  # noqa: FBT001
        """Record that continuous or scheduled recording started or stopped at ``now``."""
        ongoing = bool(self._footage) and self._footage[-1][1] is None
        if active and not ongoing:
            self._footage.append([now, None])
        elif not active and ongoing:
            self._footage[-1][1] = now
        self._footage = [
            span for span in self._footage if span[1] is None or span[1] > now - _FOOTAGE_MEMORY
        ]

    def trigger(self, now: float, until: float, reason: str) -> Event:
        """Open an event (its start is ``now`` minus the pre-roll) or extend the open one."""
        event = self.open_event
        if event is None or event.window_end <= now:
            start = now - self.pre_roll
            event = Event(Event.new_id(start), self.camera, start, until, trigger=now)
            event.stream = self.roles.events
            self.open_event = event
            if reason:
                event.reasons.append(reason)
            self.writer.open(event)
            return event
        moved = until > event.window_end
        added = bool(reason) and reason not in event.reasons
        if moved:
            event.window_end = until
        if added:
            event.reasons.append(reason)
        if moved or added:
            self.writer.save_soon(event)
        return event

    # -- segments -------------------------------------------------------------------------

    async def route(self, closed: list[ClosedSegment], now: float) -> None:
        """Decide the fate of newly closed segments (file work runs in the executor).

        A dual-stream camera's two FFmpeg runs file their segments at the same time: one at
        a time here, or both would move the same buffered segment.
        """
        if not closed:
            return
        async with self._filing:
            await self._route(closed, now)

    async def _route(self, closed: list[ClosedSegment], now: float) -> None:
        loop = asyncio.get_running_loop()
        in_buffer = [
            s for s in closed if self.buffer_dir is not None and s.path.parent == self.buffer_dir
        ]
        self._buffered.extend(in_buffer)
        for segment in closed:
            if segment in in_buffer:
                continue
            event = None if self.roles.split else self._event_for(segment)
            shared = self._is_footage(segment)
            if event is None or shared:
                await self._index(segment.path, segment)
            if event is None:
                continue  # footage, where it already is
            relative = str(segment.path.relative_to(self.camera_dir))
            if not shared:
                relative = await loop.run_in_executor(
                    None, ev.move_into, self.camera_dir, segment.path, event.folder
                )
            event.segments.append(SegmentRef(relative, segment.start, segment.end, shared))
        await self._settle(now, running=True)

    async def settle(self, now: float, *, running: bool) -> None:
        """Place buffered segments, trim the buffer, and finish events whose time has come."""
        async with self._filing:
            await self._settle(now, running=running)

    async def _settle(self, now: float, *, running: bool) -> None:
        loop = asyncio.get_running_loop()
        keep: list[ClosedSegment] = []
        for segment in sorted(self._buffered, key=lambda s: s.start):
            event = self._event_for(segment)
            footage = self._is_footage(segment)
            if event is None and not footage:
                keep.append(segment)
                continue
            folder = "" if footage else event.folder if event else ""
            relative = await loop.run_in_executor(
                None, ev.move_into, self.camera_dir, segment.path, folder
            )
            if footage:
                await self._index(self.camera_dir / relative, segment)
            if event is not None:
                event.segments.append(SegmentRef(relative, segment.start, segment.end, footage))
        self._buffered = await asyncio.to_thread(self._trim_buffer, keep, now) if keep else []
        for event in self._due(now, running=running):
            self.writer.spawn(self.writer.finish(event), "event join")

    def _trim_buffer(self, segments: list[ClosedSegment], now: float) -> list[ClosedSegment]:
        """Keep the newest closed segments that cover the pre-roll; delete the rest.

        With the segment FFmpeg is writing, that is the pre-roll plus one segment. It stays
        enough until the next trim, because the pre-roll a later trigger needs starts later.
        """
        newest_first = sorted(segments, key=lambda s: s.start, reverse=True)
        kept = len(newest_first)
        for index, segment in enumerate(newest_first, start=1):
            if segment.start <= now - self.pre_roll:
                kept = index
                break
        for segment in newest_first[kept:]:
            with contextlib.suppress(FileNotFoundError):
                segment.path.unlink()
        return sorted(newest_first[:kept], key=lambda s: s.start)

    def _event_for(self, segment: ClosedSegment) -> Event | None:
        if not self._holds(segment, self.roles.events):
            return None
        for event in (self.open_event, *self._ending):
            if event is not None and event.covers(segment.start, segment.end):
                return event
        return None

    def _is_footage(self, segment: ClosedSegment) -> bool:
        # A split run's footage is the other stream's: its events' media never is.
        return (
            not self.roles.split
            and self._holds(segment, self.roles.footage)
            and any(
                segment.start < (end if end is not None else float("inf")) and segment.end > start
                for start, end in self._footage
                if start is not None
            )
        )

    @staticmethod
    def _holds(segment: ClosedSegment, stream: StreamName | None) -> bool:
        """Whether ``segment`` is of ``stream`` (as far as anyone knows)."""
        return segment.stream is None or stream is None or segment.stream == stream

    def _due(self, now: float, *, running: bool) -> list[Event]:
        """Events whose window has ended and whose last segment is in (or cannot come)."""
        event = self.open_event
        if event is not None and event.window_end <= now:
            self.open_event = None
            self._ending.append(event)
        due = []
        for ending in list(self._ending):
            covered = any(segment.end >= ending.window_end for segment in ending.segments)
            if covered or not running or now > ending.window_end + _FINALIZE_GRACE:
                self._ending.remove(ending)
                due.append(ending)
        return due

    async def recover(self, now: float) -> float | None:
        """Close events a restart cut short; resume one whose window is still open.

        Returns the resumed window's end, if any.
        """
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(None, ev.load_all, self.camera_dir)
        resumed: float | None = None
        for event in found:
            if event.state is not EventState.OPEN:  # its segments may still be kept a while
                self.writer.remove_segments_later(event)
                continue
            if event.window_end > now and resumed is None:
                self.open_event = event
                self.writer.follow(event)
                resumed = event.window_end
                continue
            event.interrupted = True
            event.window_end = min(event.window_end, now)
            await loop.run_in_executor(None, adopt_loose_segments, self.camera_dir, event)
            self.writer.spawn(self.writer.finish(event), "event join")
        return resumed

    def busy_paths(self) -> set[Path]:
        """Return the files of events still open or being joined: never to be deleted."""
        paths: set[Path] = set()
        for event in (self.open_event, *self._ending):
            if event is not None:
                paths |= {self.camera_dir / segment.path for segment in event.segments}
        return paths

    def new_run(self, roles: StreamRoles, codec: str | None = None) -> None:
        """FFmpeg is starting again: its codec as planned, else learnt from its first segment."""
        self._codec, self.roles = codec, roles

    async def _index(self, path: Path, segment: ClosedSegment) -> None:
        if self._store is None:
            return
        index = self._store.index
        if self._codec is None and index.ffprobe is not None:
            # One probe per FFmpeg run: the codec does not change within a run.
            with contextlib.suppress(FFprobeMissingError):
                measured = await probe(index.ffprobe, path)
                self._codec = measured.codec if measured else None
        stream = segment.stream or self.roles.footage
        if await index.add_closed(path, segment.start, segment.end, self._codec, stream):
            self._store.on_footage(path, segment.end - segment.start)

    @property
    def busy(self) -> bool:
        """Whether anything is waiting to be decided or finished."""
        return bool(self.open_event or self._ending or self._buffered)

    async def close(self, grace: float = _CLOSE_GRACE) -> None:
        """Wait briefly for joins in progress and release the buffer.

        A join still running after ``grace`` seconds is abandoned: its event stays open in
        its journal and is joined when the camera next starts. Shutdown is never held up.
        """
        await self.writer.close(grace)
        if self.buffer_dir is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, partial(shutil.rmtree, self.buffer_dir, ignore_errors=True)
            )
        self._buffered.clear()

    async def reset_buffer(self) -> None:
        """Start a buffering run with an empty buffer folder."""
        if self.buffer_dir is not None:
            await asyncio.get_running_loop().run_in_executor(None, _clear, self.buffer_dir)
            self._buffered.clear()


def _clear(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
