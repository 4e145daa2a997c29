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
# The same once more: a JPEG camera's limited-range luma taken as full range, then converted
# to limited range by the MJPEG-to-H.264 transcode.
_LUMA_TWICE = [16 + luma * 219 / 255 for luma in _LUMA]
# Frames closer than this on the wall clock are consecutive (a larger step is a gap).
_CONTIGUOUS = 0.5
# How close in time a change must be to a mark read one level off (see ``judge``).
_NEAR = 2.0
# A change with no mark this close is a misread, not a lag: with 16 levels, a given pair of
# levels recurs about every 240 s, so a lone misread change once matched a mark 181 s away.
# A real lag this large shows on every change of its segment, so as many unmatched changes,
# which ``Verdict.check`` fails (more than one in five).
_FAR = 30.0
# Frames a level must hold to count as one (see ``transitions``); marks are 25 frames apart.
_STABLE = 6


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

    Each new file is hard-linked into ``keep`` at once, so that what the recorder later moves
    (out of a pre-roll buffer), joins or deletes is still there to judge: the link is the same
    file, written on by FFmpeg until it closes it. A file is known by its inode, so one moved
    from a watched buffer into a watched camera folder keeps its first birth and folder.
    """

    def __init__(self, *folders: Path, keep: Path, period: float = 0.02) -> None:
        """Watch ``folders`` (which may not exist yet) from ``start`` to ``stop``."""
        self.folders = folders
        self.keep = keep
        self.period = period
        # inode -> (the folder it appeared in, its name, when, its link in ``keep``)
        self.seen: dict[int, tuple[Path, str, float, Path]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="births", daemon=True)

    def start(self) -> Births:
        """Start polling."""
        self.keep.mkdir(parents=True, exist_ok=True)
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

    def segments(self, folder: Path, since: float = 0.0) -> list[tuple[Path, float]]:
        """The files that first appeared in ``folder`` (after ``since``): links, births."""
        found = [
            (link, born)
            for where, name, born, link in self.seen.values()
            if where == folder and born >= since
        ]
        return sorted(found, key=lambda item: item[1])

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            for folder in self.folders:
                try:
                    with os.scandir(folder) as entries:
                        for entry in entries:
                            if entry.name.endswith(".mp4") and entry.inode() not in self.seen:
                                self._link(folder, entry, now)
                except FileNotFoundError:
                    continue
            self._stop.wait(self.period)

    def _link(self, folder: Path, entry: os.DirEntry[str], now: float) -> None:
        link = self.keep / f"{len(self.seen):05d}-{folder.name}-{entry.name}"
        try:
            os.link(entry.path, link)
        except FileNotFoundError:
            return  # gone already: a stub removed at once
        self.seen[entry.inode()] = (folder, entry.name, now, link)


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: its wall-clock time on the footage's timeline, and its level."""

    wall: float
    level: int
    lag_valid: bool  # in a segment whose birth dates its first frame


def decode_lumas(path: Path, ffprobe: str = "ffprobe") -> list[tuple[float, float]]:
    """Return each video frame's media time and its background's luma."""
    source = str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    graph = f"movie='{source}',scale=16:9:flags=area,signalstats"
    argv = [ffprobe, "-v", "error", "-f", "lavfi", "-i", graph, "-show_entries"]
    argv += ["frame=pts_time:frame_tags=lavfi.signalstats.YLOW", "-of", "csv=p=0"]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120)
    lumas = []
    for line in result.stdout.splitlines():
        pts, _, low = line.partition(",")
        if pts and low and pts != "N/A":
            lumas.append((float(pts), float(low)))
    return lumas


def luma_table(lumas: list[tuple[float, float]]) -> list[float]:
    """The scale an output's lumas sit on more closely, over all its frames.

    Chosen per output, never per file: a 2 s file shows two or three levels, which the other
    scale can fit better by chance, and every level of that file then read one off (a change
    the camera never made, matched with a mark 27 s away).
    """
    return min((_LUMA, _LUMA_TWICE), key=lambda table: _misfit(table, lumas))


def _nearest(table: list[float], luma: float) -> int:
    return min(range(LEVELS), key=lambda level: abs(table[level] - luma))


def _misfit(table: list[float], lumas: list[tuple[float, float]]) -> float:
    return sum((table[_nearest(table, luma)] - luma) ** 2 for _, luma in lumas)


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

    def summary(self) -> dict[str, float | int | str]:
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

    def check(
        self, fps: float, *, max_lag: float = 1.0, tolerance: float = 0.05, label: str = ""
    ) -> None:
        """Assert the frame rate within ``tolerance`` and the lag at most ``max_lag`` s."""
        figures = {"output": label, **self.summary()}
        assert abs(self.fps - fps) <= fps * tolerance, f"frame rate off: {figures}"
        assert len(self.lags) >= 3, f"too few marks seen: {figures}"
        # Changes seen that the camera never made: the footage (or its decoding) is wrong.
        assert self.unmatched <= len(self.lags) // 5, f"marks not found: {figures}"
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
    decoded_files = [(decode_lumas(path, ffprobe), born) for path, born in segments]
    table = luma_table([each for lumas, _ in decoded_files for each in lumas])
    for lumas, born in decoded_files:
        decoded = [(pts, _nearest(table, luma)) for pts, luma in lumas]
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
    verdict.lags, verdict.unmatched = match_changes(transitions(frames), mine)
    return verdict


def match_changes(
    changes: list[tuple[float, int, int]], marks: list[Mark]
) -> tuple[list[tuple[float, float]], int]:
    """Match each change seen (when, level before, level after) with the camera's mark.

    Returns the lags (when the mark was sent, how late the change showed) and how many
    changes matched no mark within ``_FAR``.
    """
    pairs = list(itertools.pairwise(marks))
    lags: list[tuple[float, float]] = []
    unmatched = 0
    for wall, old_level, new_level in changes:
        # The camera's change from ``old_level`` to ``new_level`` that is nearest in time.
        exact = [new for old, new in pairs if (old.level, new.level) == (old_level, new_level)]
        # A level may read one off (a segment's first keyframe at a low bitrate): such a
        # near match counts only close by, where no exact one is.
        near = [
            new
            for old, new in pairs
            if abs(old.level - old_level) <= 1
            and abs(new.level - new_level) <= 1
            and abs(wall - new.sent) <= _NEAR
        ]
        found = exact if _closest(exact, wall) <= _NEAR or not near else near
        if _closest(found, wall) > _FAR:
            unmatched += 1
            continue
        mark = min(found, key=lambda new: abs(wall - new.sent))
        lags.append((mark.sent, wall - mark.sent))
    return lags, unmatched


def _closest(marks: list[Mark], wall: float) -> float:
    return min((abs(wall - mark.sent) for mark in marks), default=float("inf"))


def transitions(frames: list[Frame]) -> list[tuple[float, int, int]]:
    """Each change of level in unbroken footage: when it shows, the level before, the one after.

    A level counts once it holds ``_STABLE`` frames: a change of the whole picture can take the
    encoder a few frames, whose in-between grey would read as a level of its own. The change
    shows at the first frame that differs from the level before.
    """
    runs: list[tuple[int, int, int]] = []  # (level, first frame, frames)
    for index, frame in enumerate(frames):
        unbroken = index > 0 and frame.wall - frames[index - 1].wall <= _CONTIGUOUS
        if runs and unbroken and runs[-1][0] == frame.level:
            level, first, count = runs[-1]
            runs[-1] = (level, first, count + 1)
        else:
            runs.append((frame.level, index, 1))
    stable = [run for run in runs if run[2] >= _STABLE]
    found = []
    for (old, first, count), (new, start, _) in itertools.pairwise(stable):
        changed = first + count  # the first frame after the old level
        between = frames[changed - 1 : start + 1]
        steps = [b.wall - a.wall for a, b in itertools.pairwise(between)]
        if start - changed <= _STABLE and all(step <= _CONTIGUOUS for step in steps):
            found.append((frames[changed].wall, old, new))
    return found


def dated(
    segments: list[tuple[Path, float]], *, first_of_run: int = 1
) -> list[tuple[Path, float | None]]:
    """Segments with their births, the first ``first_of_run`` left undated (see module doc)."""
    return [
        (path, None if index < first_of_run else born)
        for index, (path, born) in enumerate(segments)
    ]
