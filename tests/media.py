"""Real media for tests: the GStreamer RTSP camera, ffprobe, and a scan of live processes.

Tests that need these call ``require_media_tools``: outside CI a missing tool skips them, but
under ``CI=true`` it fails them, so a CI run can never pass without recording for real.

The FFmpeg that the recorder's real-media tests run is ``HELDAR_TEST_FFMPEG`` (default: the
``ffmpeg`` on ``PATH``), and the ffprobe it is given ``HELDAR_TEST_FFPROBE`` (default
``ffprobe``; set and empty: none, Heldar's "no ffprobe" path). ``scripts/test`` runs the
real-camera tests a second time with the newest FFmpeg the package registries offer. The
tests' own checks of the files always use the system ``ffprobe``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import json
import os
from pathlib import Path
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CAMERA_SCRIPT = ROOT / "scripts" / "rtsp_camera.py"
SYSTEM_PYTHON = "/usr/bin/python3"
FAKE_FFMPEG = Path(__file__).resolve().parent / "fake_ffmpeg.py"


def recording_ffmpeg() -> str:
    """The FFmpeg binary the recorder runs in real-media tests."""
    return os.environ.get("HELDAR_TEST_FFMPEG") or "ffmpeg"


def recording_ffprobe() -> str | None:
    """The ffprobe the recorder is given in real-media tests (None: Heldar has none)."""
    return os.environ.get("HELDAR_TEST_FFPROBE", "ffprobe") or None


def _missing_tools() -> list[str]:
    tools = {"ffmpeg", "ffprobe", recording_ffmpeg(), recording_ffprobe() or "ffprobe"}
    missing = sorted(tool for tool in tools if shutil.which(tool) is None)
    gi_ok = Path(SYSTEM_PYTHON).exists() and (
        subprocess.run(
            [
                SYSTEM_PYTHON,
                "-c",
                (
                    "import gi; gi.require_version('GstRtspServer', '1.0');"
                    "from gi.repository import GstRtspServer"
                ),
            ],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not gi_ok:
        missing.append("GStreamer RTSP server for /usr/bin/python3")
    return missing


_MISSING: list[str] | None = None


def require_media_tools() -> None:
    """Fail (under CI) or skip (elsewhere) unless FFmpeg, ffprobe and the RTSP server work."""
    global _MISSING  # noqa: PLW0603 - checked once per test session
    if _MISSING is None:
        _MISSING = _missing_tools()
    if _MISSING:
        message = f"real-media tools missing: {', '.join(_MISSING)}; run scripts/setup as root"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)


class RtspCamera:
    """The GStreamer test camera, started and stopped by the test that owns it."""

    def __init__(self, *, user: str = "", password: str = "", **options: str | int) -> None:
        """Describe the camera; ``options`` map to rtsp_camera.py flags (``gop=50``).

        Underscores become dashes, and ``True`` is a flag without a value
        (``no_keyframe_on_join=True``).
        """
        self.user = user
        self.password = password
        self.options = options
        self.port = 0
        self._process: subprocess.Popen[str] | None = None
        # The server's stderr, kept in a file so that a camera that dies mid-test says why
        # (``stop`` prints its tail, which pytest shows with the failing test, then drops it).
        self._stderr: Path | None = None

    @property
    def url(self) -> str:
        """Return the stream URL without credentials."""
        return f"rtsp://127.0.0.1:{self.port}/stream"

    @property
    def sub_url(self) -> str:
        """Return the sub-stream's URL (start the camera with ``sub_path="/sub"``)."""
        return f"rtsp://127.0.0.1:{self.port}{self.options.get('sub_path', '/sub')}"

    def start(self) -> None:
        """Start serving, on the same port as before when restarted."""
        argv = [SYSTEM_PYTHON, str(CAMERA_SCRIPT), "--port", str(self.port)]
        if self.user:
            argv += ["--user", self.user, "--password", self.password]
        for key, value in self.options.items():
            flag = f"--{key.replace('_', '-')}"
            argv += [flag] if value is True else [flag, str(value)]
        descriptor, name = tempfile.mkstemp(prefix="rtsp-camera-", suffix=".log")
        self._stderr = Path(name)
        try:
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=descriptor, text=True)
        finally:
            os.close(descriptor)
        self._process = process
        assert process.stdout is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                line = process.stdout.readline()
                if line.startswith("READY "):
                    self.port = int(line.split()[1])
                    return
                if not line:
                    break
            if process.poll() is not None:
                break
        tail = self.stderr_tail()
        self.stop()
        pytest.fail(f"the RTSP test camera did not start: {argv}\n{tail}")

    def stderr_tail(self, lines: int = 30) -> str:
        """Return the last lines the server wrote to stderr since it last started."""
        if self._stderr is None or not self._stderr.exists():
            return ""
        text = self._stderr.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, no packet flows."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run on."""
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Stop serving and reap the server."""
        if (process := self._process) is None:
            return
        self._process = None
        if (code := process.poll()) is not None:  # it died by itself: say why, for the test
            print(  # noqa: T201 - pytest shows a failing test's captured stderr
                f"The RTSP test camera on port {self.port} had exited by itself ({code}):\n"
                f"{self.stderr_tail()}",
                file=sys.stderr,
            )
        process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.unlink(missing_ok=True)
            self._stderr = None


def closed_port() -> int:
    """Return a loopback port nothing listens on (bound, then released): a refused connection."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port: int = taken.getsockname()[1]
    return port


@contextmanager
def silent_port() -> Iterator[int]:
    """Listen on a loopback port whose connections the kernel accepts but nobody answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def ffprobe(path: Path) -> dict[str, Any]:
    """Return ffprobe's view of a file; fails the test if the file does not parse."""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration,format_name:stream=codec_type,codec_name,nb_read_packets",
            "-count_packets",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0, f"{path.name} does not parse: {result.stderr}"
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def video_packets(path: Path) -> list[tuple[float, bool]]:
    """Return each video packet's presentation time and whether it is a keyframe."""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,flags",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    packets = []
    for line in result.stdout.splitlines():
        pts, _, flags = line.partition(",")
        if pts and pts != "N/A":
            packets.append((float(pts), "K" in flags))
    return packets


def packet_times(path: Path) -> list[tuple[float, float]]:
    """Return each video packet's presentation and decoding time, in file order."""
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"]
    argv += ["packet=pts_time,dts_time", "-of", "csv=p=0", str(path)]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30)
    times = [line.split(",")[:2] for line in result.stdout.split()]
    return [(float(pts), float(dts)) for pts, dts in times if "N/A" not in (pts, dts)]


def first_frame_is_keyframe(path: Path) -> bool:
    """Whether a file's first video packet is a keyframe (so it plays from its start)."""
    packets = video_packets(path)
    return bool(packets) and packets[0][1]


def duration(path: Path) -> float:
    """Return a playable file's duration in seconds."""
    return float(ffprobe(path)["format"]["duration"])


def processes_with(needle: str) -> list[int]:
    """Return live (non-zombie) processes whose command line contains ``needle``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (zombies count as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
