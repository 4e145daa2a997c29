"""Starting FFmpeg, draining its stderr and stopping it in bounded, escalating steps."""

from __future__ import annotations

import asyncio
from pathlib import Path
import time

import pytest

from custom_components.heldar.recorder.process import (
    FFmpegNotFoundError,
    FFmpegProcess,
    StopTimeouts,
)
from tests.media import pid_alive

FAST = StopTimeouts(interrupt=0.5, terminate=0.5, kill=2)


def record_argv(binary: Path, out: Path) -> list[str]:
    """Return a minimal recording command line for the fake."""
    return [str(binary), "-segment_time", "60", str(out / "%Y%m%d_%H%M%S.mp4")]


async def running(process: FFmpegProcess, out: Path) -> FFmpegProcess:
    """Wait until the fake writes, which it does only after setting up its signals."""
    async with asyncio.timeout(10):
        while not any(out.glob("*.mp4")):
            await asyncio.sleep(0.02)
    return process


async def test_missing_binary_is_reported(tmp_path: Path) -> None:
    """A binary that does not exist raises a clear error instead of crashing the task."""
    with pytest.raises(FFmpegNotFoundError, match="cannot be run"):
        await FFmpegProcess.start([str(tmp_path / "no-ffmpeg")])


async def test_graceful_stop_uses_sigint(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """A cooperative FFmpeg finishes on SIGINT: no escalation, exit status 255."""
    process = await running(await FFmpegProcess.start(record_argv(fake_ffmpeg, tmp_path)), tmp_path)
    started = time.monotonic()
    assert await process.stop(FAST) == 255
    assert time.monotonic() - started < 0.5
    assert not pid_alive(process.pid)


async def test_stop_escalates_to_sigkill(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An FFmpeg that ignores SIGINT and SIGTERM is killed after the two timeouts."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "stubborn")
    process = await running(await FFmpegProcess.start(record_argv(fake_ffmpeg, tmp_path)), tmp_path)
    started = time.monotonic()
    assert await process.stop(FAST) == -9
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.5
    assert not pid_alive(process.pid)


async def test_cancelled_stop_still_kills(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling a stop midway kills FFmpeg instead of leaving it running."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "stubborn")
    process = await running(await FFmpegProcess.start(record_argv(fake_ffmpeg, tmp_path)), tmp_path)
    stopping = asyncio.create_task(process.stop(FAST))
    await asyncio.sleep(0.2)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert await process.wait() == -9


async def test_stderr_is_drained_into_the_tail(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever FFmpeg writes to stderr ends up in the bounded tail."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_STDERR", "x" * 20000 + "\nthe reason\n")
    monkeypatch.setenv("HELDAR_FAKE_CODE", "3")
    process = await FFmpegProcess.start(record_argv(fake_ffmpeg, tmp_path))
    assert await process.wait() == 3
    assert len(process.tail) == 8192
    assert process.tail.text().endswith("the reason")
    assert await process.stop(FAST) == 3  # stopping an exited process is harmless
