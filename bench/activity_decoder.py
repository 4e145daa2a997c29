"""The comparison: decode-based motion detection as Frigate does it, on the same files.

Frigate decodes its detect stream with FFmpeg at ``detect.fps`` (5 by default), and its motion
detector (``ImprovedMotionDetector``) shrinks each frame to 100 px high, blurs it, compares it
with a running average (``frame_alpha`` 0.01), thresholds the difference at 30, dilates it and
keeps contours over 10 px; a change over 80 % of the picture is taken for lightning, resets the
average and is not motion. This is that pipeline in numpy, with two choices that can only make
the decoder cheaper than Frigate: FFmpeg itself scales to 178x100 grey (Frigate pipes YUV at the
detect size and resizes in Python), and the changed area is counted instead of traced into
contours (OpenCV is not a dependency here). Contrast improvement is left out.

Cost is measured as the FFmpeg child's CPU (``os.wait4``'s rusage: every decoding thread)
plus this process's CPU in the diff, and its peak memory as the child's maximum RSS plus the
Python side's traced peak.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import subprocess
import tempfile
import time
import tracemalloc

import numpy as np

DETECT_FPS = 5
WIDTH, HEIGHT = 178, 100
THRESHOLD = 30
MIN_AREA = 10
LIGHTNING = 0.8
FRAME_ALPHA = 0.01


@dataclass(frozen=True, slots=True)
class DecoderRun:
    """What the decoder saw and what it cost."""

    motion_times: list[float]  # media seconds of the frames with motion
    frames: int
    ffmpeg_cpu: float  # CPU seconds of the FFmpeg child
    python_cpu: float  # CPU seconds of the diff
    ffmpeg_max_rss: int  # bytes
    python_peak: int  # bytes traced


def _blur(frame: np.ndarray) -> np.ndarray:
    """A 3x3 blur (Frigate: GaussianBlur 3x3), edges replicated."""
    padded = np.pad(frame, 1, mode="edge")
    rows = padded[:-2] + 2 * padded[1:-1] + padded[2:]
    return (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 16.0


def _dilate(mask: np.ndarray) -> np.ndarray:
    padded = np.pad(mask, 1)
    rows = padded[:-2] | padded[1:-1] | padded[2:]
    return rows[:, :-2] | rows[:, 1:-1] | rows[:, 2:]


class MotionDetector:
    """Frigate's motion test on one stream of small grey frames."""

    def __init__(self) -> None:
        """No average yet: the first frame starts it."""
        self.average: np.ndarray | None = None

    def motion(self, frame: np.ndarray) -> bool:
        """Whether ``frame`` differs from the running average as Frigate counts motion."""
        blurred = _blur(frame.astype(np.float32))
        if self.average is None:
            self.average = blurred
            return False
        changed = _dilate(np.abs(blurred - self.average) > THRESHOLD)
        area = int(changed.sum())
        if area > LIGHTNING * changed.size:  # lightning: a new picture, not motion
            self.average = blurred
            return False
        self.average = self.average * (1 - FRAME_ALPHA) + blurred * FRAME_ALPHA
        return area >= MIN_AREA


def decode_motion(files: list[Path]) -> DecoderRun:
    """Decode ``files`` (in order, as one stream) at 5 fps and run the motion test on each frame."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.writelines(f"file '{path}'\n" for path in files)
    argv = ["ffmpeg", "-v", "error", "-f", "concat", "-safe", "0", "-i", listing.name]
    argv += ["-vf", f"fps={DETECT_FPS},scale={WIDTH}:{HEIGHT}:flags=area,format=gray"]
    argv += ["-f", "rawvideo", "pipe:1"]
    detector = MotionDetector()
    motion: list[float] = []
    frame_bytes = WIDTH * HEIGHT
    count = 0
    python_cpu = 0.0
    tracemalloc.start()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE)
    assert process.stdout is not None
    try:
        while len(raw := process.stdout.read(frame_bytes)) == frame_bytes:
            began = time.process_time()
            frame = np.frombuffer(raw, np.uint8).reshape(HEIGHT, WIDTH)
            if detector.motion(frame):
                motion.append(count / DETECT_FPS)
            count += 1
            python_cpu += time.process_time() - began
    finally:
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        Path(listing.name).unlink()
    assert process.returncode == 0, f"the decoder failed: {argv}"
    return DecoderRun(
        motion_times=motion,
        frames=count,
        ffmpeg_cpu=usage.ru_utime + usage.ru_stime,
        python_cpu=python_cpu,
        ffmpeg_max_rss=usage.ru_maxrss * 1024,
        python_peak=peak,
    )
