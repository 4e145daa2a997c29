"""A trigger storm publishes the window end at most once a second, the latest value last."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import logging

from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.status import (
    RecorderState,
    RecorderStatus,
    StatusBoard,
    utcnow,
)
from custom_components.heldar.recorder.window_notice import extend_window, notice_of


def _board(seen: list[RecorderStatus]) -> StatusBoard:
    initial = RecorderStatus(RecorderState.IDLE, datetime.now(UTC), mode=RecordMode.EVENT)
    return StatusBoard("cam", initial, seen.append, logging.getLogger(__name__))


async def test_storm_publishes_opening_at_once_then_once_a_second() -> None:
    """A hundred extensions within a second: the opening, then one deferred latest end."""
    seen: list[RecorderStatus] = []
    board, demand = _board(seen), Demand(RecordMode.EVENT)
    base = utcnow() + timedelta(seconds=5)
    assert extend_window(board, demand, None, base) == "opened"
    assert [s.window_end for s in seen] == [base]
    ends = [base + timedelta(milliseconds=i + 1) for i in range(100)]
    assert all(extend_window(board, demand, None, end) == "extended" for end in ends)
    assert extend_window(board, demand, None, base) is None  # never shortens
    assert len(seen) == 1  # the extensions wait
    assert notice_of(board).due
    await asyncio.sleep(1.1)
    assert [s.window_end for s in seen] == [base, ends[-1]]
    assert not notice_of(board).due
    # A second after the last publish, an extension is shown at once.
    await asyncio.sleep(1.05)
    later = ends[-1] + timedelta(seconds=1)
    assert extend_window(board, demand, None, later) == "extended"
    assert seen[-1].window_end == later


async def test_window_over_before_the_deferred_publish_shows_none() -> None:
    """A deferred publish never brings back a window that has ended meanwhile."""
    seen: list[RecorderStatus] = []
    board, demand = _board(seen), Demand(RecordMode.EVENT)
    end = utcnow() + timedelta(seconds=0.2)
    extend_window(board, demand, None, end)
    extend_window(board, demand, None, end + timedelta(milliseconds=100))
    await asyncio.sleep(0.35)
    assert demand.expire(utcnow())
    board.publish(window_end=None)
    await asyncio.sleep(0.8)
    assert board.status.window_end is None
    assert not notice_of(board).due


async def test_recorder_task_end_publishes_what_is_due() -> None:
    """No timer outlives the recorder: its end publishes the latest window end."""
    seen: list[RecorderStatus] = []
    board, demand = _board(seen), Demand(RecordMode.EVENT)
    task = asyncio.create_task(asyncio.sleep(0.05))
    base = utcnow() + timedelta(seconds=30)
    extend_window(board, demand, task, base)
    extend_window(board, demand, task, base + timedelta(seconds=1))
    assert board.status.window_end == base
    await task
    await asyncio.sleep(0)
    assert board.status.window_end == base + timedelta(seconds=1)
    assert not notice_of(board).due
