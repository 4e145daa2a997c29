"""Show a moving trigger window: at once when it opens, then at most once a second.

A chattering motion sensor extends a camera's window many times a second. An extension changes
no decision (the camera records either way), yet publishing it reaches every entity of the
camera in Home Assistant, and each entity writes a state. So the window's opening is published
(and wakes the supervisor) at once; extensions are published at most once per ``INTERVAL``,
the latest one last, so the shown end is never more than ``INTERVAL`` behind.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Literal
from weakref import WeakKeyDictionary, ref

from .status import StatusBoard, utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from .modes import Demand

# How often, at most, an extended window end is published.
INTERVAL = 1.0

type Moved = Literal["opened", "extended"]


class WindowNotice:
    """When one camera's window end was last published, and the publish that is due."""

    def __init__(self, interval: float = INTERVAL) -> None:
        """Start with nothing published."""
        self.interval = interval
        self._told = -math.inf
        self._due: asyncio.TimerHandle | None = None
        self._watched: ref[asyncio.Task[None]] | None = None

    @property
    def due(self) -> bool:
        """Whether a deferred publish is waiting."""
        return self._due is not None

    def watch(self, task: asyncio.Task[None], board: StatusBoard, demand: Demand) -> None:
        """Publish what is due when ``task`` (the recorder's) ends, so no timer outlives it."""
        if self._watched is None or self._watched() is not task:
            self._watched = ref(task)
            task.add_done_callback(lambda _: self.flush(board, demand))

    def opened(self, board: StatusBoard, until: datetime) -> None:
        """A window opened: show it now, whatever was shown a moment ago."""
        self.cancel()
        self._tell(board, until)

    def moved(self, board: StatusBoard, demand: Demand) -> None:
        """The open window was extended: show it now, or within ``interval``."""
        if self._due is not None:
            return  # a publish is due and will take the latest end
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop to wait on: show it now
            self.flush(board, demand)
            return
        wait = self._told + self.interval - loop.time()
        if wait <= 0:
            self.flush(board, demand)
        else:
            self._due = loop.call_later(wait, self.flush, board, demand)

    def flush(self, board: StatusBoard, demand: Demand) -> None:
        """Publish the window's end now, if a window is still open."""
        self.cancel()
        if demand.window_end is not None:
            self._tell(board, demand.window_end)

    def cancel(self) -> None:
        """Drop a due publish."""
        if self._due is not None:
            self._due.cancel()
            self._due = None

    def _tell(self, board: StatusBoard, until: datetime) -> None:
        try:
            self._told = asyncio.get_running_loop().time()
        except RuntimeError:
            self._told = -math.inf
        board.publish(window_end=until)


# One notice per camera, keyed by its status board (the notice holds no reference to it).
_NOTICES: WeakKeyDictionary[StatusBoard, WindowNotice] = WeakKeyDictionary()


def notice_of(board: StatusBoard) -> WindowNotice:
    """Return the notice of the camera that ``board`` shows."""
    if (notice := _NOTICES.get(board)) is None:
        notice = _NOTICES[board] = WindowNotice()
    return notice


def extend_window(
    board: StatusBoard, demand: Demand, task: asyncio.Task[None] | None, until: datetime
) -> Moved | None:
    """Extend ``demand``'s window to ``until`` and show it; say whether it opened or moved.

    ``task`` is the recorder's: a publish still due when it ends is made then.
    """
    opening = not demand.trigger_active(utcnow())
    if not demand.extend(until):
        return None
    notice = notice_of(board)
    if task is not None:
        notice.watch(task, board, demand)
    if opening:
        notice.opened(board, until)
        return "opened"
    notice.moved(board, demand)
    return "extended"
