"""Feed each camera's activity meter from the fragments FFmpeg writes, and keep the levels.

FFmpeg cuts a fragment at least every second (``command.py``: ``frag_duration``) and flushes
it at once, so following the segment being written gives a level within about a second of
the picture changing: a sensor can be ``on`` within 2 s. That takes a look every ``poll``
seconds, which only a camera whose live level somebody wants (its Activity sensor is enabled,
and it is off by default) pays for; the others are looked at every ``idle_poll`` seconds, which
is soon enough for the stored levels the timeline draws, each at its own tick so that every
tick carries a share of them. The cameras due are looked at together in **one** trip to an
executor thread (``ActivityTicker``), which lets the event loop's thread have the GIL back
between cameras:
a file that did not grow costs one ``stat``; one that did, a few small reads of the ``moof``
boxes that landed since (``frame_sizes.FrameReader``), never the media data. The meter runs in
that thread too, so the event loop's share is one wake-up a tick, whatever the number of
cameras.

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
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import threading
import time
import weakref

from .activity import UNMEASURED, ActivityMeter
from .activity_store import ActivityStore
from .frame_sizes import FrameReader

_LOGGER = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # with ~1 s fragments: a level at most this long after FFmpeg wrote it
IDLE_POLL_SECONDS = 5.0  # nobody wants the live level: the stored levels are saved every 10 s
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
        idle_poll: float = IDLE_POLL_SECONDS,
        save_every: float = SAVE_SECONDS,
        wanted: Callable[[], bool] | None = None,
    ) -> None:
        """Keep levels beside the camera's footage; tell ``listener`` each new live level.

        ``wanted`` says whether anybody wants the live level now (None: always); while
        nobody does, the camera is looked at every ``idle_poll`` seconds instead of ``poll``.
        """
        self.meter = ActivityMeter()
        self.store = ActivityStore(camera_dir)
        self.live = UNMEASURED
        self._listener = listener
        self.live_wanted: Callable[[], bool] = wanted or _always
        self.poll = poll
        self.idle_poll = idle_poll
        self.save_every = save_every
        # The meter and the levels not yet stored: touched in the ticker's thread only, and
        # by a run's last look; the lock keeps those two apart.
        self.lock = threading.Lock()
        self._pending: list[tuple[int, int]] = []
        self._saved_at = time.monotonic()
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
        self.ticker().add(self._follower)
        return self._follower

    def ticker(self) -> ActivityTicker:
        """The ticker that looks at this camera on the running loop."""
        return ticker_of(asyncio.get_running_loop(), self.poll, self.idle_poll)

    def meter_fragments(self, reader: FrameReader, origin: float) -> bool:
        """Read and meter what ``reader``'s file got since the last look. Blocking.

        Returns whether any fragment landed. Raises ``OSError`` if the file is gone.
        """
        fragments = reader.read_new()
        for frames in fragments:
            self._pending += self.meter.add(origin, frames)
        return bool(fragments)

    def save_due(self, *, force: bool = False) -> None:
        """Write the levels known since the last save, if it is time. Blocking."""
        now = time.monotonic()
        if not self._pending or not (force or now - self._saved_at >= self.save_every):
            return
        pending, self._pending, self._saved_at = self._pending, [], now
        try:
            self.store.write(pending)
        except OSError as err:
            _LOGGER.warning("Cannot store activity levels in %s: %s", self.store.directory, err)

    def flush(self) -> None:
        """Close the second in progress (the run stopped) and store everything. Blocking."""
        self._pending += self.meter.flush()
        self.save_due(force=True)

    def set_live(self, level: int) -> None:
        """Show a new live level (on the event loop)."""
        if level != self.live:
            self.live = level
            if self._listener is not None:
                self._listener(level)

    def release(self, follower: Follower) -> None:
        """A run stopped following: the next run may feed the meter."""
        if self._follower is follower:
            self._follower = None
        self.set_live(UNMEASURED)


@dataclass(slots=True)
class _Look:
    """What one tick asks of one follower, decided on the loop, answered in the thread."""

    follower: Follower
    path: Path | None  # the segment being written now
    origin: float | None  # its time zero, if the follower has no reader on it yet
    level: int | None = None  # the live level after the look, when fragments landed


class Follower:
    """One run's segments, read as they grow, fragment by fragment, into the camera's feed."""

    def __init__(
        self,
        feed: ActivityFeed,
        current: Callable[[], Path | None],
        start_of: Callable[[Path], float],
    ) -> None:
        """Follow ``current()``'s segment; ``start_of`` dates it."""
        self.feed = feed
        self._current = current
        self._start_of = start_of
        self._reader: FrameReader | None = None
        self._origin = 0.0
        self._size = -1
        self._metered = False  # whether the reader's file gave a fragment (it is dated then)
        self._unreadable: Path | None = None

    def moved_on(self) -> bool:
        """On the loop: whether the segment being written is not the one being read.

        Such a follower is looked at in the next tick whatever its cadence: the look reads the
        closed file's last fragments before it follows the new one, so no segment is skipped
        however short segments are (2 s in a pre-roll buffer) against ``idle_poll``.
        """
        path = self._current()
        if path is None or path == self._unreadable:
            return False
        return self._reader is None or path != self._reader.path

    def plan(self) -> _Look:
        """On the loop: the segment to look at and, until its first fragment, its time zero.

        The time zero is asked again at each look until a fragment lands: the run's first
        file exists from the connection on, and its footage starts at the first keyframe,
        which the run's clock learns only from FFmpeg's reports.
        """
        path = self._current()
        reading = self._reader.path if self._reader is not None else None
        dating = path is not None and path != self._unreadable
        dating = dating and (path != reading or not self._metered)
        return _Look(self, path, self._start_of(path) if dating and path is not None else None)

    def look(self, look: _Look) -> None:
        """In the ticker's thread: read what landed, meter it, store it when due."""
        feed = self.feed
        with feed.lock:
            landed = False
            if self._reader is not None and look.path != self._reader.path:
                landed = self._read(force=True)  # the closed file's last fragments
                self._reader = None
            if self._reader is None and look.path is not None and look.origin is not None:
                self._reader, self._size, self._metered = FrameReader(look.path), -1, False
            if look.origin is not None and not self._metered:
                self._origin = look.origin
            landed = self._read() or landed
            self._metered = self._metered or landed
            if landed:
                look.level = feed.meter.live_level()
            feed.save_due()

    async def stop(self) -> None:
        """Read what the last segment still holds, then store every level."""
        await self.feed.ticker().remove(self)
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._last_look)
        except Exception:  # the meter's failure must never fail the recording run
            _LOGGER.exception("Activity metering of %s stopped", self._reader or "a segment")
        self.feed.release(self)

    def _last_look(self) -> None:
        with self.feed.lock:
            self._read(force=True)
            self._reader = None
            self.feed.flush()

    def _read(self, *, force: bool = False) -> bool:
        """Meter the reader's new fragments; let go of a file gone or not understood."""
        if (reader := self._reader) is None:
            return False
        try:
            size = os.stat(reader.path).st_size  # noqa: PTH116 - one call, no Path object
            if size == self._size and not force:
                return False
            self._size = size
            return self.feed.meter_fragments(reader, self._origin)
        except OSError:  # moved into an event, or deleted: its last fragments are lost
            self._reader = None
        except Exception:  # a file the parser does not understand: never stop following
            _LOGGER.exception("Cannot read the frame sizes of %s", reader.path)
            self._reader, self._unreadable = None, reader.path  # said once; the next file
        return False


class ActivityTicker:
    """Every followed camera of one event loop, those due looked at together once a tick."""

    def __init__(self, poll: float, idle_poll: float) -> None:
        """Tick every ``poll`` seconds while anything is followed.

        A follower whose live level nobody wants is due every ``idle_poll`` seconds only, at
        a tick of its own (its phase), so that many cameras' looks are spread over the ticks.
        """
        self.poll = poll
        self._idle_every = max(1, round(idle_poll / poll))
        self._phases: dict[Follower, int] = {}  # the tick, modulo ``_idle_every``, of each
        self._next_phase = 0
        self._followers: list[Follower] = []
        self._task: asyncio.Task[None] | None = None
        self._tick: asyncio.Future[None] | None = None

    def add(self, follower: Follower) -> None:
        """Follow one more run; the ticker starts with its first."""
        self._followers.append(follower)
        self._phases[follower] = self._next_phase
        self._next_phase = (self._next_phase + 1) % self._idle_every
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="heldar activity")

    async def remove(self, follower: Follower) -> None:
        """Stop following a run, once a look at it in flight is over."""
        with contextlib.suppress(ValueError):
            self._followers.remove(follower)
        self._phases.pop(follower, None)
        if self._tick is not None and not self._tick.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._tick)
        if not self._followers and self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        ticks = 0
        while self._followers:
            await asyncio.sleep(self.poll)
            ticks = (ticks + 1) % self._idle_every
            looks = []
            for follower in self._followers:
                try:
                    if (
                        self._phases.get(follower) == ticks
                        or follower.feed.live_wanted()
                        or follower.moved_on()
                    ):
                        looks.append(follower.plan())
                except Exception:  # a run's own state; the others are still looked at
                    _LOGGER.exception("Cannot plan the activity look of a run")
            if not looks:
                continue
            self._tick = loop.run_in_executor(None, _look_all, looks)
            try:
                await self._tick
            finally:
                self._tick = None
            for look in looks:
                if look.level is not None and look.follower in self._followers:
                    look.follower.feed.set_live(look.level)


def _look_all(looks: list[_Look]) -> None:
    for look in looks:
        try:
            look.follower.look(look)
        except Exception:  # one camera's failure never stops the others' metering
            _LOGGER.exception("Activity metering failed for %s", look.path)
        # Give the GIL up between cameras: the event loop's thread waits for it otherwise
        # until the interpreter's switch interval (5 ms), which shows as loop lag.
        time.sleep(0)


def _always() -> bool:
    return True


type _Polls = tuple[float, float]
_TICKERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Polls, ActivityTicker]] = (
    weakref.WeakKeyDictionary()
)


def ticker_of(loop: asyncio.AbstractEventLoop, poll: float, idle_poll: float) -> ActivityTicker:
    """The loop's ticker for followers looked at every ``poll`` (or ``idle_poll``) seconds."""
    tickers = _TICKERS.setdefault(loop, {})
    if (ticker := tickers.get((poll, idle_poll))) is None:
        ticker = tickers[poll, idle_poll] = ActivityTicker(poll, idle_poll)
    return ticker
