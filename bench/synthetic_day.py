"""A camera's day of footage, made synthetically: what the recap and move benchmarks read.

A day cannot be recorded here, so ten distinct minutes are encoded once (a 1280x720, 25 fps
test pattern with noise, so it costs bits as a camera's picture does: H.264 at 2 Mbit/s, a
keyframe every 2 s, cut into 60 s fragmented MP4 segments with the recorder's own options)
and cached; a day is those minutes hard-linked under the 1440 names a day of 60 s segments
has. Every byte of the day is read by what is measured, but the same ten minutes' pages serve
every hour: disk reads are not part of these figures (the page cache holds them).
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

from common import ROOT

sys.path.insert(0, str(ROOT))

from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.segments import segment_name

CACHE = Path(os.environ.get("HELDAR_BENCH_CACHE", "/tmp/heldar-bench-footage"))  # noqa: S108
DISTINCT_MINUTES = 10
SEGMENT_SECONDS = 60
SIZE = "1280x720"
FPS = 25
GOP_SECONDS = 2
BITRATE = "2M"


def distinct_minutes() -> list[Path]:
    """Return the cached distinct segments, encoding them first if they are missing."""
    folder = CACHE / f"{SIZE}_{FPS}fps_gop{GOP_SECONDS}_{BITRATE}"
    made = sorted(folder.glob("*.mp4"))
    if len(made) == DISTINCT_MINUTES:
        return made
    folder.mkdir(parents=True, exist_ok=True)
    for old in made:
        old.unlink()
    frames = GOP_SECONDS * FPS
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate={FPS}",
            "-t", str(DISTINCT_MINUTES * SEGMENT_SECONDS),
            "-vf", "noise=alls=12:allf=t",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", str(frames), "-keyint_min", str(frames), "-sc_threshold", "0",
            "-b:v", BITRATE, "-maxrate", BITRATE, "-bufsize", BITRATE,
            "-f", "segment", "-segment_time", str(SEGMENT_SECONDS),
            "-segment_format", "mp4", "-segment_format_options", FRAGMENTED_MP4,
            "-reset_timestamps", "1", str(folder / "%03d.mp4"),
        ],
        check=True,
    )  # fmt: skip
    made = sorted(folder.glob("*.mp4"))
    assert len(made) == DISTINCT_MINUTES, made
    return made


def lay_out(folder: Path, first: float, minutes: int) -> list[Path]:
    """Hard-link the distinct minutes, over and over, as ``minutes`` segments from ``first``."""
    sources = distinct_minutes()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(minutes):
        path = folder / segment_name(first + number * SEGMENT_SECONDS)
        if not path.exists():
            os.link(sources[number % len(sources)], path)
        paths.append(path)
    return paths
