"""The daily recap's cost: CPU seconds per recap day, against a time-lapse that re-encodes.

The recap is the real ``make_recap`` over a synthetic 24 h day of 1440 one-minute 720p
segments (bench/synthetic_day.py): 24 h in 2 minutes at 25 frames a second, by stream copy.
The comparison is the time-lapse most people would write, FFmpeg decoding everything and
encoding with x264 ultrafast (``setpts=PTS/720``, output at 25 frames a second), plus a
fairer one that decodes keyframes only (``-skip_frame nokey``). Re-encoding a whole day would
take about an hour of CPU on this shared machine, so all three are measured on the same hour
of that day in the same run, and the re-encodes' day figures are that hour times 24 (their
cost is per decoded frame, so linear in footage). CPU is each FFmpeg's own user + system
time (``-benchmark``); the footage is in the page cache, so disk reads are not counted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import re
import subprocess
import tempfile
import time

from common import emit
from synthetic_day import SEGMENT_SECONDS, lay_out

from custom_components.heldar.recorder.recap import (
    RECAP_FPS,
    RECAP_SECONDS,
    RecapResult,
    RecapSegment,
    make_recap,
)

DAY_START = 1_800_000_000.0 - 8 * 3600  # a midnight, UTC
DAY = 86400.0
SPEED = DAY / RECAP_SECONDS  # 720: 24 h in 2 minutes
_CPU = re.compile(r"bench: utime=([\d.]+)s stime=([\d.]+)s")


def segments(paths: list[Path], first: float) -> list[RecapSegment]:
    """The index's view of laid-out footage (each file is exactly one minute)."""
    return [
        RecapSegment(path, first + number * SEGMENT_SECONDS, SEGMENT_SECONDS)
        for number, path in enumerate(paths)
    ]


def reencode(paths: list[Path], output: Path, *, keyframes_only: bool) -> tuple[float, float]:
    """Run the re-encoding time-lapse over ``paths``; return (CPU seconds, wall seconds)."""
    listing = output.with_suffix(".txt")
    listing.write_text("".join(f"file '{path}'\n" for path in paths))
    skip = ["-skip_frame", "nokey"] if keyframes_only else []
    started = time.monotonic()
    result = subprocess.run(
        [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "info", "-benchmark", "-y",
            *skip, "-f", "concat", "-safe", "0", "-i", str(listing),
            "-an", "-vf", f"setpts=PTS/{SPEED:g}", "-r", str(RECAP_FPS),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", str(output),
        ],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    wall = time.monotonic() - started
    cpu = _CPU.search(result.stderr)
    assert cpu is not None, result.stderr[-500:]
    return float(cpu[1]) + float(cpu[2]), wall


async def recap(
    paths: list[Path], span: tuple[float, float], output: Path
) -> tuple[RecapResult, float]:
    """Run the real recap over ``span`` at the day's speed; return it and its wall time."""
    started = time.monotonic()
    seconds = (span[1] - span[0]) / SPEED
    result = await make_recap("ffmpeg", segments(paths, span[0]), span, output, seconds=seconds)
    return result, time.monotonic() - started


async def main() -> None:
    """Measure the day's recap, then the three ways over one hour."""
    with tempfile.TemporaryDirectory(prefix="heldar-recap-") as scratch:
        folder = Path(scratch) / "cam"
        day = lay_out(folder, DAY_START, int(DAY / SEGMENT_SECONDS))
        whole, wall = await recap(day, (DAY_START, DAY_START + DAY), Path(scratch) / "day.mp4")
        assert whole.cpu_seconds is not None
        emit(
            "recap_cpu_seconds_per_day",
            round(whole.cpu_seconds, 2),
            "CPU s",
            "- (stream copy: no decode, no encode)",
            None,
            segments=len(day),
            footage_gb=round(whole.bytes_read / 1e9, 2),
            wall_seconds=round(wall, 1),
            frames=whole.frames,
            recap_seconds=whole.recap_seconds,
            recap_mb=round(whole.size / 1e6, 1),
            recap_mbit_per_s=round(whole.size * 8 / whole.recap_seconds / 1e6, 2),
            speed=SPEED,
            source="1280x720 25 fps H.264 2 Mbit/s, keyframe every 2 s, 60 s segments",
        )

        hour = day[8 * 60 : 9 * 60]  # 08:00 to 09:00
        hour_span = (DAY_START + 8 * 3600, DAY_START + 9 * 3600)
        copied, copied_wall = await recap(hour, hour_span, Path(scratch) / "hour.mp4")
        assert copied.cpu_seconds is not None
        full_cpu, full_wall = await asyncio.to_thread(
            reencode, hour, Path(scratch) / "timelapse.mp4", keyframes_only=False
        )
        key_cpu, key_wall = await asyncio.to_thread(
            reencode, hour, Path(scratch) / "timelapse_keys.mp4", keyframes_only=True
        )
        emit(
            "recap_vs_reencode_cpu_ratio",
            round(full_cpu / copied.cpu_seconds, 1),
            "ratio",
            "- (re-encoding time-lapse CPU / recap CPU, same hour, same run)",
            None,
            hour_recap_cpu_seconds=round(copied.cpu_seconds, 3),
            hour_recap_wall_seconds=round(copied_wall, 2),
            hour_reencode_cpu_seconds=round(full_cpu, 1),
            hour_reencode_wall_seconds=round(full_wall, 1),
            hour_reencode_keyframes_only_cpu_seconds=round(key_cpu, 2),
            hour_reencode_keyframes_only_wall_seconds=round(key_wall, 1),
            keyframes_only_ratio=round(key_cpu / copied.cpu_seconds, 1),
        )
        emit(
            "reencode_timelapse_cpu_seconds_per_day",
            round(full_cpu * 24, 0),
            "CPU s",
            "- (the measured hour x 24: setpts + x264 ultrafast, every frame decoded)",
            None,
            measured_hour_cpu_seconds=round(full_cpu, 1),
        )
        emit(
            "reencode_keyframes_only_cpu_seconds_per_day",
            round(key_cpu * 24, 1),
            "CPU s",
            "- (the measured hour x 24: -skip_frame nokey, setpts + x264 ultrafast)",
            None,
            measured_hour_cpu_seconds=round(key_cpu, 2),
        )


if __name__ == "__main__":
    asyncio.run(main())
