"""FFmpegs a dead Home Assistant left behind: only Heldar's own, of this camera, are ended."""

from __future__ import annotations

from collections.abc import Iterator
import os
from pathlib import Path
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from custom_components.heldar.recorder.orphans import (
    OWNER_ENV,
    Identity,
    end_orphans,
    find_orphans,
    this_process,
)
from custom_components.heldar.recorder.previews import SheetLayout, preview_path, sheet_command
from tests.media import pid_alive

SLEEPER = "import time, sys; time.sleep(120)"


@pytest.fixture
def spawn() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts; any still running at the end are killed and reaped."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def start(started: list[subprocess.Popen[bytes]], *args: str, owner: str | None) -> int:
    """Start a sleeper with ``args`` on its command line and, if given, an owner mark."""
    env = {key: value for key, value in os.environ.items() if key != OWNER_ENV}
    if owner is not None:
        env[OWNER_ENV] = owner
    process = subprocess.Popen([sys.executable, "-c", SLEEPER, *args], env=env)
    started.append(process)
    return process.pid


def dead_owner(started: list[subprocess.Popen[bytes]]) -> str:
    """Return the mark of a Home Assistant that has died."""
    process = subprocess.Popen([sys.executable, "-c", SLEEPER])
    stat = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    owner = Identity(process.pid, int(stat[19]))
    process.kill()
    process.wait()
    assert not owner.alive
    return str(owner)


def test_only_our_orphans_of_this_camera_are_ended(
    tmp_path: Path, spawn: list[subprocess.Popen[bytes]]
) -> None:
    """An orphan is ended; every look-alike that is not Heldar's orphan is left running."""
    camera = tmp_path / "front"
    output = f"{camera}/%Y%m%d_%H%M%S.mp4"
    gone = dead_owner(spawn)
    orphan = start(spawn, "-i", "rtsp://cam/s", output, owner=gone)
    kept = {
        # Someone's own process writing there: no mark.
        "unmarked": start(spawn, output, owner=None),
        # A running Home Assistant's FFmpeg (this test process plays that HA).
        "live owner": start(spawn, output, owner=str(this_process())),
        # Another camera whose folder name starts the same.
        "front2": start(spawn, f"{tmp_path}/front2/%Y%m%d_%H%M%S.mp4", owner=gone),
        # A mark that is not a process identity.
        "garbled": start(spawn, output, owner="garbage"),
    }
    time.sleep(0.3)  # let every sleeper exec, so /proc shows its final command line
    assert [found.pid for found in find_orphans((camera,))] == [orphan]
    ended = end_orphans((camera, tmp_path / "shm" / "front-0123456789abcdef"))
    assert [identity.pid for identity in ended] == [orphan]
    assert not pid_alive(orphan)
    assert all(pid_alive(pid) for pid in kept.values()), kept
    assert find_orphans((camera,)) == []


def test_a_reused_pid_is_not_hit(tmp_path: Path, spawn: list[subprocess.Popen[bytes]]) -> None:
    """The identity includes the start time: the same pid with another start is not the orphan."""
    camera = tmp_path / "front"
    pid = start(spawn, f"{camera}/x.mp4", owner=dead_owner(spawn))
    time.sleep(0.3)
    (found,) = find_orphans((camera,))
    impostor = Identity(pid, found.start + 1)
    assert not impostor.alive
    assert found.alive


def test_orphan_that_ignores_sigterm_is_killed(
    tmp_path: Path, spawn: list[subprocess.Popen[bytes]]
) -> None:
    """An orphan that ignores SIGTERM gets SIGKILL after the wait."""
    camera = tmp_path / "front"
    env = {**os.environ, OWNER_ENV: dead_owner(spawn)}
    script = textwrap.dedent(
        """
        import signal, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(120)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, f"{camera}/x.mp4"], env=env, stdout=subprocess.PIPE
    )
    spawn.append(process)
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    started = time.monotonic()
    assert [o.pid for o in end_orphans((camera,))] == [process.pid]
    assert process.wait(1) == -signal.SIGKILL
    assert time.monotonic() - started < 6


def test_a_preview_sheet_left_running_is_ended(
    tmp_path: Path, spawn: list[subprocess.Popen[bytes]]
) -> None:
    """A sheet's FFmpeg has no death signal; the next start's sweep finds it by its arguments."""
    camera = tmp_path / "front"
    segment = camera / "20270115_080000.mp4"
    argv = sheet_command("ffmpeg", segment, preview_path(segment), SheetLayout(31))
    orphan = start(spawn, *argv[1:], owner=dead_owner(spawn))
    time.sleep(0.3)  # let the sleeper exec, so /proc shows its final command line
    assert [identity.pid for identity in end_orphans((camera,))] == [orphan]
    assert not pid_alive(orphan)
