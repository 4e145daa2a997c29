"""Home Assistant killed with -9 while recording: never two FFmpeg for one camera, even then.

A real Home Assistant process records the real RTSP camera; it is killed with SIGKILL (so none
of its stop path runs) and started again, twice:

1. FFmpeg must not outlive it: the kernel's parent-death signal asks FFmpeg to finish.
2. An FFmpeg that outlives it anyway (here one that is stopped, as one stuck on a dead NFS
   share would be) is found and ended by the next start, before its own FFmpeg starts.

Only one FFmpeg ever writes the camera's folder, and every file left there plays.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import os
from pathlib import Path
import signal
import time

from homeassistant.core import HomeAssistant
import pytest

from .media import RtspCamera, ffprobe, pid_alive, processes_with
from .real_hass import RealHass

pytestmark = pytest.mark.media


def ffmpegs_writing(folder: Path) -> list[int]:
    """Return the FFmpeg processes (not ffprobe, not joins) that record into ``folder``."""
    found = []
    for pid in processes_with(f"{folder}/"):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if Path(argv[0].decode()).name == "ffmpeg" and b"-f" in argv and b"segment" in argv:
                found.append(pid)
    return found


def wait_for(what: str, condition: Callable[[], bool], timeout: float) -> float:
    """Poll ``condition`` until it holds; return how long that took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            msg = f"timed out after {timeout} s waiting for {what}"
            raise AssertionError(msg)
        time.sleep(0.1)
    return time.monotonic() - started


def recording_with_one_ffmpeg(ha: RealHass, folder: Path, old: set[int]) -> int:
    """Wait until one new FFmpeg records (a new segment appears); return its pid."""
    before = set(folder.glob("*.mp4")) if folder.is_dir() else set()
    try:
        wait_for("an FFmpeg", lambda: bool(set(ffmpegs_writing(folder)) - old), 180)
        wait_for("a new segment", lambda: len(set(folder.glob("*.mp4")) - before) >= 2, 60)
    except AssertionError as err:
        msg = f"{err}\n{ha.tail()}"
        raise AssertionError(msg) from None
    (pid,) = ffmpegs_writing(folder)
    assert pid not in old
    return pid


def never_two(folder: Path, seconds: float) -> int:
    """Sample the FFmpegs writing ``folder`` for a while; fail on any moment with two."""
    samples = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = ffmpegs_writing(folder)
        assert len(pids) == 1, f"FFmpegs writing {folder} at once: {pids}"
        samples += 1
        time.sleep(0.1)
    return samples


def scenario(camera_url: str, tmp_path: Path) -> dict[str, float]:
    """Record, kill HA, start it, stall FFmpeg, kill HA, start it, stop it; return figures."""
    ha = RealHass(tmp_path / "config")
    storage = ha.media / "heldar"
    folder = storage / "yard"
    figures: dict[str, float] = {}
    try:
        ha.start()
        ha.onboard()
        entry_id = ha.add_hub(storage)
        ha.add_camera(entry_id, "Yard", camera_url, segment_seconds=2)
        ha.wait_saved('"title":"Yard"')
        first = recording_with_one_ffmpeg(ha, folder, set())

        # 1. Killed with -9: FFmpeg is told by the kernel, and finishes on its own.
        ha.kill()
        figures["ffmpeg_gone_after_kill_s"] = wait_for(
            "FFmpeg to end with Home Assistant", lambda: not pid_alive(first), 15
        )
        ha.start()
        second = recording_with_one_ffmpeg(ha, folder, {first})
        figures["samples_after_first_restart"] = never_two(folder, 6)

        # 2. An FFmpeg that cannot act on the signal outlives HA; the next start ends it.
        os.kill(second, signal.SIGSTOP)
        ha.kill()
        time.sleep(2)
        assert pid_alive(second), "the stopped FFmpeg should outlive Home Assistant"
        started = time.monotonic()
        ha.start()
        third = recording_with_one_ffmpeg(ha, folder, {first, second})
        assert not pid_alive(second)
        figures["restart_with_orphan_s"] = time.monotonic() - started
        figures["samples_after_second_restart"] = never_two(folder, 6)
        assert third != second

        ha.stop()
        assert ffmpegs_writing(folder) == []
    finally:
        ha.kill()
        for pid in processes_with(str(tmp_path)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    segments = sorted(folder.glob("*.mp4"))
    assert len(segments) >= 6
    for segment in segments:
        streams = ffprobe(segment)["streams"]
        assert any(s["codec_type"] == "video" and int(s["nb_read_packets"]) > 0 for s in streams), (
            segment.name
        )
    figures["segments"] = len(segments)
    return figures


@pytest.mark.timeout(900)
async def test_home_assistant_killed_while_recording(
    hass: HomeAssistant, rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """Only one FFmpeg writes the camera's folder across two kills, and every file plays."""
    camera = rtsp_camera()
    figures = await hass.async_add_executor_job(scenario, camera.url, tmp_path)
    print(f"HA killed -9: {figures}")  # noqa: T201 - the README's figures come from here
    assert figures["ffmpeg_gone_after_kill_s"] < 15
