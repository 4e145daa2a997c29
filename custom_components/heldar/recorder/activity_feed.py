"""Feed one camera's activity meter from the fragments FFmpeg writes, and keep the levels.

FFmpeg cuts a fragment at least every second (``command.py``: ``frag_duration``) and flushes
it at once, so following the segment being written gives a level within about a second of
the picture changing: a sensor can be ``on`` within 2 s. The follower looks at the file every
``poll`` seconds; each look is one trip to an executor thread, one open and a few small reads
of the ``moof`` boxes that landed since (``frame_sizes.FrameReader``), never the media data.

The meter lives as long as the camera's recorder (``supervisor.py``), so a new FFmpeg run
keeps the learnt baseline. One run at a time feeds it: on a dual-stream camera that records
both streams, the first run to start (the footage stream's) does. Levels are written to the
camera's ``.activity`` day files (``activity_store.py``) every ``save_every`` seconds and
when a run ends; a crash loses at most that much, which then reads as unmeasured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
from pathlib import Path

from .activity import UNMEASURED, ActivityMeter
from .activity_store import ActivityStore
from .frame_sizes import FragmentFrames, FrameReader

_LOGGER = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # with ~1 s fragments: a level at most this long after FFmpeg wrote it
SAVE_SECONDS = 10.0

type ActivityListener = Callable[[int], None]


class ActivityFeed:
    """One camera's meter, its day files, and the live level a sensor shows."""

    def __init__(
        self,
        camera_dir: Path,
        listener: ActivityListener | None = None,
        *,
        poll: float = POLL_SECONDS,
        save_every: float = SAVE_SECONDS,
    ) -> None:
        """Keep levels beside the camera's footage; tell ``listener`` each new live level."""
        self.meter = ActivityMeter()
        self.store = ActivityStore(camera_dir)
        self.live = UNMEASURED
        self._listener = listener
        self.poll = poll
        self.save_every = save_every
        self._pending: list[tuple[int, int]] = []
        self._follower: Follower | None = None

    def follow(
        self, current: Callable[[], Path | None], start_of: Callable[[Path], float]
    ) -> Follower | None:
        """Start following a run's segments; None if another run already feeds the meter.

        ``current`` names the segment being written now; ``start_of`` gives a segment's
        wall-clock start (its time zero). Stop the follower when the run ends.
        """
        if self._follower is not None:
            return None
        self._follower = Follower(self, current, start_of)
        return self._follower

    def take(self, origin: float, fragments: list[FragmentFrames]) -> None:
        """Meter fragments read from a file whose time zero is ``origin`` (wall clock)."""
        for frames in fragments:
            self._pending += self.meter.add(origin, frames)
        if fragments:
            self._set_live(self.meter.live_level())

    async def save(self) -> None:
        """Write the levels known since the last save (in the executor)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.store.write, pending)
        except OSError as err:
            _LOGGER.warning("Cannot store activity levels in %s: %s", self.store.directory, err)

    def _set_live(self, level: int) -> None:
        if level != self.live:
            self.live = level
            if self._listener is not None:
                self._listener(level)

    async def ended(self, follower: Follower) -> None:
        """A run stopped: close the second in progress, store it, show nothing live."""
        if self._follower is follower:
            self._follower = None
        self._pending += self.meter.flush()
        self._set_live(UNMEASURED)
        await self.save()


class Follower:
    """One run's segments, read as they grow, fragment by fragment, into the camera's feed."""

    def __init__(
        self,
        feed: ActivityFeed,
        current: Callable[[], Path | None],
        start_of: Callable[[Path], float],
    ) -> None:
        """Start the follower's task at once."""
        self._feed = feed
        self._current = current
        self._start_of = start_of
        self._reader: FrameReader | None = None
        self._origin: float | None = None
        self._unreadable: Path | None = None
        self._task = asyncio.create_task(self._follow(), name="heldar activity")

    async def stop(self) -> None:
        """Read what the last segment still holds, then store every level."""
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        except Exception:  # the meter's failure must never fail the recording run
            _LOGGER.exception("Activity metering of %s stopped", self._reader or "a segment")
        with contextlib.suppress(Exception):
            await self._read()
        await self._feed.ended(self)

    async def _follow(self) -> None:
        loop = asyncio.get_running_loop()
        saved = loop.time()
        while True:
            path = self._current()
            if self._reader is not None and path != self._reader.path:
                await self._read()  # the fragments the closed file got since the last look
                self._reader = None
            if self._reader is None and path is not None and path != self._unreadable:
                self._reader, self._origin = FrameReader(path), None
            await self._read()
            if loop.time() - saved >= self._feed.save_every:
                saved = loop.time()
                await self._feed.save()
            await asyncio.sleep(self._feed.poll)

    async def _read(self) -> None:
        if (reader := self._reader) is None:
            return
        try:
            fragments = await asyncio.get_running_loop().run_in_executor(None, reader.read_new)
        except OSError:  # moved into an event, or deleted: its last fragments are lost
            self._reader = None
            return
        except Exception:  # a file the parser does not understand: never stop following
            _LOGGER.exception("Cannot read the frame sizes of %s", reader.path)
            self._reader, self._unreadable = None, reader.path  # said once; the next file
            return
        if not fragments:
            return
        if self._origin is None:
            # Asked at the first fragment, when the run's clock knows its first frame.
            self._origin = self._start_of(reader.path)
        self._feed.take(self._origin, fragments)
