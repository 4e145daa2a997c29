"""How much happened in each second of a camera's footage, from frame sizes alone.

In a stream-copied H.264/H.265 stream, a frame between keyframes (a P-frame) encodes what
changed since the frame before: a static picture costs almost nothing, a moving person costs
bytes in proportion to what it uncovers and changes. Heldar already reads every fragment's
``moof``, which lists those sizes (``frame_sizes.py``), so it can tell *when* something
happened without decoding a frame.

Sizes alone are not comparable across cameras, bitrates or even frames of one GOP: an encoder
with a bitrate cap spends the frames right after a keyframe refining it, so their size depends
on their position in the GOP, not on the scene. The meter therefore compares each P-frame with
the frames at the same GOP position in the camera's recent idle GOPs (a rolling median of log
sizes per position), takes a trimmed mean of those log-ratios over each wall-clock second, and
scores that second against the spread of idle seconds (a robust z-score: median and MAD of
recent idle seconds, never below 3 %). Keyframes are not scored.

A P-frame a quarter the size of a keyframe and 16 times its position's usual size is a change
of the whole picture (a cloud, the IR cut filter, the encoder restarting). The rest of that GOP
is coded against the new picture and the old baseline no longer describes it, so the meter
forgets its baseline and learns again from the next keyframe: those seconds are unmeasured
(3 GOPs and 10 seconds) rather than false activity. Only idle seconds teach the baseline, but
one active frame in ``leak`` does too, so a lasting change that comes without such a jump
(a new bitrate, dusk) becomes the new normal within a few minutes instead of reading as
activity for ever.

What it cannot see, measured by ``bench/activity.py`` (see docs/activity.md): an encoder at
its bitrate cap (CBR, or a noisy night that reaches a VBR cap) sets frame sizes by its rate
control, not by the picture; strong sensor noise drowns a person's bytes; a small object
(16 px at 720p) is found late and partly. Those are where decoding wins.

A second's level is stored as one byte (``level_byte``): 0 means not measured (no footage, or
the baseline still being learnt), 1 is no change at all, and each step above is 1/8 of a
standard deviation of the camera's idle seconds. Whether a level counts as activity is decided
when it is read, by the sensitivity (``threshold``), so changing the sensitivity applies to
footage already recorded.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
import math

from .frame_sizes import FragmentFrames
from .rolling import Rolling

UNMEASURED = 0
_STEPS = 8  # level steps per standard deviation
_MAX_LEVEL = 255
_SIZE_OFFSET = 64  # bytes added before taking the log: a frame of skips is ~50 bytes
_MIN_FRAMES = 3  # a second with fewer scored P-frames is not scored from them
# The spread of idle seconds is a sort of up to 300 values: worked out again after each new
# idle second while few are known, then after every ``_SPREAD_REFRESH``th, which it barely
# moves, since that sort was most of the meter's CPU.
_SPREAD_EXACT_BELOW = 60
_SPREAD_REFRESH = 15


@dataclass(frozen=True, slots=True)
class ActivityTuning:
    """The meter's constants; the defaults are the ones measured by ``bench/activity.py``."""

    gop_history: int = 15  # idle GOPs per position whose median is the baseline
    max_position: int = 250  # positions beyond this share one baseline (10 s at 25 fps)
    second_history: int = 300  # idle seconds whose spread is the noise of a second's score
    spread_floor: float = 0.03  # log units: a change under ~3 % is never more than 1 sigma
    keyframe_history: int = 15  # keyframes whose median is the usual keyframe size
    trim: float = 0.2  # share of a second's frames dropped at each end before the mean
    shock_ratio: float = 0.25  # a P-frame this share of a keyframe changed the whole picture
    shock_jump: float = 16.0  # ... if it is also this many times its position's usual size
    learn_below: float = 2.5  # seconds under this many sigmas teach the baseline
    leak: int = 8  # one active frame (and second) in this many teaches it too
    warmup_gops: int = 3  # a position is scored once it has seen this many GOPs
    warmup_seconds: int = 10  # seconds are scored once this many idle ones are known


def threshold(sensitivity: float) -> int:
    """Return the lowest level byte that counts as activity at ``sensitivity`` (0 to 1).

    0 asks for 8 standard deviations of the camera's idle seconds, 0.5 (the default) for 4,
    1 for 2.
    """
    sigmas: float = 8.0 * 4.0 ** -min(max(sensitivity, 0.0), 1.0)
    return 1 + math.ceil(sigmas * _STEPS)


def level_byte(sigmas: float) -> int:
    """Return the stored level of a second that scored ``sigmas`` standard deviations."""
    return 1 + min(max(round(sigmas * _STEPS), 0), _MAX_LEVEL - 1)


def _trimmed_mean(values: list[float], trim: float) -> float:
    ordered = sorted(values)
    cut = int(len(ordered) * trim)
    kept = ordered[cut : len(ordered) - cut] or ordered
    return sum(kept) / len(kept)


class _Baseline:
    """What the camera's picture costs when nothing happens, learnt from idle footage."""

    def __init__(self, tuning: ActivityTuning) -> None:
        self.tuning = tuning
        self.positions: dict[int, Rolling] = {}  # only the positions a GOP reaches
        self.seconds = Rolling(tuning.second_history)
        self.keyframes = Rolling(tuning.keyframe_history)
        self._spread: float | None = None
        self._seconds_since_spread = 0

    def reset(self) -> None:
        self.positions.clear()
        self.seconds.clear()
        self.keyframes.clear()
        self._spread = None

    def second_sigmas(self, ratios: list[float]) -> float | None:
        """Return how unusual a second's frames are, in sigmas of idle seconds."""
        if len(ratios) < _MIN_FRAMES or len(self.seconds) < self.tuning.warmup_seconds:
            return None
        if (spread := self._spread) is None:
            spread = self._spread = max(self.seconds.sigma(), self.tuning.spread_floor)
            self._seconds_since_spread = 0
        return (_trimmed_mean(ratios, self.tuning.trim) - self.seconds.median()) / spread

    def learn_second(self, frames: list[tuple[int, float]], ratios: list[float]) -> None:
        for position, logsize in frames:
            if (usual := self.positions.get(position)) is None:
                usual = self.positions[position] = Rolling(self.tuning.gop_history)
            usual.add(logsize)
        if len(ratios) >= _MIN_FRAMES:
            self.seconds.add(_trimmed_mean(ratios, self.tuning.trim))
            self._seconds_since_spread += 1
            if (
                len(self.seconds) < _SPREAD_EXACT_BELOW
                or self._seconds_since_spread >= _SPREAD_REFRESH
            ):
                self._spread = None


class ActivityMeter:
    """One camera's activity, second by second, from the fragments as they land.

    Feed it every fragment of the camera's footage in order (``add``); it returns each wall
    second as soon as a later frame closes it, and ``live_level`` scores the last second of
    frames for a sensor that must not wait for the second to end. Not thread-safe: one meter
    per camera, used from one task.
    """

    def __init__(self, tuning: ActivityTuning | None = None) -> None:
        """Start with no baseline: the first seconds are learnt, not scored."""
        self.tuning = tuning or ActivityTuning()
        self._baseline = _Baseline(self.tuning)
        self._position = 0
        self._blind = False  # since a change of the whole picture, until the next keyframe
        self._second: int | None = None
        self._ratios: list[float] = []  # this second's P-frames' log-ratios to the baseline
        self._learnt: list[tuple[int, float]] = []  # this second's (position, log size)
        self._recent: deque[tuple[float, float]] = deque()  # (wall time, log-ratio), last 1 s
        self._active_seconds = 0
        # A P-frame at least this big may be a new picture (``_is_shock``); worked out at each
        # keyframe rather than at each frame. Infinite while no keyframe is known.
        self._shock_size = math.inf
        self._shock_log_jump = math.log(self.tuning.shock_jump)

    def reset(self) -> None:
        """Forget the baseline, as after a change of the whole picture."""
        self._baseline.reset()
        self._ratios, self._learnt = [], []
        self._recent.clear()
        self._shock_size = math.inf

    def add(self, origin: float, frames: FragmentFrames) -> list[tuple[int, int]]:
        """Take one fragment; return the (wall second, level byte) of each second it closed.

        ``origin`` is the wall-clock time (UTC seconds) of the file's time zero, so a frame's
        wall time is ``origin + frames.times[i]``.
        """
        closed: list[tuple[int, int]] = []
        for offset, size, keyframe in zip(
            frames.times, frames.sizes, frames.keyframes, strict=True
        ):
            wall = origin + offset
            second = math.floor(wall)
            if second != self._second:
                if self._second is not None:
                    closed.append((self._second, self._close()))
                self._second = second
            if keyframe:
                self._take_keyframe(size)
            elif not self._blind:
                self._take_frame(wall, size)
        end = origin + frames.end
        while self._recent and self._recent[0][0] < end - 1.0:
            self._recent.popleft()
        return closed

    def flush(self) -> list[tuple[int, int]]:
        """Close the second in progress (the footage stopped); return it if there was one."""
        if self._second is None:
            return []
        closed = [(self._second, self._close())]
        self._second = None
        self._recent.clear()
        return closed

    def live_level(self) -> int:
        """Return the level byte of the last second of frames, across second boundaries."""
        sigmas = self._baseline.second_sigmas([ratio for _, ratio in self._recent])
        return UNMEASURED if sigmas is None else level_byte(sigmas)

    # -- internals -------------------------------------------------------------------------

    def _take_keyframe(self, size: int) -> None:
        self._position = 0
        self._blind = False
        keyframes = self._baseline.keyframes
        keyframes.add(math.log(size))
        self._shock_size = self.tuning.shock_ratio * math.exp(keyframes.median())

    def _take_frame(self, wall: float, size: int) -> None:
        # Run for every frame of every camera, so inlined: the log-ratio to the usual size of
        # the frame's GOP position, None while that position is being learnt.
        self._position = position = self._position + 1
        position = min(position, self.tuning.max_position)
        logsize = math.log(size + _SIZE_OFFSET)
        usual = self._baseline.positions.get(position)
        ratio = (
            logsize - usual.median()
            if usual is not None and len(usual) >= self.tuning.warmup_gops
            else None
        )
        if size >= self._shock_size and self._is_shock(ratio):
            # The whole picture changed (a cloud, the IR filter, the encoder restarting): the
            # rest of this GOP is coded against the new picture, and the old baseline no
            # longer describes it. Learn again from the next keyframe.
            self.reset()
            self._blind = True
            return
        self._learnt.append((position, logsize))
        if ratio is not None:
            self._ratios.append(ratio)
            self._recent.append((wall, ratio))

    def _is_shock(self, ratio: float | None) -> bool:
        """Whether a P-frame nearly a keyframe's size is also far above its usual size.

        Both, because an encoder at its bitrate cap sends P-frames of any size: a quarter of
        a keyframe, ten times the usual, is then nothing unusual. While the baseline is being
        learnt there is no usual size, and no old baseline to forget. The size half is
        ``_shock_size``, checked by the caller first since it rules out nearly every frame.
        """
        return ratio is not None and ratio >= self._shock_log_jump

    def _close(self) -> int:
        """Score the second that just ended and let it teach the baseline if it was idle."""
        tuning = self.tuning
        ratios, learnt = self._ratios, self._learnt
        self._ratios, self._learnt = [], []
        frames = self._baseline.second_sigmas(ratios)
        if frames is None or frames < tuning.learn_below:
            self._baseline.learn_second(learnt, ratios)
        else:
            self._active_seconds += 1
            leaked = learnt[self._active_seconds % tuning.leak :: tuning.leak]
            self._baseline.learn_second(
                leaked, ratios if self._active_seconds % tuning.leak == 0 else []
            )
        return UNMEASURED if frames is None else level_byte(frames)
