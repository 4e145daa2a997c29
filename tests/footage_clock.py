"""Judge recorded footage against the test camera's own clock: frame rate and lag per output.

The test camera (``scripts/rtsp_camera.py --marks FILE``) turns its picture's background to a
new grey level about once a second and logs when the first frame of each level left its
encoder. The footage is decoded at low resolution; each frame's wall-clock time is the moment
its segment file was created (seen by ``Births``, a poller of the test's own, not Heldar's
stamps) plus the frame's media time. The first frame showing a new level, matched with the
camera's log line for that change, gives the lag of that output behind the clock.

A segment's file is created when FFmpeg writes its first packet, except the first segment of a
run, which FFmpeg opens when it connects, before the first keyframe arrives: those are left out
of the lag (not of the frame rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import itertools
import os
from pathlib import Path
import statistics
import subprocess
import threading
import time

LEVELS = 16
# Luma (limited range) of level k: grey 16k + 8 through BT.601's 219/255 scale.
_LUMA = [16 + (16 * level + 8) * 219 / 255 for level in range(LEVELS)]
# Frames closer than this on the wall clock are consecutive (a larger step is a gap).
_CONTIGUOUS = 0.5


@dataclass(frozen=True, slots=True)
class Mark:
    """One change of the camera's picture: its mount, its new level, when it was sent."""

    mount: str
    level: int
    sent: float


def read_marks(path: Path) -> list[Mark]:
    """Return the camera's log of marks, in order."""
    marks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        mount, level, sent = line.split()
        marks.append(Mark(mount, int(level), float(sent)))
    return marks


class Births:
    """Note when each ``.mp4`` first appears in some folders (polled every 20 ms, in a thread).

    A segment is moved out of a pre-roll buffer once it has closed; its name stays, so the
    birth is kept by name.
    """

    def __init__(self, *folders: Path, period: float = 0.02) -> None:
        """Watch ``folders`` (which may not exist yet) from ``start`` to ``stop``."""
        self.folders = folders
        self.period = period
        self.seen: dict[tuple[Path, str], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="births", daemon=True)

    def start(self) -> Births:
        """Start polling."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Births:  # noqa: PYI034
        """Start polling."""
        return self.start()

    def __exit__(self, *_: object) -> None:
        """Stop polling."""
        self.stop()

    def born(self, folder: Path, name: str) -> float | None:
        """When ``name`` first appeared in ``folder``."""
        return self.seen.get((folder, name))

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            for folder in self.folders:
                try:
                    with os.scandir(folder) as entries:
                        for entry in entries:
                            if entry.name.endswith(".mp4"):
                                self.seen.setdefault((folder, entry.name), now)
                except FileNotFoundError:
                    continue
            self._stop.wait(self.period)


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: its wall-clock time on the footage's timeline, and its level."""

    wall: float
    level: int
    lag_valid: bool  # in a segment whose birth dates its first frame


def decode_levels(path: Path, ffprobe: str = "ffprobe") -> list[tuple[float, int]]:
    """Return each video frame's media time and the mark level its background shows."""
    source = str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    graph = f"movie='{source}',scale=16:9:flags=area,signalstats"
    argv = [ffprobe, "-v", "error", "-f", "lavfi", "-i", graph, "-show_entries"]
    argv += ["frame=pts_time:frame_tags=lavfi.signalstats.YLOW", "-of", "csv=p=0"]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120)
    frames = []
    for line in result.stdout.splitlines():
        pts, _, low = line.partition(",")
        if pts and low and pts != "N/A":
            luma = float(low)
            level = min(range(LEVELS), key=lambda k: abs(_LUMA[k] - luma))
            frames.append((float(pts), level))
    return frames


@dataclass(slots=True)
class Verdict:
    """One output's frame rate and lag behind the clock."""

    frames: int = 0
    media_seconds: float = 0.0
    wall_seconds: float = 0.0
    dated_media_seconds: float = 0.0  # the media of segments whose birth is known
    lags: list[tuple[float, float]] = field(default_factory=list)  # (sent, lag)
    unmatched: int = 0

    @property
    def fps(self) -> float:
        """Frames per media second."""
        return self.frames / self.media_seconds if self.media_seconds else 0.0

    @property
    def media_over_wall(self) -> float:
        """Media seconds per wall second spanned, over the segments whose birth is known."""
        return self.dated_media_seconds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def worst_lag(self) -> float:
        """The largest lag seen."""
        return max((lag for _, lag in self.lags), default=float("inf"))

    @property
    def lag_growth(self) -> float:
        """The median lag of the last third minus that of the first third (a growing lag)."""
        lags = [lag for _, lag in sorted(self.lags)]
        third = len(lags) // 3
        if third == 0:
            return float("inf")
        return statistics.median(lags[-third:]) - statistics.median(lags[:third])

    def summary(self) -> dict[str, float | int]:
        """The figures, for a failure message or a benchmark row."""
        lags = [lag for _, lag in self.lags]
        return {
            "frames": self.frames,
            "media_s": round(self.media_seconds, 2),
            "wall_s": round(self.wall_seconds, 2),
            "fps": round(self.fps, 2),
            "media_over_wall": round(self.media_over_wall, 4),
            "marks_matched": len(lags),
            "marks_unmatched": self.unmatched,
            "lag_median_s": round(statistics.median(lags), 3) if lags else -1,
            "lag_max_s": round(max(lags), 3) if lags else -1,
            "lag_growth_s": round(self.lag_growth, 3) if len(lags) >= 3 else -1,
        }

    def check(self, fps: float, *, max_lag: float = 1.0, tolerance: float = 0.05) -> None:
        """Assert the frame rate within ``tolerance`` and the lag at most ``max_lag`` s."""
        figures = self.summary()
        assert abs(self.fps - fps) <= fps * tolerance, f"frame rate off: {figures}"
        assert len(self.lags) >= 3, f"too few marks seen: {figures}"
        assert self.worst_lag <= max_lag, f"behind the clock: {figures}"
        assert self.lag_growth <= max_lag / 2, f"lag grows: {figures}"


def judge(
    segments: list[tuple[Path, float | None]],
    marks: list[Mark],
    mount: str,
    *,
    ffprobe: str = "ffprobe",
) -> Verdict:
    """Judge one output from its segments (each with its birth, None if not to be trusted).

    ``segments`` are in order; ``marks`` the camera's log (only ``mount``'s are used).
    """
    verdict = Verdict()
    frames: list[Frame] = []
    for path, born in segments:
        decoded = decode_levels(path, ffprobe)
        if len(decoded) < 2:
            continue
        times = [pts for pts, _ in decoded]
        step = (times[-1] - times[0]) / (len(times) - 1)
        verdict.frames += len(decoded)
        verdict.media_seconds += times[-1] - times[0] + step
        if born is None:
            continue
        verdict.dated_media_seconds += times[-1] - times[0] + step
        frames += [Frame(born + pts, level, lag_valid=True) for pts, level in decoded]
    if frames:
        verdict.wall_seconds = frames[-1].wall - frames[0].wall + 1 / max(verdict.fps, 1.0)
    mine = [mark for mark in marks if mark.mount == mount]
    pairs = list(itertools.pairwise(mine))
    for before, frame in itertools.pairwise(frames):
        if frame.level == before.level or frame.wall - before.wall > _CONTIGUOUS:
            continue
        # The camera's change from ``before.level`` to ``frame.level`` that is nearest in time.
        changes = [
            new for old, new in pairs if (old.level, new.level) == (before.level, frame.level)
        ]
        if not changes:
            verdict.unmatched += 1
            continue
        mark = min(changes, key=lambda new: abs(frame.wall - new.sent))
        verdict.lags.append((mark.sent, frame.wall - mark.sent))
    return verdict


def folder_segments(
    folder: Path, births: Births, *, skip_first: bool = True
) -> list[tuple[Path, float | None]]:
    """A folder's segments in order, with their births; the first one's birth left out."""
    paths = sorted(folder.glob("*.mp4"))
    return [
        (path, None if (skip_first and index == 0) else births.born(folder, path.name))
        for index, path in enumerate(paths)
    ]
