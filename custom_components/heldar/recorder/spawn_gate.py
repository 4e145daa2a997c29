"""Start child processes one at a time, letting the event loop run between them.

Starting a process blocks the thread that starts it (``fork`` copies Home Assistant's page
tables; even ``posix_spawn`` waits for the child's ``exec``), tens of milliseconds each on a
busy host. When 32 cameras start together, their probes and FFmpeg would all start in one turn
of the loop, freezing it for over a second; taking turns bounds the freeze to one start.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from weakref import WeakKeyDictionary

_TURNS: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


@asynccontextmanager
async def spawn_turn() -> AsyncIterator[None]:
    """Wait for this loop's turn to start a process; start it inside the ``async with``."""
    loop = asyncio.get_running_loop()
    if (turn := _TURNS.get(loop)) is None:
        turn = _TURNS[loop] = asyncio.Lock()
    async with turn:
        yield
        await asyncio.sleep(0)  # a turn of the loop (its I/O and timers) before the next start
