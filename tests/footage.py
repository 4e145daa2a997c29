"""Camera-like footage made by the real FFmpeg, named as Heldar names its segments.

A lavfi test pattern with noise (so it costs bits as a camera's picture does), H.264 with a
fixed GOP, cut by the segment muxer with the very fragmented-MP4 options the recorder uses, then
renamed to the UTC start times a test asks for. Faster than recording in real time, for tests
whose subject is what happens to finished footage (moving it, a recap), not recording itself.
"""

from __future__ import annotations

from collections.abc import Sequence
import hashlib
from pathlib import Path
import subprocess
import tempfile

from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.segments import segment_name


def make_segments(
    folder: Path,
    starts: Sequence[float],
    *,
    seconds: int = 4,
    size: str = "320x240",
    fps: int = 25,
    gop_seconds: int = 2,
    bitrate: str = "1M",
) -> list[Path]:
    """Write one ``seconds``-long segment per start time into ``folder``; return them in order."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
        pattern = Path(scratch) / "%04d.mp4"
        subprocess.run(
            [
                "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}",
                "-t", str(seconds * len(starts)),
                "-vf", "noise=alls=12:allf=t",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-g", str(gop_seconds * fps), "-keyint_min", str(gop_seconds * fps),
                "-sc_threshold", "0",
                "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
                "-f", "segment", "-segment_time", str(seconds),
                "-segment_format", "mp4", "-segment_format_options", FRAGMENTED_MP4,
                "-reset_timestamps", "1", str(pattern),
            ],
            check=True,
            timeout=120,
        )  # fmt: skip
        made = sorted(Path(scratch).glob("*.mp4"))
        assert len(made) == len(starts), made
        paths = []
        for source, start in zip(made, starts, strict=True):
            target = folder / segment_name(start)
            source.replace(target)
            paths.append(target)
    return paths


def sha256(path: Path) -> str:
    """Return a file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
