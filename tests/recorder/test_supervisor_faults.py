"""Failures outside FFmpeg: file work that fails, a task that dies, timestamps that run away.

Each file operation the supervisor depends on is made to fail through a test seam (the
function is patched to raise an ``OSError`` with a real errno, as NFS, full or read-only
disks do). The recorder must say ``error`` with a reason, keep its task, stop that FFmpeg,
and record again once the file system behaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import dataclasses
import errno
from pathlib import Path
from typing import Any

import pytest

from custom_components.heldar.recorder import run_output
from custom_components.heldar.recorder.archive import Archive
from custom_components.heldar.recorder.births import BirthWatcher
from custom_components.heldar.recorder.failure import Problem, Reason
from custom_components.heldar.recorder.segments import SegmentWatcher
from custom_components.heldar.recorder.supervisor import CameraRecorder, RecorderState
from tests.media import pid_alive

from .helpers import FAST, StatusLog, fake_starts, wait_until
from .test_supervisor import make_recorder


def fail_first(real: Callable[..., Any], code: int, times: int = 2) -> Callable[..., Any]:
    """Wrap ``real``: raise ``OSError(code)`` on the first ``times`` calls, then pass through.

    A plain function, so that patched onto a class it binds as a method.
    """
    left = [times]

    def failing(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        if left[0] > 0:
            left[0] -= 1
            raise OSError(code, errno.errorcode[code])
        return real(*args, **kwargs)

    return failing


def fail_first_async(
    real: Callable[..., Awaitable[None]], code: int, times: int = 2
) -> Callable[..., Awaitable[None]]:
    """``fail_first`` for a coroutine function."""
    left = [times]

    async def failing(*args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        if left[0] > 0:
            left[0] -= 1
            raise OSError(code, errno.errorcode[code])
        await real(*args, **kwargs)

    return failing


type Seam = Callable[[int], tuple[object, str, Callable[..., Any]]]
SEAMS: dict[str, Seam] = {
    # scandir/stat of the output folder (NFS: EIO, ESTALE)
    "scan": lambda code: (SegmentWatcher, "scan", fail_first(SegmentWatcher.scan, code)),
    # inotify on the output folder
    "inotify": lambda code: (BirthWatcher, "start", fail_first(BirthWatcher.start, code)),
    # reading a segment's boxes before saying "recording"
    "footage_check": lambda code: (
        run_output,
        "read_mp4_shape",
        fail_first(run_output.read_mp4_shape, code, times=1),
    ),
    # moving a closed segment into the recordings (or an event)
    "route": lambda code: (Archive, "route", fail_first_async(Archive.route, code)),
}
ERRNOS = {
    errno.EIO: Reason.STORAGE_ERROR,
    errno.ESTALE: Reason.STORAGE_ERROR,
    errno.EACCES: Reason.PERMISSION_DENIED,
    errno.ENOSPC: Reason.DISK_FULL,
}


@pytest.mark.parametrize("code", list(ERRNOS), ids=[errno.errorcode[c] for c in ERRNOS])
@pytest.mark.parametrize("seam", list(SEAMS))
async def test_file_errors_are_errors_then_retried(
    fake_ffmpeg: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seam: str,
    code: int,
) -> None:
    """EIO, ESTALE, EACCES or ENOSPC from any file operation: ``error``, then recording.

    Before: the exception ended the camera's task. FFmpeg was killed, the state stayed
    ``recording`` with a dead pid, and nothing retried.
    """
    owner, name, replacement = SEAMS[seam](code)
    monkeypatch.setattr(owner, name, replacement)
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    try:
        failed = await log.wait_for(lambda s: s.state is RecorderState.ERROR, timeout=15)
        assert failed.reason is ERRNOS[code]
        assert failed.problem is Problem.STORAGE
        assert failed.pid is None
        again = await log.wait_for(
            lambda s: s.state is RecorderState.RECORDING and s.since > failed.since, timeout=15
        )
        assert again.reason is None
        assert recorder.running
    finally:
        await recorder.stop()
    pids = [int(str(start["pid"])) for start in fake_starts(tmp_path / "fake_ffmpeg.log")]
    assert pids
    await wait_until(lambda: not any(pid_alive(pid) for pid in pids))


async def test_settling_the_last_segment_may_fail(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quarantining a stub after FFmpeg exited (ENOSPC while moving it) is retried too."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "silent")  # one fragment, then a restart
    real = run_output.settle_last_segment
    monkeypatch.setattr(run_output, "settle_last_segment", fail_first(real, errno.ENOSPC))
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    try:
        failed = await log.wait_for(lambda s: s.reason is Reason.DISK_FULL, timeout=10)
        assert failed.state is RecorderState.ERROR
        await wait_until(lambda: len(fake_starts(tmp_path / "fake_ffmpeg.log")) >= 3)
        assert recorder.running
    finally:
        await recorder.stop()


async def test_a_dead_task_is_never_shown_healthy(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever kills the task (here: closing the archive fails), the state says ``error``."""

    async def broken_close(_self: Archive) -> None:
        msg = "boom"
        raise RuntimeError(msg)

    monkeypatch.setattr(Archive, "close", broken_close)
    log = StatusLog()
    recorder = make_recorder(fake_ffmpeg, tmp_path, log)
    recorder.start()
    await log.wait_state(RecorderState.RECORDING)
    await recorder.stop()
    await asyncio.sleep(0)
    assert log.latest.state is RecorderState.ERROR
    assert log.latest.reason is Reason.INTERNAL_ERROR
    assert log.latest.pid is None
    assert not recorder.running


async def test_media_time_running_away_is_caught_and_restarted(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written media racing ahead of the wall clock is logged, shown, and restarted."""
    monkeypatch.setenv("HELDAR_FAKE_DRIFT", "4")
    log = StatusLog()
    spec = make_recorder(fake_ffmpeg, tmp_path, log).spec
    timing = dataclasses.replace(FAST, drift_limit=1.0)
    recorder = CameraRecorder(spec, ffmpeg_binary=str(fake_ffmpeg), listener=log, timing=timing)
    recorder.start()
    try:
        drifted = await log.wait_for(lambda s: s.reason is Reason.MEDIA_DRIFT, timeout=10)
    finally:
        await recorder.stop()
    assert drifted.state is RecorderState.OFFLINE
    assert drifted.reconnects >= 1
    assert drifted.last_error is not None
    assert "wall clock" in drifted.last_error
