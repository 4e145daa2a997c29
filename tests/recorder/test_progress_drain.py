"""Steady progress pipes are read together, once a second, and still end the usual way."""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import textwrap
import time

from custom_components.heldar.recorder.process import FFmpegProcess
from custom_components.heldar.recorder.progress import MediaClock
from custom_components.heldar.recorder.progress_drain import ProgressDrain, drain_of

# Reports every 0.6 s, like FFmpeg's once a second: steady after three.
REPORTER = textwrap.dedent(
    """
    import sys, time
    for i in range(1, 9):
        sys.stdout.write(f"frame={i * 15}\\nout_time_us={i * 600000}\\nprogress=continue\\n")
        sys.stdout.flush()
        time.sleep(0.6)
    """
)


async def test_pipes_are_read_in_one_tick_until_they_end() -> None:
    """Two pipes, one timer: each tick reads both; a closed pipe is handed back and dropped."""
    loop = asyncio.get_running_loop()
    drain = ProgressDrain(loop, period=0.1)
    fed: dict[int, list[bytes]] = {}
    ended: list[int] = []
    ends = []
    for _ in range(2):
        read, write = os.pipe()
        os.set_blocking(read, False)
        fed[read] = []
        drain.add(read, fed[read].append, functools.partial(ended.append, read))
        ends.append((read, write))
    for _, write in ends:
        os.write(write, b"frame=1\n")
    await asyncio.sleep(0.25)
    assert all(chunks == [b"frame=1\n"] for chunks in fed.values())
    (first, first_w), (second, second_w) = ends
    os.close(first_w)
    await asyncio.sleep(0.25)
    assert ended == [first]
    assert len(drain) == 1
    drain.remove(second)
    assert len(drain) == 0
    os.close(second_w)
    os.close(first)
    os.close(second)


async def test_every_tick_calls_each_pipes_watch_with_or_without_data() -> None:
    """The watch runs each tick, data or not (a silent camera must be noticed), until the end."""
    drain = ProgressDrain(asyncio.get_running_loop(), period=0.05)
    read, write = os.pipe()
    os.set_blocking(read, False)
    fed: list[bytes] = []
    ticks: list[int] = []
    drain.add(read, fed.append, lambda: None, lambda: ticks.append(len(fed)))
    await asyncio.sleep(0.3)  # nothing written: the pipe is silent, yet watched
    silent_ticks = len(ticks)
    os.write(write, b"frame=1\n")
    await asyncio.sleep(0.12)
    assert silent_ticks >= 3
    assert ticks[:silent_ticks] == [0] * silent_ticks
    assert ticks[-1] == 1  # the watch runs after the read, so it sees the new data
    os.close(write)
    await asyncio.sleep(0.12)
    after_end = len(ticks)
    await asyncio.sleep(0.12)
    assert len(ticks) == after_end  # the ended pipe is no longer watched
    assert len(drain) == 0
    os.close(read)


async def test_steady_reports_join_the_drain_and_all_arrive() -> None:
    """A steady reporter leaves the selector for the drain; every report still arrives."""
    loop = asyncio.get_running_loop()
    clock = MediaClock(loop.time)
    process = await FFmpegProcess.start([sys.executable, "-c", REPORTER], media_clock=clock)
    joined = False
    started = time.monotonic()
    while process.returncode is None and time.monotonic() - started < 15:
        joined = joined or len(drain_of(loop)) == 1
        await asyncio.sleep(0.05)
    assert await process.wait() == 0
    assert joined
    assert clock.frames == 8 * 15  # the last report, read after the exit
    assert clock.out_time_us == 8 * 600000
    assert len(drain_of(loop)) == 0  # no timer outlives the pipes


async def test_a_connecting_reporter_is_read_at_once() -> None:
    """Before frames flow steadily, each report is read as it comes (the supervisor waits)."""
    loop = asyncio.get_running_loop()
    seen: list[float] = []
    clock = MediaClock(loop.time, seen.append)
    process = await FFmpegProcess.start([sys.executable, "-c", REPORTER], media_clock=clock)
    async with asyncio.timeout(10):
        while not seen:
            await asyncio.sleep(0.01)
    assert len(drain_of(loop)) == 0
    assert not clock.steady
    process.kill()
    await process.wait()


async def test_a_failing_watch_does_not_stop_the_tick() -> None:
    """An owner's callback that raises is the loop's to log; the other pipes are still watched."""
    loop = asyncio.get_running_loop()
    errors: list[object] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context.get("exception")))
    drain = ProgressDrain(loop, period=0.05)
    read, write = os.pipe()
    os.set_blocking(read, False)
    ticks: list[None] = []

    def broken() -> None:
        msg = "owner bug"
        raise RuntimeError(msg)

    drain.add(read, lambda _: None, lambda: None, broken)
    other_read, other_write = os.pipe()
    os.set_blocking(other_read, False)
    drain.add(other_read, lambda _: None, lambda: None, lambda: ticks.append(None))
    try:
        await asyncio.sleep(0.3)
    finally:
        drain.remove(read)
        drain.remove(other_read)
        loop.set_exception_handler(None)
        for fd in (read, write, other_read, other_write):
            os.close(fd)
    assert len(errors) >= 3  # raised on every tick, and the tick went on
    assert len(ticks) >= 3  # the pipe after the broken one was watched each time
    assert all(isinstance(error, RuntimeError) for error in errors)
