"""Writing an event down: its journal, its joined clip, and the tasks that do both.

The archive decides which segments belong to which event; this writes each event's journal
(coalesced, one write at a time, so an older state never lands after a newer one), joins a
finished event into one clip, and tells the store and the listener.

A finished event's own segments are removed ``SEGMENTS_GRACE`` after its clip is written, not
at once: a player that listed them while the event was open (the card plays live playlists
of up to an hour back) may still read them. Until then the journal says so
(``segments_until``); a removal a restart cut short is done at the next start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import logging
import os
from pathlib import Path
import time
from typing import Any

from . import clips, events as ev
from .events import Event, EventState, SegmentRef
from .segments import segment_start
from .store import CameraStore

_LOGGER = logging.getLogger(__name__)

type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]

# How long a finished event's segments outlive its clip: more than the card's live reach
# (an hour) and the media browser's hour playlists.
SEGMENTS_GRACE = 75 * 60.0


class EventWriter:
    """Journal, join and announce one camera's events."""

    def __init__(
        self,
        camera: str,
        camera_dir: Path,
        *,
        ffmpeg: str,
        journal_interval: float,
        on_event: Callable[[Event, str], None] | None = None,
        store: CameraStore | None = None,
    ) -> None:
        """Write the events of ``camera`` into ``camera_dir``."""
        self.camera = camera
        self.camera_dir = camera_dir
        self.journal_interval = journal_interval
        self._ffmpeg = ffmpeg
        self._on_event = on_event
        self._store = store
        self._tasks: set[asyncio.Task[None]] = set()
        self._journal_lock = asyncio.Lock()
        # Who owns the joins and journal writes: Home Assistant ties them to the config entry.
        self.task_factory: TaskFactory | None = None
        self._due: dict[str, tuple[asyncio.TimerHandle, Event]] = {}
        self._removals: dict[str, asyncio.TimerHandle] = {}
        self._closing = False

    def open(self, event: Event) -> None:
        """An event starts: the store follows it at once, its journal and news follow."""
        self.follow(event)
        self.spawn(self.save_and_announce(event, "started"), "event start")

    def follow(self, event: Event) -> None:
        """Let the store follow an open event (playback reaches it while it records)."""
        if self._store is not None:
            self._store.event_opened(event)

    async def finish(self, event: Event) -> None:
        """Join the event and announce it finished, whatever goes wrong on the way."""
        if (due := self._due.pop(event.id, None)) is not None:
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
        result = await clips.join_clip(self._ffmpeg, self.camera_dir, event)
        if result.clip is None:
            event.state = EventState.FAILED
            event.error = result.error
            _LOGGER.warning(
                "Event %s of %s kept as segments: %s", event.id, self.camera, result.error
            )
            return
        event.clip = result.clip
        event.clip_bytes = result.size
        event.clip_runs = clips.clip_runs(event, result.seconds)
        event.state = EventState.FINISHED
        if any(not segment.shared for segment in event.segments):
            event.segments_until = time.time() + SEGMENTS_GRACE
            self.remove_segments_later(event)

    def remove_segments_later(self, event: Event) -> None:
        """Remove a finished event's own segments once ``segments_until`` has passed."""
        if event.segments_until is None or event.id in self._removals or self._closing:
            return  # closing: the next start removes them
        delay = max(event.segments_until - time.time(), 0.0)
        self._removals[event.id] = asyncio.get_running_loop().call_later(
            delay, self._removal_due, event
        )

    def _removal_due(self, event: Event) -> None:
        self._removals.pop(event.id, None)
        self.spawn(self._remove_segments(event), "event segments")

    async def _remove_segments(self, event: Event) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, ev.remove_event_segments, self.camera_dir, event
            )
        except OSError as err:
            # The clip plays: only the event's loose segments stay behind.
            _LOGGER.warning("Event %s of %s: segments kept: %s", event.id, self.camera, err)
            return
        event.segments_until = None
        await self._save(event)

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        """Run ``coro`` as a task of this camera's, owned by ``task_factory`` if set."""
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

    def save_soon(self, event: Event) -> None:
        """Write the journal within ``journal_interval``: one write for a burst of changes."""
        if event.id not in self._due:
            due = asyncio.get_running_loop().call_later(
                self.journal_interval, self.save_now, event.id
            )
            self._due[event.id] = (due, event)

    def save_now(self, event_id: str) -> None:
        """Write a journal that was due later now (on close, or when its time comes)."""
        if (due := self._due.pop(event_id, None)) is not None:
            due[0].cancel()
            self.spawn(self._save(due[1]), "event journal")

    async def _save(self, event: Event) -> None:
        # One journal write at a time, so an older state never lands after a newer one.
        async with self._journal_lock:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, ev.save, self.camera_dir, event
                )
            except OSError as err:
                _LOGGER.warning("Cannot write the journal of event %s: %s", event.id, err)

    async def save_and_announce(self, event: Event, phase: str) -> None:
        """Write the journal, then tell the listener: an announced event is on disk."""
        await self._save(event)
        if self._on_event is not None:
            self._on_event(event, phase)

    async def close(self, grace: float) -> None:
        """Write pending journals, and wait up to ``grace`` seconds for joins in progress.

        Segment removals not yet due are left to the next start.
        """
        self._closing = True
        for removal in self._removals.values():
            removal.cancel()
        self._removals.clear()
        for event_id in list(self._due):
            self.save_now(event_id)
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)


def adopt_loose_segments(camera_dir: Path, event: Event) -> None:
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
