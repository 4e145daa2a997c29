"""Starting FFmpeg, draining its stderr and stopping it in bounded, escalating steps."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from custom_components.heldar.recorder.process import (
    FFmpegNotFoundError,
    FFmpegProcess,
    StopTimeouts,
    finish_child,
    start_child,
)
from tests.media import pid_alive

from .helpers import fake_signals

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


async def test_ffmpeg_dies_with_the_process_that_started_it(
    fake_ffmpeg: Path, tmp_path: Path
) -> None:
    """Killing the parent with -9 (no stop path runs) still ends FFmpeg, through SIGTERM.

    The parent starts FFmpeg the way Home Assistant does: from its asyncio loop, in the main
    thread. Before PR_SET_PDEATHSIG, the child lived on after its parent was killed.
    """
    script = textwrap.dedent(
        """
        import asyncio, sys
        from pathlib import Path
        from custom_components.heldar.recorder.process import FFmpegProcess

        async def main() -> None:
            out = Path(sys.argv[2])
            argv = [sys.argv[1], "-segment_time", "60", str(out / "%Y%m%d_%H%M%S.mp4")]
            process = await FFmpegProcess.start(argv)
            print(process.pid, flush=True)
            await asyncio.sleep(120)

        asyncio.run(main())
        """
    )
    parent = subprocess.Popen(  # noqa: ASYNC220 - the parent stands for a whole HA process
        [sys.executable, "-c", script, str(fake_ffmpeg), str(tmp_path)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert parent.stdout is not None
    child = int(await asyncio.to_thread(parent.stdout.readline))
    try:
        async with asyncio.timeout(10):
            while not any(tmp_path.glob("*.mp4")):
                await asyncio.sleep(0.05)
        parent.kill()
        parent.wait()
        async with asyncio.timeout(10):
            while pid_alive(child):
                await asyncio.sleep(0.05)
        received = fake_signals(tmp_path / "fake_ffmpeg.log")
        assert received.get(child) == ["SIGTERM"]  # asked to finish its segment, not killed
    finally:
        if pid_alive(child):
            os.kill(child, signal.SIGKILL)
        parent.stdout.close()


HELPER = [sys.executable, "-c", "import time; time.sleep(60)"]  # an ffprobe that hangs


async def test_a_helper_dies_with_the_process_that_started_it_and_carries_the_mark() -> None:
    """Ffprobe and ``ffmpeg -version`` are started as FFmpeg is: death signal, owner mark.

    Before, they were plain ``create_subprocess_exec`` children: one stuck on a silent camera
    outlived a Home Assistant killed with -9, with no mark to find it by.
    """
    script = textwrap.dedent(
        """
        import asyncio, sys
        from custom_components.heldar.recorder.process import start_child

        async def main() -> None:
            process = await start_child(sys.argv[1:])
            print(process.pid, flush=True)
            await asyncio.sleep(120)

        asyncio.run(main())
        """
    )
    parent = subprocess.Popen(  # noqa: ASYNC220 - the parent stands for a whole HA process
        [sys.executable, "-c", script, *HELPER],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert parent.stdout is not None
    child = int(await asyncio.to_thread(parent.stdout.readline))
    try:
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        marks = [entry for entry in environ if entry.startswith(b"HELDAR_OWNER=")]
        assert marks == [f"HELDAR_OWNER={parent.pid}:".encode() + marks[0].split(b":")[1]]
        assert os.getsid(child) == child  # its own session, as FFmpeg's
        parent.kill()
        parent.wait()
        async with asyncio.timeout(10):
            while pid_alive(child):
                await asyncio.sleep(0.05)
    finally:
        if pid_alive(child):
            os.kill(child, signal.SIGKILL)
        parent.stdout.close()


async def test_a_helper_that_outlives_its_limit_is_killed_and_reaped() -> None:
    """The backstop behind a helper's own I/O timeout: killed, reaped, None."""
    process = await start_child(HELPER)
    started = time.monotonic()
    assert await finish_child(process, 0.5) is None
    assert time.monotonic() - started < 5
    assert process.returncode == -signal.SIGKILL


async def test_a_cancelled_helper_is_killed() -> None:
    """Cancelling the caller (the hub unloading) kills the helper before the cancel goes on."""
    process = await start_child(HELPER)
    task = asyncio.create_task(finish_child(process, 60))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert process.returncode == -signal.SIGKILL


async def test_a_helper_that_exits_gives_its_output() -> None:
    """What ffprobe prints comes back, with its status."""
    process = await start_child([sys.executable, "-c", "print('ok')"])
    assert await finish_child(process, 30) == b"ok\n"
    assert process.returncode == 0


async def test_an_idle_child_gets_the_cpu_only_when_nothing_else_wants_it() -> None:
    """Work that may wait (preview sheets) runs at the lowest priority; recording does not."""
    idle = await FFmpegProcess.start(["sleep", "30"], idle=True)
    normal = await FFmpegProcess.start(["sleep", "30"])
    try:
        assert os.getpriority(os.PRIO_PROCESS, idle.pid) == 19
        assert os.sched_getscheduler(idle.pid) == os.SCHED_IDLE
        assert os.getpriority(os.PRIO_PROCESS, normal.pid) == os.getpriority(os.PRIO_PROCESS, 0)
        assert os.sched_getscheduler(normal.pid) == os.SCHED_OTHER
        # Where each session is a scheduling group (autogroup), the idle child's group is
        # the lowest too: its own priority alone would count only inside that group.
        autogroup = Path(f"/proc/{idle.pid}/autogroup")
        if autogroup.exists():
            assert autogroup.read_text().endswith(" nice 19\n")
        assert os.getsid(idle.pid) == idle.pid
        assert os.getsid(normal.pid) == normal.pid
    finally:
        for process in (idle, normal):
            process.kill()
            await process.wait()
