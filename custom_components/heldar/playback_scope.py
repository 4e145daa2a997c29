"""The bytes a playlist token opens: the fragments inside its range, and their init sections.

A token names a time range, but segment files are minutes (up to an hour) long, so opening
every file the range touches would open far more than was asked for. Instead:

- a file wholly inside the range is open whole;
- of a file the range cuts, only the run of fragments that overlap the range is open, widened
  back to the fragment that starts with the keyframe at or before the range's start (a player
  can start decoding nowhere else; fragments are cut every second, keyframes come per GOP),
  plus the file's init section (``ftyp moov``), which holds no footage.

The playlist lists exactly those bytes (``restrict``), and the segment view refuses a byte
range outside them and an unranged request for a file the range cuts (``window`` and
``Window.allows``). A file the playlist lists whole is listed trimmed, still as one entry that
begins on its keyframe: listed fragment by fragment, a player seeking into the range would
fetch a fragment that starts between keyframes first, and show nothing until the next one
(the card's click-to-frame went from 79 to over 300 ms). Blocking (it reads box headers): run
it in an executor.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from itertools import groupby
import math
from pathlib import Path

from . import hls
from .recorder.fmp4 import read_fragments, read_layout
from .recorder.segments import segment_start

_CACHE_SIZE = 256

type Span = tuple[float, float | None]  # a file's wall-clock start and end (None: growing)


@dataclass(frozen=True, slots=True)
class Window:
    """The open bytes of a file the range cuts: ``[0, init_end)`` and ``[start, end)``."""

    init_end: int
    start: int
    end: int

    def allows(self, low: int, high: int) -> bool:
        """Whether the bytes ``[low, high)`` are all open."""
        if low < 0 or high <= low:
            return False
        if high <= self.init_end:
            return True
        return high <= self.end and (low >= self.start or self.start <= self.init_end)


def inside(span: Span, start: float, end: float | None) -> bool:
    """Whether a file lies wholly inside the range (a growing file only in a live range)."""
    opened, closed = span
    if opened < start:
        return False
    if end is None:
        return True
    return closed is not None and closed <= end


class WindowCache:
    """Remember closed files' windows: a player asks for one fragment of a file at a time."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        """Keep at most ``size`` windows."""
        self._size = size
        self._windows: OrderedDict[tuple[str, int, Span, float, float | None], Window | None] = (
            OrderedDict()
        )

    def get(self, path: Path, span: Span, start: float, end: float | None) -> Window | None:
        """Return the open bytes of a file the range cuts (None: none). Blocking."""
        try:
            size = path.stat().st_size
        except OSError:
            return None
        key = (str(path), size, span, start, end)
        if key in self._windows:
            self._windows.move_to_end(key)
            return self._windows[key]
        found = window(path, span, start, end)
        if span[1] is not None:  # a growing file's window grows with it
            self._windows[key] = found
            if len(self._windows) > self._size:
                self._windows.popitem(last=False)
        return found


def window(path: Path, span: Span, start: float, end: float | None) -> Window | None:
    """Return the open bytes of a file the range cuts, or None when none of it is inside."""
    try:
        layout = read_layout(path)
        fragments = read_fragments(path, layout) if layout is not None else []
    except OSError:
        return None
    wall = segment_start(path.name)
    if layout is None or not fragments or wall is None:
        return None
    # As hls.py places fragments: the file's named second, plus each one's decode time.
    base, zero = wall.timestamp(), fragments[0].start
    starts = [base + fragment.start - zero for fragment in fragments]
    ends = [*starts[1:], math.inf if span[1] is None else span[1]]
    stop = math.inf if end is None else end
    overlapping = [
        i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if b > start and a < stop
    ]
    if not overlapping:
        return None
    first, last = overlapping[0], overlapping[-1]
    while first > 0 and not fragments[first].keyframe:
        first -= 1
    return Window(
        layout.init_end, fragments[first].offset, fragments[last].offset + fragments[last].size
    )


def restrict(
    camera_dir: Path,
    parts: list[hls.Part],
    spans: dict[str, Span],
    start: float,
    end: float | None,
) -> list[hls.Part]:
    """Keep only the playlist entries a token for ``[start, end)`` opens (see the module)."""
    kept: list[hls.Part] = []
    for name, group in groupby(parts, key=lambda part: part.name):
        span = spans.get(name)
        if span is None:
            continue
        if inside(span, start, end):
            kept += group
            continue
        path = camera_dir / name
        cut = window(path, span, start, end)
        try:
            layout = read_layout(path)
        except OSError:
            layout = None
        if cut is None or layout is None:
            continue
        listed = list(group)
        every = hls.file_fragments(path, layout, span[1]) if len(listed) == 1 else listed
        pieces = [
            piece
            for piece in every
            if cut.start <= piece.offset and piece.offset + piece.length <= cut.end
        ]
        if not pieces:
            continue
        if len(listed) == 1:  # listed whole: one entry again, from the keyframe on
            pieces = [_trimmed(listed[0], every, pieces)]
        kept += [replace(piece, first_of_file=index == 0) for index, piece in enumerate(pieces)]
    return kept


def _trimmed(whole: hls.Part, every: list[hls.Part], kept: list[hls.Part]) -> hls.Part:
    """Return a whole-file entry cut to the fragments ``kept``, on the whole entry's clock.

    The whole entry's start and length are the index's (to the millisecond); the fragments'
    are the file's named second plus their decode times. Only offsets within the file are
    taken from the fragments, so an uncut file keeps exactly its entry (a player seeks by these
    times: mixing the two clocks made the card's first frame 250 ms late).
    """
    first, last = kept[0], kept[-1]
    start = whole.start + (first.start - every[0].start)
    end = whole.start + whole.duration
    if last is not every[-1]:
        end = min(end, whole.start + (last.start + last.duration - every[0].start))
    return replace(
        whole,
        start=start,
        duration=max(end - start, 0.001),
        offset=first.offset,
        length=last.offset + last.length - first.offset,
    )
