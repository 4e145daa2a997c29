"""A disk that fills up, for real: a small tmpfs mounted by the test (root only).

Recording until the disk is full must free space and go on; when nothing can be freed the
state is ``error`` with "disk full"; when space returns it records again by itself. Every
file left in the recordings plays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import os
from pathlib import Path
import shutil
import subprocess

import pytest

from custom_components.heldar.recorder.failure import Problem, Reason
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.retention import Retention
from custom_components.heldar.recorder.segments import QUARANTINE_DIR
from custom_components.heldar.recorder.store import CameraStore
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    StaticSource,
    Timing,
)
from tests.media import RtspCamera, duration

from .helpers import StatusLog

DISK_MB = 6
TIMING = Timing(poll_connecting=0.25, poll_recording=0.5, backoff_max=4.0)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """Mount a 6 MB tmpfs; fail under CI when the test cannot (it needs root)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        message = "a real full disk needs root to mount a tmpfs"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(path: Path) -> None:
    """Take what is left of the disk with one file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(OSError, match="No space left"):
            _write_forever(descriptor)
    finally:
        os.close(descriptor)


def _write_forever(descriptor: int) -> None:
    while True:
        os.write(descriptor, b"\0" * 65536)


async def test_full_disk_frees_space_and_records_on(
    rtsp_camera: Callable[..., RtspCamera], small_disk: Path
) -> None:
    """Fill the disk: retention makes room and recording goes on; then it cannot, then heals."""
    # Noise does not compress: 2 Mbit/s, about 250 kB/s, fills the disk in about 20 s.
    camera = rtsp_camera(bitrate=2000, gop=25, pattern="snow")
    folder = small_disk / "cam"
    store = CameraStore("cam", "Cam", folder, SegmentIndex(folder, None))
    retention = Retention(small_disk, min_free_bytes=0)
    cleanups: list[int] = []
    blocked = False

    async def make_room() -> bool:
        if blocked:  # everything is protected: nothing can be freed
            return False
        report = await retention.make_room([store], set())
        cleanups.append(report.deleted_files)
        return report.deleted_files > 0

    log = StatusLog()
    spec = CameraSpec("cam", "Cam", StaticSource(camera.url), folder, segment_seconds=2)
    recorder = CameraRecorder(
        spec,
        ffmpeg_binary="ffmpeg",
        listener=log,
        timing=TIMING,
        store=store,
        make_room=make_room,
    )
    recorder.start()
    try:
        # 1. The disk fills: it is said, space is made, and recording goes on.
        full = await log.wait_for(lambda s: s.reason is Reason.DISK_FULL, timeout=60)
        assert full.state is RecorderState.ERROR
        assert full.problem is Problem.STORAGE
        await log.wait_for(
            lambda s: s.state is RecorderState.RECORDING and s.since > full.since, timeout=20
        )
        assert cleanups
        assert cleanups[0] > 0

        # 2. Nothing can be freed: "error, disk full", never "recording".
        blocked = True
        filler = small_disk / "filler.bin"
        await asyncio.get_running_loop().run_in_executor(None, fill, filler)
        stuck = await log.wait_for(
            lambda s: s.reason is Reason.DISK_FULL and s.since > full.since, timeout=30
        )
        await asyncio.sleep(2 * TIMING.backoff_max)
        assert log.latest.state is not RecorderState.RECORDING
        assert log.latest.reason is Reason.DISK_FULL

        # 3. Space returns: it records again by itself, within one backoff step.
        filler.unlink()
        await log.wait_for(
            lambda s: s.state is RecorderState.RECORDING and s.since > stuck.since,
            timeout=TIMING.backoff_max + 15,
        )
    finally:
        await recorder.stop()

    # Every file left among the recordings plays; only a stub may sit in quarantine.
    recordings = sorted(folder.glob("*.mp4"))
    assert recordings
    for path in recordings:
        assert duration(path) > 0, path.name
    # Each time the disk filled, at most the file being written then may be unplayable.
    fillings = sum(
        1
        for before, after in zip(log.history, log.history[1:], strict=False)
        if after.reason is Reason.DISK_FULL and before.reason is not Reason.DISK_FULL
    )
    quarantine = folder / QUARANTINE_DIR
    quarantined = list(quarantine.glob("*")) if quarantine.exists() else []
    assert len(quarantined) <= fillings
