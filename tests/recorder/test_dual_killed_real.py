"""The process that runs a dual-stream camera's recorder is killed with -9: nothing stays.

Each stream has an FFmpeg of its own, each started as ``process.py`` starts every FFmpeg: the
kernel sends it SIGTERM when its parent's loop thread dies (``PR_SET_PDEATHSIG``), and its
``HELDAR_OWNER`` mark lets the next start end one that could not act on the signal
(``orphans.py``). A child Python process stands in for Home Assistant (``tests/test_ha_killed.py``
does the same with a real one and a one-stream camera).
"""

from __future__ import annotations

from collections.abc import Callable
import os
from pathlib import Path
import select
import signal
import subprocess
import sys
import time

from custom_components.heldar.recorder.orphans import end_orphans
from tests.media import ROOT, RtspCamera, pid_alive, processes_with, recording_ffmpeg

from .test_dual_real import MAIN

HOST = """
import asyncio, sys
from pathlib import Path
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder, CameraSpec, RecorderState, StaticSource,
)

async def main(main_url, sub_url, out, buffer, ffmpeg):
    spec = CameraSpec("gate", "Gate", StaticSource(main_url), Path(out), 2,
                      pre_roll_seconds=4, buffer_dir=Path(buffer), ffprobe=None,
                      sub_source=StaticSource(sub_url))
    recorder = CameraRecorder(spec, ffmpeg_binary=ffmpeg,
                              demand=Demand(RecordMode.CONTINUOUS, schedule_active=True))
    recorder.start()
    while not (recorder.status.state is RecorderState.RECORDING and len(recorder.pids) == 2):
        await asyncio.sleep(0.2)
    print(*recorder.pids, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(*sys.argv[1:]))
"""


def writers(folder: Path) -> list[int]:
    """The FFmpeg processes writing segments into ``folder``."""
    return processes_with(str(folder / "%Y%m%d_%H%M%S.mp4"))


def start_host(
    camera: RtspCamera, out: Path, buffer: Path
) -> tuple[subprocess.Popen[str], list[int]]:
    """Start the stand-in for Home Assistant; return it and its two FFmpeg pids."""
    argv = [sys.executable, "-c", HOST, camera.url, camera.sub_url, str(out), str(buffer)]
    host = subprocess.Popen(
        [*argv, recording_ffmpeg()], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert host.stdout is not None
    ready, _, _ = select.select([host.stdout], [], [], 60)
    if not ready:
        host.kill()
        host.wait()
        msg = "the recorder's host did not record both streams within 60 s"
        raise AssertionError(msg)
    line = host.stdout.readline()  # the host prints once both streams record
    pids = [int(pid) for pid in line.split()]
    assert len(pids) == 2, line
    return host, pids


def wait_gone(pids: list[int], seconds: float) -> float:
    """Wait until none of ``pids`` lives; return how long that took."""
    started = time.monotonic()
    while any(pid_alive(pid) for pid in pids):
        assert time.monotonic() - started < seconds, [pid for pid in pids if pid_alive(pid)]
        time.sleep(0.05)
    return time.monotonic() - started


def test_both_ffmpeg_die_with_their_host_and_an_orphan_is_ended(
    rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """Killed -9: both FFmpeg end; one that could not (stopped) is ended by the next start."""
    camera = rtsp_camera(width=MAIN[0], height=MAIN[1], bitrate=1500, sub_path="/sub")
    out, buffer = tmp_path / "cam", tmp_path / "buffer"
    host, pids = start_host(camera, out, buffer)
    assert sorted(writers(out) + writers(buffer)) == sorted(pids)
    host.kill()
    host.wait()
    assert wait_gone(pids, 15) < 15

    # An FFmpeg that cannot act on the signal (stopped) outlives its host: found, ended.
    host, pids = start_host(camera, out, buffer)
    stuck = writers(buffer)
    assert len(stuck) == 1
    os.kill(stuck[0], signal.SIGSTOP)
    host.kill()
    host.wait()
    time.sleep(2)
    assert pid_alive(stuck[0])
    end_orphans((out, buffer))
    wait_gone(pids, 10)
    assert writers(out) == writers(buffer) == []
