"""A stretch of a camera's per-second activity levels, and the questions the viewers ask of it.

Levels are the bytes ``activity.ActivityMeter`` produces: 0 unmeasured, 1 no change, higher
for more. Every question takes the threshold of the camera's sensitivity
(``activity.threshold``), so one stored stretch answers for any sensitivity. The answers are
found with ``bytes.translate``, ``find`` and ``rfind`` over the raw bytes, in C: a month of one
camera is 2.6 million levels, too many for a Python loop per second.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

UNMEASURED = 0
_ACTIVE = b"\x01"


def _table(threshold: int, *, unmeasured: bool = False) -> bytes:
    """Map each level to 1 if it is at or over ``threshold`` (or unmeasured, if asked), else 0."""
    return bytes(
        1 if level >= threshold or (unmeasured and level == UNMEASURED) else 0
        for level in range(256)
    )


@dataclass(frozen=True, slots=True)
class ActivityLevels:
    """Levels of consecutive seconds from ``start`` (UTC seconds)."""

    start: int
    levels: bytes

    @property
    def end(self) -> int:
        """Return the second after the last one held."""
        return self.start + len(self.levels)

    def level(self, moment: float) -> int:
        """Return the level of the second holding ``moment`` (0 outside the stretch)."""
        index = math.floor(moment) - self.start
        return self.levels[index] if 0 <= index < len(self.levels) else UNMEASURED

    def between(self, start: float, end: float) -> ActivityLevels:
        """Return the seconds overlapping ``[start, end)`` that this stretch holds."""
        low = max(math.floor(start) - self.start, 0)
        high = min(max(math.ceil(end) - self.start, 0), len(self.levels))
        return ActivityLevels(self.start + low, self.levels[low:high] if low < high else b"")

    def spans(self, threshold: int, join: int = 0) -> list[tuple[int, int]]:
        """Return the active stretches as ``[start, end)`` seconds, those ``join`` apart merged.

        This is what the timeline's strip draws and what skip-idle playback plays. Each run
        is found with two ``find`` calls (memchr) rather than a regular expression, which
        steps through every byte in Python's regex engine: ten times slower on a month.
        """
        mask = self.levels.translate(_table(threshold))
        spans: list[tuple[int, int]] = []
        begin = mask.find(_ACTIVE)
        while begin != -1:
            end = mask.find(b"\x00", begin)
            if end == -1:
                end = len(mask)
            if spans and begin - spans[-1][1] <= join:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((begin, end))
            begin = mask.find(_ACTIVE, end)
        return [(self.start + begin, self.start + end) for begin, end in spans]

    def next_active(self, after: float, threshold: int) -> int | None:
        """Return the start of the first active stretch that begins after ``after``."""
        mask = self.levels.translate(_table(threshold))
        index = max(math.floor(after) - self.start + 1, 0)
        if 0 < index < len(mask) and mask[index - 1]:  # inside a stretch: past its end first
            index = mask.find(b"\x00", index)
            if index == -1:
                return None
        found = mask.find(_ACTIVE, index)
        return None if found == -1 else self.start + found

    def previous_active(self, before: float, threshold: int) -> int | None:
        """Return the start of the last active stretch that begins before ``before``."""
        mask = self.levels.translate(_table(threshold))
        limit = min(max(math.ceil(before) - self.start, 0), len(mask))
        last = mask.rfind(_ACTIVE, 0, limit)
        if last == -1:
            return None
        return self.start + mask.rfind(b"\x00", 0, last) + 1

    def is_idle(self, threshold: int) -> bool:
        """Whether every second was measured and below ``threshold`` (and there is one).

        Retention may keep idle footage for less time: an unmeasured second (footage from
        before the meter, or while it learnt) never counts as idle, so it is kept as long as
        active footage.
        """
        return bool(self.levels) and _ACTIVE not in self.levels.translate(
            _table(threshold, unmeasured=True)
        )

    def peaks(self, bucket: int) -> bytes:
        """Return the highest level of each ``bucket`` seconds, for a strip one pixel a bucket."""
        levels = self.levels
        return bytes(max(levels[i : i + bucket]) for i in range(0, len(levels), bucket))
