"""The manager's guarantee: never two FFmpeg for one camera, whatever the call order."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import random
import subprocess
import sys
import threading
from typing import Self

from custom_components.heldar.recorder.manager import RecorderManager
from custom_components.heldar.recorder.orphans import OWNER_ENV, Identity
from custom_components.heldar.recorder.supervisor import CameraSpec, RecorderState, StaticSource
from tests.media import processes_with

from .helpers import FAST, StatusLog


def spec(tmp_path: Path, camera_id: str, segment_seconds: int = 2) -> CameraSpec:
    """Return a camera whose output folder identifies its FFmpeg in a process scan."""
    return CameraSpec(
        camera_id=camera_id,
        name=camera_id,
        source=StaticSource(f"rtsp://{camera_id}.local/s"),
        output_dir=tmp_path / camera_id,
        segment_seconds=segment_seconds,
    )


class ProcessSampler:
    """Scan /proc in a thread, recording any moment a camera has two FFmpeg processes."""

    def __init__(self, folders: list[Path]) -> None:
        """Watch the FFmpeg processes writing into ``folders``."""
        self.folders = folders
        self.violations: list[tuple[str, list[int]]] = []
        self.samples = 0
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="process sampler")

    def __enter__(self) -> Self:
        """Start sampling."""
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for folder in self.folders:
                pids = processes_with(f"{folder}/")
                self.seen.update(pids)
                if len(pids) > 1:
                    self.violations.append((folder.name, pids))
            self.samples += 1


async def test_never_two_ffmpeg_per_camera(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """Concurrent starts, restarts, stops and switch toggles never overlap two FFmpeg."""
    manager = RecorderManager(str(fake_ffmpeg), timing=FAST)
    cameras = ["front", "back"]
    rng = random.Random(20261124)

    async def operation(index: int) -> None:
        await asyncio.sleep(rng.random() * 2)
        camera = rng.choice(cameras)
        match rng.choice(["start", "start", "restart", "stop", "toggle"]):
            case "start":
                await manager.start(spec(tmp_path, camera, 2 + index % 3))
            case "restart":
                await manager.start(spec(tmp_path, camera), enabled=rng.random() < 0.8)
            case "stop":
                await manager.stop(camera)
            case "toggle":
                if recorder := manager.get(camera):
                    recorder.set_enabled(rng.random() < 0.5)

    with ProcessSampler([tmp_path / camera for camera in cameras]) as sampler:
        await asyncio.gather(*(operation(index) for index in range(80)))
        await asyncio.sleep(0.5)
        await manager.stop_all()
    assert sampler.samples > 50
    assert len(sampler.seen) >= 4  # the sequence really started and replaced FFmpegs
    assert sampler.violations == []
    assert processes_with(str(tmp_path)) == []
    assert manager.camera_ids == []


async def test_restart_replaces_the_recorder(fake_ffmpeg: Path, tmp_path: Path) -> None:
    """Starting a camera that records stops the old recorder before the new one starts."""
    manager = RecorderManager(str(fake_ffmpeg), timing=FAST)
    first_log, second_log = StatusLog(), StatusLog()
    first = await manager.start(spec(tmp_path, "cam"), listener=first_log)
    await first_log.wait_state(RecorderState.RECORDING)
    second = await manager.start(spec(tmp_path, "cam", 3), listener=second_log)
    assert not first.running
    assert manager.get("cam") is second
    await second_log.wait_state(RecorderState.RECORDING)
    assert len(processes_with(f"{tmp_path / 'cam'}/")) == 1
    await manager.stop("cam")
    await manager.stop("cam")  # stopping twice is harmless
    assert manager.get("cam") is None
    assert processes_with(str(tmp_path)) == []


async def test_first_start_ends_an_orphan_left_by_a_dead_home_assistant(
    fake_ffmpeg: Path, tmp_path: Path
) -> None:
    """An FFmpeg a killed HA left writing the camera's folder is ended before ours starts."""
    ghost = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # noqa: ASYNC220
    stat = Path(f"/proc/{ghost.pid}/stat").read_text().rsplit(")", 1)[1].split()
    dead_ha = Identity(ghost.pid, int(stat[19]))
    ghost.kill()
    ghost.wait()
    folder = tmp_path / "cam"
    folder.mkdir()
    orphan = subprocess.Popen(  # noqa: ASYNC220 - stands for the orphaned FFmpeg
        [str(fake_ffmpeg), "-segment_time", "2", f"{folder}/%Y%m%d_%H%M%S.mp4"],
        env={**os.environ, OWNER_ENV: str(dead_ha)},
    )
    try:
        async with asyncio.timeout(10):
            while not any(folder.glob("*.mp4")):
                await asyncio.sleep(0.05)
        manager = RecorderManager(str(fake_ffmpeg), timing=FAST)
        log = StatusLog()
        await manager.start(spec(tmp_path, "cam"), listener=log)
        assert orphan.poll() is not None  # ended before our FFmpeg was started
        await log.wait_state(RecorderState.RECORDING)
        assert processes_with(f"{folder}/") == [log.latest.pid]
        await manager.stop_all()
    finally:
        if orphan.poll() is None:
            orphan.kill()
        orphan.wait()
