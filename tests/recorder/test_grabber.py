"""The one frame grabber: real frames, a bound on every grab, shared and cached, never orphaned."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from custom_components.heldar.recorder.grabber import FrameGrabber, FrameSource
from custom_components.heldar.recorder.orphans import OWNER_ENV, this_process
from tests.media import RtspCamera, pid_alive, require_media_tools
from tests.review_common import fragmented_segments

from .helpers import fake_records, fake_signals, wait_until

JPEG = b"\xff\xd8"


def frame_at(path: Path, seconds: float) -> bytes:
    """Return the frame at ``seconds`` as FFmpeg encodes a still at the grabber's quality."""
    return subprocess.run(
        [
            "ffmpeg",
            *("-v", "error", "-ss", str(seconds), "-i", str(path), "-frames:v", "1"),
            *("-q:v", "3", "-f", "image2", "-c:v", "mjpeg", "pipe:1"),
        ],
        capture_output=True,
        check=True,
    ).stdout


def started_pids(log: Path) -> list[int]:
    """Return the pids the fake FFmpeg logged starting."""
    return [int(str(r["pid"])) for r in fake_records(log) if "argv" in r]


async def test_grabs_a_files_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment's last keyframe, the keyframe at an offset; nothing from a broken file."""
    (segment,) = fragmented_segments(tmp_path, 1)  # keyframes at 0 s and 1 s
    # A temporary folder of the test's own: other Heldar processes share the system's.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    grabber = FrameGrabber("ffmpeg")
    last = await grabber.grab("last", FrameSource.last_keyframe(segment))
    assert last == frame_at(segment, 1.0)
    assert last != frame_at(segment, 0.0)
    first = await grabber.grab("first", FrameSource.frame_at(segment))
    assert first == frame_at(segment, 0.0)
    thumbnail = await grabber.grab("thumb", FrameSource.thumbnail(segment, 0.5))
    assert thumbnail is not None
    assert thumbnail.startswith(JPEG)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not an mp4")
    assert await grabber.grab("broken", FrameSource.last_keyframe(broken)) is None
    missing = FrameGrabber(str(tmp_path / "no-ffmpeg"))
    assert await missing.grab("x", FrameSource.frame_at(segment)) is None
    assert list(scratch.iterdir()) == []  # none left


async def test_a_hanging_grab_is_killed_at_its_bound(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An FFmpeg that never finishes (and ignores SIGINT and SIGTERM) is killed at the bound."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "stubborn")
    grabber = FrameGrabber(str(fake_ffmpeg), bound=1.0)
    started = time.monotonic()
    assert await grabber.grab("hang", FrameSource.frame_at(tmp_path / "x.mp4")) is None
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 3.0
    (pid,) = started_pids(tmp_path / "fake_ffmpeg.log")
    assert not pid_alive(pid)
    assert grabber.running == 0
    assert grabber.cached("hang") is None  # a failure is not kept


async def test_one_grab_per_picture_shared_and_cached(
    fake_ffmpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Callers of one picture share one FFmpeg; the answer is cached as long as asked."""
    monkeypatch.setenv("HELDAR_FAKE_MODE", "exit")
    monkeypatch.setenv("HELDAR_FAKE_CODE", "0")
    monkeypatch.setenv("HELDAR_FAKE_DELAY", "0.3")
    grabber = FrameGrabber(str(fake_ffmpeg))
    jpeg = JPEG + b"picture"
    calls: list[FrameSource] = []
    real = grabber.run

    async def run(source: FrameSource, bound: float) -> bytes | None:
        calls.append(source)
        await real(source, bound)  # the fake writes no picture: stand in for its output
        return jpeg

    monkeypatch.setattr(grabber, "run", run)
    source = FrameSource.frame_at(tmp_path / "x.mp4")
    answers = await asyncio.gather(*(grabber.grab("k", source) for _ in range(4)))
    assert answers == [jpeg] * 4
    assert len(calls) == 1
    assert len(started_pids(tmp_path / "fake_ffmpeg.log")) == 1
    assert grabber.running == 0  # nothing kept per picture once answered
    assert await grabber.grab("k", source, max_age=60) == jpeg
    assert len(calls) == 1
    await asyncio.sleep(0.05)
    assert await grabber.grab("k", source, max_age=0.01) == jpeg  # too old: grabbed again
    assert len(calls) == 2


async def test_a_grabs_ffmpeg_does_not_outlive_home_assistant(
    fake_ffmpeg: Path, tmp_path: Path
) -> None:
    """Killing the process that grabs (HA) with -9 ends the grab's FFmpeg through SIGTERM.

    The grab's FFmpeg also carries the owner mark that tells a later start whose it was.
    """
    script = textwrap.dedent(
        """
        import asyncio, sys
        from pathlib import Path
        from custom_components.heldar.recorder.grabber import FrameGrabber, FrameSource

        async def main() -> None:
            grabber = FrameGrabber(sys.argv[1], bound=120)
            await grabber.grab("x", FrameSource.frame_at(Path(sys.argv[2])))

        asyncio.run(main())
        """
    )
    log = tmp_path / "fake_ffmpeg.log"
    parent = subprocess.Popen(  # noqa: ASYNC220 - the parent stands for a whole HA process
        [sys.executable, "-c", script, str(fake_ffmpeg), str(tmp_path / "x.mp4")],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "HELDAR_FAKE_LOG": str(log)},
    )
    child = 0
    try:
        await wait_until(lambda: bool(started_pids(log)))
        (child,) = started_pids(log)
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        marks = [v for v in environ if v.startswith(f"{OWNER_ENV}=".encode())]
        assert marks
        assert marks[0].split(b"=", 1)[1].split(b":")[0] == str(parent.pid).encode()
        parent.kill()
        parent.wait()
        await wait_until(lambda: not pid_alive(child))
        # Ended by the death signal alone (a loaded machine may deliver it twice, once more
        # when the orphan's new parent goes; never anything harsher).
        signals = fake_signals(log).get(child, [])
        assert signals
        assert set(signals) == {"SIGTERM"}
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child and pid_alive(child):
            os.kill(child, signal.SIGKILL)


def test_live_sources_time_out_their_socket() -> None:
    """RTSP gets FFmpeg's socket timeout (and TCP), HTTP its read-write timeout; no secret shows."""
    rtsp = FrameSource.live("rtsp://admin:s3cr3t-pass@cam.local/live", io_timeout=4)
    assert rtsp.before[:4] == ("-rtsp_transport", "tcp", "-timeout", "4000000")
    assert "s3cr3t-pass" not in rtsp.label
    http = FrameSource.live("http://cam.local/video.mjpg", io_timeout=4)
    assert http.before[:2] == ("-rw_timeout", "4000000")


@pytest.mark.media
async def test_a_live_grab_answers_or_gives_up_early(socket_enabled: None) -> None:
    """A real camera gives a keyframe; one that accepts but never answers gives up early.

    Nothing comes from the silent one once its socket timeout passes, well before the bound.
    """
    require_media_tools()
    camera = RtspCamera()
    camera.start()
    grabber = FrameGrabber("ffmpeg", bound=30)
    try:
        jpeg = await grabber.grab("live", FrameSource.live(camera.url), bound=15)
        assert jpeg is not None
        assert jpeg.startswith(JPEG)
    finally:
        camera.stop()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"rtsp://127.0.0.1:{silent.getsockname()[1]}/stream"
        started = time.monotonic()
        assert await grabber.grab("silent", FrameSource.live(url, io_timeout=1.0)) is None
        assert time.monotonic() - started < 10
    assert this_process() is not None
