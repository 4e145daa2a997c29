"""The bytes a playlist token opens: what its playlist lists of a file, and init sections.

A token names a time range, but a file is minutes (up to an hour) long, and an event clip
holds several runs of footage: opening every file the range touches would open far more than
was asked for. So the segment view opens, of one file, exactly the bytes the token's playlist
lists of it (hls.py: the fragments inside the range, from the keyframe at or before its start,
where a player can begin decoding) plus the file's init section (``ftyp moov``, which holds
no footage). A file the range holds whole is open whole; of any other, an unranged request is
refused. The same planner makes the playlist and the scope, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import footage, hls
from .camera_handle import CameraHandle

type Run = tuple[int, int]  # bytes [start, end) of a file


@dataclass(frozen=True, slots=True)
class Scope:
    """The open bytes of one file: all of them, or the runs a playlist lists."""

    whole: bool
    runs: tuple[Run, ...] = ()

    def allows(self, low: int, high: int) -> bool:
        """Whether the bytes ``[low, high)`` are all open."""
        if low < 0 or high <= low:
            return False
        if self.whole:
            return True
        return any(start <= low and high <= end for start, end in self.runs)


def merged(runs: list[Run]) -> tuple[Run, ...]:
    """Join byte runs that touch or overlap, so a request across two listed entries passes."""
    joined: list[list[int]] = []
    for start, end in sorted(runs):
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return tuple((start, end) for start, end in joined)


def listed(
    camera: CameraHandle,
    piece: footage.Piece,
    start: float,
    end: float | None,
    now: float,
    *,
    listed_since: float | None = None,
) -> list[footage.Piece]:
    """Return the stretches of the file ``piece`` that a playlist for ``[start, end)`` lists.

    ``piece`` is the whole file (footage.resolve); ``end`` None is a live range, up to now;
    ``listed_since`` a live playlist's issue time, as the playlist was built with it. Reads the
    camera's index in memory: call it on the event loop, which changes that index.
    """
    low = max(start, piece.start)
    high = min(end if end is not None else now, piece.end)
    if high <= low:
        return []
    return [
        found
        for found in footage.pieces(camera, low, high, now, listed_since=listed_since)
        if found.name == piece.name
    ]


def scope(stretches: list[footage.Piece], cache: hls.LayoutCache) -> Scope | None:
    """Return what those stretches of one file open (None: nothing).

    Blocking (it reads box headers): run it in an executor.
    """
    if not stretches:
        return None
    if all(found.whole for found in stretches):
        return Scope(whole=True)
    parts = hls.plan(stretches, cache)
    if not parts:
        return None
    runs = [(0, parts[0].init_end)] + [(p.offset, p.offset + p.length) for p in parts]
    return Scope(whole=False, runs=merged(runs))
