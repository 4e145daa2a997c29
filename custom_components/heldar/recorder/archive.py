"""Where each closed segment goes, and the life of the camera's event recordings.

FFmpeg writes into a landing folder: the camera folder itself, or, for a pre-roll camera, a
small buffer (tmpfs when there is room). Once a segment is closed, never before:

- if it overlaps continuous or scheduled recording it is footage, kept in the camera folder;
- if it overlaps an event (pre-roll included) it belongs to that event: moved into the event's
  folder, or, when it is also footage, referenced in place;
- otherwise, in the buffer, it waits while it may still become pre-roll, then is deleted. The
  buffer keeps just enough closed segments to cover the pre-roll, plus the one being written.

Events end when their window has ended and the segment holding that moment is closed; they are
then joined into one clip and the event-only segments are removed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import contextlib
from dataclasses import dataclass
from functools import partial
import logging
import os
from pathlib import Path
import shutil
from typing import Any

from . import events as ev
from .events import Event, EventState, SegmentRef
from .ffprobe import FFprobeMissingError, probe
from .segments import segment_start
from .store import CameraStore

_LOGGER = logging.getLogger(__name__)

BUFFER_SEGMENT_SECONDS = 2
_FINALIZE_GRACE = 30.0
_FOOTAGE_MEMORY = 3600.0
_CLOSE_GRACE = 10.0
# A chattering sensor extends the window on every trigger: its journal is written at most this
# often (a crash loses at most this much of the window, which only trims the post-roll).
JOURNAL_INTERVAL = 5.0


type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]


@dataclass(frozen=True, slots=True)
class ClosedSegment:
    """A segment FFmpeg has finished, with the wall-clock span it holds."""

    path: Path
    start: float
    end: float


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
        """Prepare the archive; ``buffer_dir`` is set for pre-roll cameras.

        ``store`` (if given) is told about every footage segment and finished event.
        """
        self.camera = camera
        self.camera_dir = camera_dir
        self.buffer_dir = buffer_dir
        self.pre_roll = pre_roll
        self._ffmpeg = ffmpeg
        self._on_event = on_event
        self._store = store
        self._codec: str | None = None
        self._footage: list[list[float | None]] = []
        self._buffered: list[ClosedSegment] = []
        self.open_event: Event | None = None
        self._ending: list[Event] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._journal_lock = asyncio.Lock()
        # Who owns the joins and journal writes: Home Assistant ties them to the config entry.
        self.task_factory: TaskFactory | None = None
        self._saves_due: dict[str, tuple[asyncio.TimerHandle, Event]] = {}

    # -- inputs ---------------------------------------------------------------------------

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
            self.open_event = event
            if reason:
                event.reasons.append(reason)
            self._spawn(self._save_and_announce(event, "started"), "event start")
            return event
        moved = until > event.window_end
        added = bool(reason) and reason not in event.reasons
        if moved:
            event.window_end = until
        if added:
            event.reasons.append(reason)
        if moved or added:
            self._save_soon(event)
        return event

    # -- segments -------------------------------------------------------------------------

    async def route(self, closed: list[ClosedSegment], now: float) -> None:
        """Decide the fate of newly closed segments (file work runs in the executor)."""
        if not closed:
            return
        loop = asyncio.get_running_loop()
        in_buffer = [
            s for s in closed if self.buffer_dir is not None and s.path.parent == self.buffer_dir
        ]
        self._buffered.extend(in_buffer)
        for segment in closed:
            if segment in in_buffer:
                continue
            event = self._event_for(segment)
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
        await self.settle(now, running=True)

    async def settle(self, now: float, *, running: bool) -> None:
        """Place buffered segments, trim the buffer, and finish events whose time has come."""
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
        self._buffered = await loop.run_in_executor(None, self._trim_buffer, keep, now)
        for event in self._due(now, running=running):
            self._spawn(self._finish(event), "event join")

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
        for event in (self.open_event, *self._ending):
            if event is not None and event.covers(segment.start, segment.end):
                return event
        return None

    def _is_footage(self, segment: ClosedSegment) -> bool:
        return any(
            segment.start < (end if end is not None else float("inf")) and segment.end > start
            for start, end in self._footage
            if start is not None
        )

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

    # -- finishing ------------------------------------------------------------------------

    async def _finish(self, event: Event) -> None:
        """Join the event and announce it finished, whatever goes wrong on the way."""
        if (due := self._saves_due.pop(event.id, None)) is not None:
            due[0].cancel()  # the final write below covers it
        event.segments.sort(key=lambda s: s.start)
        last_end = max((segment.end for segment in event.segments), default=event.start)
        event.end = min(event.window_end, last_end)
        try:
            await self._join(event)
        except Exception as err:
            # Never leave the event open with no "finished": it is kept as segments.
            _LOGGER.exception("Joining event %s of %s failed", event.id, self.camera)
            event.state = EventState.FAILED
            event.error = f"joining failed: {err}"
        await self._save(event)
        if self._store is not None:
            self._store.event_finished(event)
        if self._on_event is not None:
            self._on_event(event, "finished")

    async def _join(self, event: Event) -> None:
        result = await ev.join_clip(self._ffmpeg, self.camera_dir, event)
        if result.clip is None:
            event.state = EventState.FAILED
            event.error = result.error
            _LOGGER.warning(
                "Event %s of %s kept as segments: %s", event.id, self.camera, result.error
            )
            return
        event.clip = result.clip
        event.clip_bytes = result.size
        event.state = EventState.FINISHED
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, ev.remove_event_segments, self.camera_dir, event
            )
        except OSError as err:
            # The clip plays: the event is done, only its loose segments stay behind.
            _LOGGER.warning("Event %s of %s: segments kept: %s", event.id, self.camera, err)

    async def recover(self, now: float) -> float | None:
        """Close events a restart cut short; resume one whose window is still open.

        Returns the resumed window's end, if any.
        """
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(None, ev.load_all, self.camera_dir)
        resumed: float | None = None
        for event in found:
            if event.state is not EventState.OPEN:
                continue
            if event.window_end > now and resumed is None:
                self.open_event = event
                resumed = event.window_end
                continue
            event.interrupted = True
            event.window_end = min(event.window_end, now)
            await loop.run_in_executor(None, _adopt_loose_segments, self.camera_dir, event)
            self._spawn(self._finish(event), "event join")
        return resumed

    def busy_paths(self) -> set[Path]:
        """Return the files of events still open or being joined: never to be deleted."""
        paths: set[Path] = set()
        for event in (self.open_event, *self._ending):
            if event is not None:
                paths |= {self.camera_dir / segment.path for segment in event.segments}
        return paths

    def new_run(self) -> None:
        """FFmpeg is starting again: learn the stream's codec afresh from its first segment."""
        self._codec = None

    async def _index(self, path: Path, segment: ClosedSegment) -> None:
        if self._store is None:
            return
        index = self._store.index
        if self._codec is None and index.ffprobe is not None:
            # One probe per FFmpeg run: the codec does not change within a run.
            with contextlib.suppress(FFprobeMissingError):
                measured = await probe(index.ffprobe, path)
                self._codec = measured.codec if measured else None
        await index.add_closed(path, segment.start, segment.end, self._codec)

    @property
    def busy(self) -> bool:
        """Whether anything is waiting to be decided or finished."""
        return bool(self.open_event or self._ending or self._buffered)

    async def close(self, grace: float = _CLOSE_GRACE) -> None:
        """Wait briefly for joins in progress and release the buffer.

        A join still running after ``grace`` seconds is abandoned: its event stays open in
        its journal and is joined when the camera next starts. Shutdown is never held up.
        """
        for event_id in list(self._saves_due):
            self._save_now(event_id)
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
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

    # -- plumbing -------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        name = f"heldar {what} {self.camera}"
        if self.task_factory is not None:
            task = self.task_factory(coro, name)
        else:
            task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            _LOGGER.error("%s failed", task.get_name(), exc_info=err)

    def _save_soon(self, event: Event) -> None:
        """Write the journal within ``JOURNAL_INTERVAL``: one write for a burst of changes."""
        if event.id not in self._saves_due:
            due = asyncio.get_running_loop().call_later(JOURNAL_INTERVAL, self._save_now, event.id)
            self._saves_due[event.id] = (due, event)

    def _save_now(self, event_id: str) -> None:
        if (due := self._saves_due.pop(event_id, None)) is not None:
            due[0].cancel()
            self._spawn(self._save(due[1]), "event journal")

    async def _save(self, event: Event) -> None:
        # One journal write at a time, so an older state never lands after a newer one.
        async with self._journal_lock:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, ev.save, self.camera_dir, event
                )
            except OSError as err:
                _LOGGER.warning("Cannot write the journal of event %s: %s", event.id, err)

    async def _save_and_announce(self, event: Event, phase: str) -> None:
        await self._save(event)
        if self._on_event is not None:
            self._on_event(event, phase)


def _adopt_loose_segments(camera_dir: Path, event: Event) -> None:
    """Add the segments in the event's folder that its journal misses.

    A segment moved just before a crash is on disk but not yet journaled.
    """
    known = {segment.path for segment in event.segments}
    folder = camera_dir / event.folder
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.mp4")):
        relative = os.path.relpath(path, camera_dir)
        start = segment_start(path.name)
        if relative in known or start is None:
            continue
        event.segments.append(SegmentRef(relative, start.timestamp(), path.stat().st_mtime))


def _clear(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
