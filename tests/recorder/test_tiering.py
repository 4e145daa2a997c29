"""The archive tier against a real network share (tests/netfs.py: sshd in a namespace, sshfs).

Each test checks the same invariant at the end: every recording exists exactly once, either
locally or under its final name on the server's own disk, with its original bytes, and no
partial copy is left. Footage is real H.264 fragmented MP4 (tests/footage.py); what is
archived is checked with ffprobe on the server's side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import itertools
import os
from pathlib import Path
import signal
import sys
import threading
import time

import pytest

from custom_components.heldar.recorder.command import RecordCommand
from custom_components.heldar.recorder.tiering import (
    ArchiveState,
    ArchiveTier,
    Due,
    Moved,
    MoveStep,
    Throttle,
    claim,
)
from custom_components.heldar.recorder.tiering_share import PARTIAL_SUFFIX, discard_partials
from tests.footage import make_segments, sha256
from tests.media import ROOT, RtspCamera, duration, require_media_tools, video_packets
from tests.netfs import SshfsShare, network_share

DAY = 86400.0
NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC
CAMERA = "front"
KIB = 1024


@pytest.fixture
def share(tmp_path: Path) -> Iterator[SshfsShare]:
    """A claimed archive on a real network share."""
    require_media_tools()
    with network_share(tmp_path / "nas") as mounted:
        claim(mounted.mount_point)
        yield mounted


def footage(tmp_path: Path, count: int, *, seconds: int = 4, bitrate: str = "1M") -> list[Path]:
    """Real segments of a camera, two days old, one after the other."""
    first = NOW - 2 * DAY
    starts = [first + i * seconds for i in range(count)]
    return make_segments(tmp_path / "local" / CAMERA, starts, seconds=seconds, bitrate=bitrate)


def due(paths: list[Path]) -> list[Due]:
    """The move requests for local segments."""
    return [Due(CAMERA, path, path.name) for path in paths]


def assert_each_once(share: SshfsShare, originals: dict[str, str], local: Path) -> None:
    """Every recording is in exactly one place, with its bytes; no partial copy is left."""
    server = share.export / CAMERA
    _wait_for_released_files(server)
    archived = {p.name for p in server.iterdir()} if server.exists() else set()
    kept = {p.name for p in local.iterdir()}
    assert not [name for name in archived if name.endswith(PARTIAL_SUFFIX)], archived
    assert archived.isdisjoint(kept), archived & kept
    assert archived | kept == set(originals)
    for name in archived:
        assert sha256(server / name) == originals[name], name
    for name in kept:
        assert sha256(local / name) == originals[name], name


def _wait_for_released_files(server: Path, timeout: float = 10.0) -> None:
    """Let sshfs finish deleting partial copies that were unlinked just after their close.

    FUSE sends the close of a file to sshfs after ``close()`` returns; a file unlinked in that
    moment is renamed ``.fuse_hidden…`` and deleted once sshfs sees the close. It must go.
    """
    deadline = time.monotonic() + timeout
    while server.exists() and any(p.name.startswith(".fuse_hidden") for p in server.iterdir()):
        assert time.monotonic() < deadline, sorted(p.name for p in server.iterdir())
        time.sleep(0.05)


async def test_move_verifies_then_frees_the_local_disk(share: SshfsShare, tmp_path: Path) -> None:
    """Files land on the server with their bytes and play; the local copy goes after the index."""
    paths = footage(tmp_path, 3)
    originals = {p.name: sha256(p) for p in paths}
    sizes = sum(p.stat().st_size for p in paths)
    local = paths[0].parent
    heard: list[tuple[Moved, bool]] = []
    tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=None))

    report = await tier.run(
        [CAMERA], due(paths), on_moved=lambda m: heard.append((m, (local / m.name).exists()))
    )

    assert report.state is ArchiveState.OK
    assert [m.name for m in report.moved] == [p.name for p in paths]
    assert report.pending == 0
    assert report.moved_bytes == sizes
    # The index hears of each move while the local copy still exists: never a moment with none.
    assert [(m.name, there) for m, there in heard] == [(p.name, True) for p in paths]
    assert all(m.sha256 == originals[m.name] for m, _ in heard)
    assert not list(local.iterdir())
    assert_each_once(share, originals, local)
    for name in originals:
        assert duration(share.export / CAMERA / name) > 3.5
    listing = await tier.listing(CAMERA)
    assert [(f.name, f.size) for f in listing] == [
        (name, (share.export / CAMERA / name).stat().st_size) for name in sorted(originals)
    ]
    assert tier.state is ArchiveState.OK


async def test_archive_keeps_its_own_age_limit(share: SshfsShare, tmp_path: Path) -> None:
    """Archived files older than the archive's limit are pruned, and the caller told which."""
    paths = footage(tmp_path, 2)
    tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=None))
    report = await tier.run([CAMERA], due(paths), now=NOW)
    assert len(report.moved) == 2
    assert report.pruned == {}
    # A day and a half later the two-day-old footage is past the archive's limit of 24 h.
    later = ArchiveTier(share.mount_point, retention_hours=48)
    report = await later.run([CAMERA], [], now=NOW + 0.5 * DAY)
    assert report.pruned == {CAMERA: [p.name for p in paths]}
    assert not list((share.export / CAMERA).iterdir())


async def test_unmounted_share_is_unreachable_and_nothing_is_written(
    share: SshfsShare, tmp_path: Path
) -> None:
    """The empty mount point an unmounted share leaves gets nothing: no mark, no write."""
    paths = footage(tmp_path, 1)
    share.unmount()
    tier = ArchiveTier(share.mount_point)
    report = await tier.run([CAMERA], due(paths))
    assert report.state is ArchiveState.UNREACHABLE
    assert report.error is not None
    assert "is the share mounted" in report.error
    assert report.pending == 1
    assert not list(share.mount_point.iterdir())  # nothing landed on the local disk
    assert paths[0].exists()
    with pytest.raises(OSError, match="mounted"):
        await tier.listing(CAMERA)


class _Trigger:
    """Fires ``action`` once, from the mover's thread, at a given step of a given file."""

    def __init__(self, step: MoveStep, name: str, count: int = 1) -> None:
        self.step, self.name, self.count = step, name, count
        self.seen = 0
        self.fired = threading.Event()

    def __call__(self, step: MoveStep, path: Path) -> None:
        if step is self.step and self.name in path.name and not self.fired.is_set():
            self.seen += 1
            if self.seen >= self.count:
                self.fired.set()


VANISHINGS: dict[str, tuple[Callable[[SshfsShare], None], Callable[[SshfsShare], None]]] = {
    "link_down": (SshfsShare.drop_link, SshfsShare.restore_link),
    "server_off": (SshfsShare.stop_server, SshfsShare.start_server),
    "server_hangs": (SshfsShare.freeze, SshfsShare.thaw),
}


@pytest.mark.parametrize("how", list(VANISHINGS))
async def test_archive_vanishes_mid_move(share: SshfsShare, tmp_path: Path, how: str) -> None:
    """The share goes away while a file is half copied: nothing lost, nothing twice; it resumes."""
    paths = footage(tmp_path, 3, seconds=6, bitrate="2M")  # about 1.5 MB each
    originals = {p.name: sha256(p) for p in paths}
    local = paths[0].parent
    trigger = _Trigger(MoveStep.CHUNK, paths[1].name, count=2)
    tier = ArchiveTier(
        share.mount_point,
        throttle=Throttle(bytes_per_second=512 * KIB, chunk_bytes=128 * KIB),
        progress=trigger,
    )
    vanish, come_back = VANISHINGS[how]
    moving = asyncio.create_task(tier.run([CAMERA], due(paths)))
    await asyncio.get_running_loop().run_in_executor(None, trigger.fired.wait, 60)
    vanish(share)
    try:
        async with asyncio.timeout(60):  # never hangs on the share
            report = await moving
    finally:
        come_back(share)
    assert report.state is ArchiveState.UNREACHABLE, report.error
    assert [m.name for m in report.moved] == [paths[0].name]
    assert report.pending == 2
    assert paths[1].exists()
    assert paths[2].exists()
    assert tier.state is ArchiveState.UNREACHABLE
    # Back: the next run clears what the outage left and moves the rest.
    async with asyncio.timeout(60):
        while (again := await tier.run([CAMERA], due(paths[1:]))).state is not ArchiveState.OK:
            await asyncio.sleep(1)  # the client reconnects on its next request
    assert [m.name for m in again.moved] == [p.name for p in paths[1:]]
    assert tier.state is ArchiveState.OK
    assert_each_once(share, originals, local)
    assert not list(local.iterdir())


# A mover in its own process that kills itself (SIGKILL: no clean-up of any kind) at one step.
_CRASHER = """
import asyncio, os, signal, sys
from pathlib import Path
from custom_components.heldar.recorder.tiering import ArchiveTier, Due, MoveStep, Throttle
root, local, camera, step, name, count = sys.argv[1:7]
seen = 0
def progress(at, path):
    global seen
    if at is MoveStep(step) and name in path.name:
        seen += 1
        if seen >= int(count):
            os.kill(os.getpid(), signal.SIGKILL)
files = sorted(Path(local).iterdir())
tier = ArchiveTier(Path(root), throttle=Throttle(None, chunk_bytes=65536), progress=progress)
asyncio.run(tier.run([camera], [Due(camera, p, p.name) for p in files]))
"""

# The crash points, and what each leaves on the server for the second file.
CRASHES = {
    MoveStep.CHUNK: "partial",  # half copied
    MoveStep.WRITTEN: "partial",  # copied and fsynced, not yet read back
    MoveStep.VERIFIED: "partial",  # read back and checked, not yet renamed
    MoveStep.PUBLISHED: "final",  # renamed; the local copy is still there
    MoveStep.DROPPED: "final",  # the local copy is gone; the third file never started
}


@pytest.mark.parametrize("step", list(CRASHES))
async def test_crash_at_each_step_then_restart(
    share: SshfsShare, tmp_path: Path, step: MoveStep
) -> None:
    """Kill -9 the mover at each step of a move; a new one (a restart) finishes it right."""
    paths = footage(tmp_path, 3)
    originals = {p.name: sha256(p) for p in paths}
    local = paths[0].parent
    count = "3" if step is MoveStep.CHUNK else "1"
    crash = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CRASHER, str(share.mount_point), str(local), CAMERA, step,
        paths[1].name, count,
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        _, said = await crash.communicate()
    assert crash.returncode == -signal.SIGKILL, said.decode()
    server = share.export / CAMERA
    partial = server / f".{paths[1].name}{PARTIAL_SUFFIX}"
    # The crash left the state it was meant to leave.
    assert (server / paths[0].name).exists()
    assert not paths[0].exists()
    assert partial.exists() == (CRASHES[step] == "partial")
    assert (server / paths[1].name).exists() == (CRASHES[step] == "final")
    assert paths[1].exists() == (step is not MoveStep.DROPPED)
    assert paths[2].exists()
    assert not (server / paths[2].name).exists()

    # The restarted Home Assistant: what the archive holds, then a run over what is local.
    tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=None))
    before = {f.name for f in await tier.listing(CAMERA)}
    assert partial.name not in before  # a partial copy is never listed as footage
    report = await tier.run([CAMERA], due(sorted(local.iterdir())))
    assert report.state is ArchiveState.OK
    assert report.partials_discarded == (1 if CRASHES[step] == "partial" else 0)
    finished = [m for m in report.moved if m.already]
    assert [m.name for m in finished] == ([paths[1].name] if step is MoveStep.PUBLISHED else [])
    assert_each_once(share, originals, local)
    assert {f.name for f in await tier.listing(CAMERA)} == set(originals)


async def test_full_archive_is_reported_and_footage_kept(tmp_path: Path) -> None:
    """A share that fills: what fits moves, the rest stays local and the state says full."""
    require_media_tools()
    with network_share(tmp_path / "nas", size_mb=4) as share:
        claim(share.mount_point)
        paths = footage(tmp_path, 4, seconds=6, bitrate="2M")  # about 1.5 MB each
        originals = {p.name: sha256(p) for p in paths}
        local = paths[0].parent
        tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=None))
        report = await tier.run([CAMERA], due(paths))
        assert report.state is ArchiveState.FULL, report.error
        assert report.error is not None
        assert "full" in report.error
        assert 1 <= len(report.moved) < len(paths)
        assert report.pending == len(paths) - len(report.moved)
        assert_each_once(share, originals, local)
        assert tier.state is ArchiveState.FULL


async def test_share_filled_by_another_client_mid_copy(tmp_path: Path) -> None:
    """Room was checked, then someone else filled the NAS during the copy: full, file kept."""
    require_media_tools()
    with network_share(tmp_path / "nas", size_mb=6) as share:
        claim(share.mount_point)
        paths = footage(tmp_path, 2, seconds=6, bitrate="2M")
        originals = {p.name: sha256(p) for p in paths}
        local = paths[0].parent

        def fill(step: MoveStep, path: Path) -> None:
            if step is MoveStep.CHUNK and paths[1].name in path.name:
                filler = share.export / "someone-else.bin"
                if not filler.exists():
                    free = os.statvfs(share.export)
                    filler.write_bytes(b"\0" * (free.f_bavail * free.f_frsize))

        tier = ArchiveTier(
            share.mount_point,
            throttle=Throttle(bytes_per_second=None, chunk_bytes=64 * KIB),
            progress=fill,
        )
        report = await tier.run([CAMERA], due(paths))
        assert report.state is ArchiveState.FULL, report.error
        assert [m.name for m in report.moved] == [paths[0].name]
        (share.export / "someone-else.bin").unlink()
        assert_each_once(share, originals, local)
        assert paths[1].exists()


async def test_throttle_spreads_the_move_and_the_loop_stays_free(
    share: SshfsShare, tmp_path: Path
) -> None:
    """At 1 MiB/s a move of 2 MiB (copy and read-back) takes 2 s; the loop ticks on meanwhile."""
    paths = footage(tmp_path, 1, seconds=8, bitrate="1M")
    size = paths[0].stat().st_size
    tier = ArchiveTier(
        share.mount_point, throttle=Throttle(bytes_per_second=1 << 20, chunk_bytes=64 * KIB)
    )
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.05)

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    report = await tier.run([CAMERA], due(paths))
    took = time.monotonic() - started
    ticker.cancel()
    assert report.state is ArchiveState.OK
    assert took >= 2 * size / (1 << 20) * 0.95  # a floor: load can only make it slower
    assert report.throttled_seconds > 0
    # The loop was never held: no gap between ticks anywhere near the move's length.
    assert max(b - a for a, b in itertools.pairwise(ticks)) < took / 2


async def test_a_copy_the_share_garbles_is_caught(share: SshfsShare, tmp_path: Path) -> None:
    """Bytes changed on the server between write and read-back: failed, the local file stays."""
    paths = footage(tmp_path, 2)
    originals = {p.name: sha256(p) for p in paths}
    local = paths[0].parent

    def garble(step: MoveStep, path: Path) -> None:
        if step is MoveStep.WRITTEN and path.name == paths[0].name:
            written = share.export / CAMERA / f".{path.name}{PARTIAL_SUFFIX}"
            data = bytearray(written.read_bytes())
            data[len(data) // 2] ^= 0xFF
            written.write_bytes(bytes(data))

    tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=None), progress=garble)
    report = await tier.run([CAMERA], due(paths))
    assert report.state is ArchiveState.FAILED
    assert report.error is not None
    assert "differs" in report.error
    assert report.moved == []
    assert_each_once(share, originals, local)
    assert all(p.exists() for p in paths)


async def test_local_archive_edge_cases(tmp_path: Path) -> None:
    """A stale copy is replaced; a file changed while copied, or already gone, is never lost."""
    require_media_tools()
    paths = footage(tmp_path, 3)
    originals = {p.name: sha256(p) for p in paths}
    archive = tmp_path / "disk2"
    archive.mkdir()
    claim(archive)
    # The old mirror left a truncated copy of the first file.
    (archive / CAMERA).mkdir()
    (archive / CAMERA / paths[0].name).write_bytes(paths[0].read_bytes()[:1000])
    # The second is rewritten while it is copied (it must then stay local).
    appended = b"late bytes"

    def rewrite(step: MoveStep, path: Path) -> None:
        if step is MoveStep.WRITTEN and path.name == paths[1].name:
            with paths[1].open("ab") as handle:
                handle.write(appended)

    tier = ArchiveTier(archive, throttle=Throttle(bytes_per_second=None), progress=rewrite)
    gone = Due(CAMERA, paths[0].parent / "20270101_000000.mp4", "20270101_000000.mp4")
    escaping = [Due(CAMERA, paths[2], "../../escape.mp4"), Due("..", paths[2], paths[2].name)]
    report = await tier.run([CAMERA], [*escaping, *due(paths), gone])
    assert report.skipped[:2] == [str(paths[2])] * 2
    assert not (tmp_path / "escape.mp4").exists()
    assert not (tmp_path / paths[2].name).exists()
    assert report.state is ArchiveState.OK
    assert sha256(archive / CAMERA / paths[0].name) == originals[paths[0].name]
    assert not paths[0].exists()
    assert paths[1].exists()  # changed after it was copied: kept for the next run
    assert paths[1].read_bytes().endswith(appended)
    assert not paths[2].exists()
    assert report.pending == 1
    # The next run sees the archived copy differs from the file as it is now, and replaces it.
    again = await ArchiveTier(archive, throttle=Throttle(None)).run([CAMERA], due(paths[1:2]))
    assert [m.already for m in again.moved] == [False]
    assert (archive / CAMERA / paths[1].name).read_bytes().endswith(appended)
    assert not paths[1].exists()


async def test_cancelled_run_leaves_the_file_local_and_no_thread(tmp_path: Path) -> None:
    """Home Assistant stops mid-copy: the run ends, its thread ends, no partial copy stays."""
    require_media_tools()
    paths = footage(tmp_path, 1, seconds=8)
    original = sha256(paths[0])
    archive = tmp_path / "disk2"
    archive.mkdir()
    claim(archive)
    trigger = _Trigger(MoveStep.CHUNK, paths[0].name)
    tier = ArchiveTier(
        archive,
        throttle=Throttle(bytes_per_second=128 * KIB, chunk_bytes=32 * KIB),
        progress=trigger,
    )
    moving = asyncio.create_task(tier.run([CAMERA], due(paths)))
    await asyncio.get_running_loop().run_in_executor(None, trigger.fired.wait, 30)
    moving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await moving
    async with asyncio.timeout(10):
        while any(t.name.startswith("heldar_archive") for t in threading.enumerate()):
            await asyncio.sleep(0.05)
    assert sha256(paths[0]) == original
    assert not list((archive / CAMERA).iterdir())


async def test_recording_goes_on_while_footage_moves(
    share: SshfsShare, rtsp_camera: Callable[..., RtspCamera], tmp_path: Path
) -> None:
    """The real camera records to the disk the mover reads: its segments keep 25 frames a second."""
    camera = rtsp_camera(width=640, height=360, gop=25)
    live = tmp_path / "local" / "live"
    live.mkdir(parents=True)
    argv = RecordCommand("ffmpeg", camera.url, live, 4).argv()
    recorder = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        paths = footage(tmp_path, 20, seconds=6, bitrate="2M")  # about 30 MB
        tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=None))
        report = await tier.run([CAMERA], due(paths))
        assert report.state is ArchiveState.OK
        assert len(report.moved) == 20
        async with asyncio.timeout(30):
            while len(list(live.glob("*.mp4"))) < 4:
                await asyncio.sleep(0.25)
    finally:
        recorder.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            await recorder.wait()
    closed = sorted(live.glob("*.mp4"))[1:-1]  # the first starts mid-GOP, the last was cut
    assert closed
    for segment in closed:
        times = sorted(pts for pts, _ in video_packets(segment))
        rate = (len(times) - 1) / (times[-1] - times[0])
        assert 23.5 <= rate <= 26.5, (segment.name, rate)
        assert max(b - a for a, b in itertools.pairwise(times)) < 0.5, segment.name


def test_leftovers_of_interrupted_copies_are_discarded_and_footage_is_not(tmp_path: Path) -> None:
    """Partial copies and FUSE's hidden names for them go; finished files and others stay."""
    folder = tmp_path / CAMERA
    (folder / "event_1").mkdir(parents=True)
    leftovers = [
        folder / f".20270113_080000.mp4{PARTIAL_SUFFIX}",
        folder / ".fuse_hidden0000000500000001",
        folder / "event_1" / f".clip.mp4{PARTIAL_SUFFIX}",
    ]
    kept = [folder / "20270113_075900.mp4", folder / "event_1" / "clip.mp4", folder / ".notes"]
    for path in leftovers + kept:
        path.write_bytes(b"x")
    assert discard_partials(tmp_path, CAMERA) == len(leftovers)
    assert not any(path.exists() for path in leftovers)
    assert all(path.exists() for path in kept)
