"""Activity-tiered retention: which footage segments are idle enough to go early.

A camera may keep footage without activity for less time than the rest (Frigate's
``retain: mode: motion``, without a decoder). A segment is idle only if every second of it
was measured below the camera's threshold *and* no second within ``PAD_SECONDS`` of it
was active: the meter misses the first and last moments of some activity (a walker entering
the picture, a small object), so the minute around what it saw is kept with it. Footage the
meter never measured (recorded before it, or while it learnt the picture) is never idle.

Blocking (it reads the camera's ``.activity`` day files): run it in an executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .activity_store import ActivityStore
from .index_files import SegmentInfo

PAD_SECONDS = 60


def idle_segments(
    camera_dir: Path, segments: Sequence[SegmentInfo], threshold: int, pad: int = PAD_SECONDS
) -> list[str]:
    """Return the names of ``segments`` with no activity in or near them (oldest first)."""
    if not segments:
        return []
    first = min(segment.start for segment in segments) - pad
    last = max(segment.end for segment in segments) + pad
    levels = ActivityStore(camera_dir).load(first, last)  # one read a day, whatever the count
    idle = []
    for segment in sorted(segments, key=lambda s: s.start):
        if not levels.between(segment.start, segment.end).is_idle(threshold):
            continue
        if levels.between(segment.start - pad, segment.end + pad).spans(threshold):
            continue
        idle.append(segment.name)
    return idle


def prune_levels(camera_dir: Path, keep_from: float) -> None:
    """Delete the day files of levels that ended before ``keep_from`` (the oldest footage)."""
    ActivityStore(camera_dir).prune(keep_from)
