"""HLS playlists over the segment files as they are: fMP4, byte ranges, wall-clock times.

Each segment file is its own init section (``EXT-X-MAP`` with a byte range over ``ftyp moov``)
and media (a byte range over its fragments), so nothing is copied or re-muxed. FFmpeg's segment
muxer restarts every file's timestamps at zero, and HLS demands an ``EXT-X-DISCONTINUITY``
wherever the timestamp sequence changes, so every new file starts with one; a player then
places each file by the playlist's timeline, and ``EXT-X-PROGRAM-DATE-TIME`` on every entry
gives the wall-clock time of its first frame (real gaps simply show as jumps in it).

What a playlist lists comes from footage.py: footage segments, event clips and the segments
of events still recording, each a stretch of one file, listed from the keyframe at or before its
start to its end, so a range ends where it was asked to and starts at most a keyframe interval
early. Entries are fragments, not files (FFmpeg starts a fragment at every keyframe and at
least every second): a click asks for a playlist from the clicked instant, and its first entry
is the keyframe's fragment alone (as is each fragment up to the one holding that instant), so
the first frame costs the init section and one fragment, whatever the segment length. The
rest of a closed file is grouped into entries of about Apple's 6 s target, whole keyframe
intervals each, which keeps a day's playlist small.

A live playlist (no end) is an EVENT playlist: it is only ever appended to. Files that closed
before its token was issued are grouped as above (the same every time); later files, including
the one being written, are listed one fragment per entry, so each reload adds entries and never
changes one already listed; once the camera rests it ends (``EXT-X-ENDLIST``). Building is
blocking (it reads box headers): use an executor.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
import itertools
import math
from pathlib import Path

from .footage import Piece
from .recorder.fmp4 import Fragment, Layout, read_fragments, read_layout

MIME_HLS = "application/vnd.apple.mpegurl"
# The type Home Assistant's frontend hands to its HLS player (it checks for exactly this one;
# with MIME_HLS its media dialog says the browser cannot play the item).
MIME_HLS_PLAYER = "application/x-mpegURL"
_CACHE_SIZE = 20_000
_FRAGMENT_CACHE_SIZE = 2_000  # cut files: a playlist's first and last, event clips
_ENTRY_CACHE_SIZE = 6_000  # whole files: a day of one-minute files of four cameras
TARGET_SECONDS = 6.0  # Apple's recommended segment duration
MAX_ENTRY_SECONDS = 10.0  # a longer keyframe interval is cut, so no entry is huge
_EPSILON = 0.001

type Entry = tuple[int, int, float, float]  # offset, length, seconds into the file, duration


@dataclass(slots=True)
class Part:
    """One media segment of the playlist: a byte range of one file."""

    name: str
    start: float  # wall clock, UTC seconds
    duration: float
    offset: int
    length: int
    init_end: int
    first_of_file: bool


class LayoutCache:
    """Remember closed files' layouts and entries, so a playlist reload reads only what is new.

    A day of one-minute files is 1 440 files of 60 fragments each; their grouped entries
    (about ten per file) are kept rather than every fragment, so a day of several cameras
    stays a few megabytes.
    """

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        """Keep at most ``size`` layouts (and fewer entry and fragment lists)."""
        self._size = size
        self._layouts: OrderedDict[tuple[str, int], Layout | None] = OrderedDict()
        self._fragments: OrderedDict[tuple[str, int], list[Fragment]] = OrderedDict()
        self._entries: OrderedDict[tuple[str, int], tuple[Entry, ...]] = OrderedDict()

    def fragments(self, path: Path, size: int, layout: Layout) -> list[Fragment]:
        """Return a closed file's fragments (a playlist's first and last files are cut)."""
        key = (str(path), size)
        if (found := self._fragments.get(key)) is not None:
            self._fragments.move_to_end(key)
            return found
        try:
            found = read_fragments(path, layout)
        except OSError:
            return []
        self._fragments[key] = found
        if len(self._fragments) > _FRAGMENT_CACHE_SIZE:
            self._fragments.popitem(last=False)
        return found

    def entries(self, path: Path, size: int) -> tuple[Entry, ...] | None:
        """Return a closed file's grouped entries, if known."""
        key = (str(path), size)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def keep_entries(self, path: Path, size: int, entries: tuple[Entry, ...]) -> None:
        """Remember a closed file's grouped entries."""
        self._entries[str(path), size] = entries
        if len(self._entries) > _ENTRY_CACHE_SIZE:
            self._entries.popitem(last=False)

    def get(self, path: Path, size: int) -> Layout | None:
        """Return the layout of a closed file of ``size`` bytes. Blocking on a miss."""
        key = (str(path), size)
        if key in self._layouts:
            self._layouts.move_to_end(key)
            return self._layouts[key]
        try:
            layout = read_layout(path)
        except OSError:
            return None
        self._layouts[key] = layout
        if len(self._layouts) > self._size:
            self._layouts.popitem(last=False)
        return layout


def plan(
    pieces: list[Piece], cache: LayoutCache, *, split_after: float | None = None
) -> list[Part]:
    """Return the playlist's entries for ``pieces`` (see footage.py), oldest first.

    Each piece is listed from the keyframe at or before its start to the last fragment that
    starts before its end. The playlist's first entry is that keyframe's fragment alone, and so
    is each fragment up to the one holding the start, so a player loads one fragment before
    its first frame; the rest of a closed file is grouped into entries of about
    ``TARGET_SECONDS``. A file that ends after ``split_after`` (a
    live playlist lists later files that way) and the file being written are listed one
    fragment per entry, so a reload only appends.
    """
    parts: list[Part] = []
    for piece in pieces:
        grouped = not piece.growing and (split_after is None or piece.end <= split_after)
        opening = not parts
        if grouped and not opening and piece.whole:
            parts += _whole(piece, cache)
            continue
        found = _read(piece, cache)
        if found is None:
            continue
        listed = _fragment_parts(piece, *found)
        if grouped:
            parts += _grouped(listed, opening=piece.start if opening else None)
        else:
            parts += [part for part, _ in listed]
    for before, after in itertools.pairwise(parts):
        # A new file, or a jump inside one, starts with its init section again.
        if after.name == before.name and after.offset == before.offset + before.length:
            after.first_of_file = False
    return parts


def _whole(piece: Piece, cache: LayoutCache) -> list[Part]:
    """List a whole closed file in groups, from the cache (its fragments read once)."""
    path = piece.path
    try:
        size = path.stat().st_size
    except OSError:
        return []
    layout = cache.get(path, size)
    if layout is None or layout.media_end <= layout.media_offset:
        return []
    entries = cache.entries(path, size)
    if entries is None:
        try:
            fragments = read_fragments(path, layout)
        except OSError:
            return []
        entries = tuple(
            (part.offset, part.length, part.start - piece.start, part.duration)
            for part in _grouped(_fragment_parts(piece, layout, fragments), opening=None)
        )
        cache.keep_entries(path, size, entries)
    return [
        Part(
            piece.name,
            piece.start + at,
            duration,
            offset,
            length,
            layout.init_end,
            first_of_file=True,
        )
        for offset, length, at, duration in entries
    ]


def _read(piece: Piece, cache: LayoutCache) -> tuple[Layout, list[Fragment]] | None:
    """Return a piece's file layout and fragments; None if it has no media."""
    path = piece.path
    try:
        if piece.growing:  # never cached: it grows
            layout = read_layout(path)
            listed = read_fragments(path, layout) if layout is not None else []
        else:
            size = path.stat().st_size
            layout = cache.get(path, size)
            listed = cache.fragments(path, size, layout) if layout else []
    except OSError:
        return None
    if layout is None or layout.media_end <= layout.media_offset:
        return None
    return layout, listed


def _fragment_parts(
    piece: Piece, layout: Layout, fragments: list[Fragment]
) -> list[tuple[Part, bool]]:
    """List the fragments that hold the piece's stretch, from a keyframe on, with keyframe flags."""
    if not fragments:
        return []
    zero = fragments[0].start
    first = 0
    for index, fragment in enumerate(fragments):
        if fragment.start - zero > piece.media_in + _EPSILON:
            break
        if fragment.keyframe:
            first = index
    parts = []
    for index in range(first, len(fragments)):
        fragment = fragments[index]
        media = fragment.start - zero
        if index > first and media >= piece.media_out - _EPSILON:
            break
        if index + 1 < len(fragments):
            duration = fragments[index + 1].start - fragment.start
        elif fragment.duration > 0:
            duration = fragment.duration
        elif not piece.growing:
            duration = max(piece.media_out - media, 0.001)
        else:
            break  # still being written, its length unknown
        wall = piece.start + (media - piece.media_in)
        part = Part(
            piece.name,
            wall,
            duration,
            fragment.offset,
            fragment.size,
            layout.init_end,
            first_of_file=True,
        )
        parts.append((part, fragment.keyframe or index == first))
    return parts


def _grouped(listed: list[tuple[Part, bool]], *, opening: float | None) -> list[Part]:
    """Join a closed file's fragments into entries of about ``TARGET_SECONDS``.

    ``opening``: the wall-clock start of a playlist. Its first entry is the keyframe's fragment
    alone, and each fragment up to the one holding the start is an entry of its own: a player
    shows a first frame once it has the keyframe, and the clicked instant once it has the
    fragments up to it, and loads no more for either. Entries then start at keyframes, whole
    keyframe intervals joined while they fit the target; an interval over
    ``MAX_ENTRY_SECONDS`` (a long-GOP camera) is cut into fragment runs near the target.
    """
    entries: list[list[Part]] = []
    rest = listed
    if opening is not None and listed:
        head = 1
        while head < len(listed) and listed[head][0].start <= opening + _EPSILON:
            head += 1
        entries += [[part] for part, _ in listed[:head]]
        rest = listed[head:]
    current: list[Part] = []
    length = 0.0
    for unit in _intervals(rest):
        span = sum(part.duration for part in unit)
        if current and length + span > TARGET_SECONDS + _EPSILON:
            entries.append(current)
            current, length = [], 0.0
        current += unit
        length += span
    if current:
        entries.append(current)
    return [_joined(entry) for entry in entries]


def _intervals(listed: list[tuple[Part, bool]]) -> list[list[Part]]:
    """Split fragments into keyframe intervals, cutting one over ``MAX_ENTRY_SECONDS``."""
    intervals: list[list[Part]] = []
    for part, keyframe in listed:
        if keyframe or not intervals:
            intervals.append([part])
        else:
            intervals[-1].append(part)
    cut: list[list[Part]] = []
    for interval in intervals:
        span = sum(part.duration for part in interval)
        if span <= MAX_ENTRY_SECONDS + _EPSILON:
            cut.append(interval)
            continue
        pieces = math.ceil(span / TARGET_SECONDS)
        runs: list[list[Part]] = [[] for _ in range(pieces)]
        offset = 0.0
        for part in interval:  # each to the run its start falls in: runs of equal time
            runs[min(int((offset + _EPSILON) * pieces / span), pieces - 1)].append(part)
            offset += part.duration
        cut += [run for run in runs if run]
    return cut


def _joined(parts: list[Part]) -> Part:
    """Return one entry over consecutive fragments of one file."""
    first, last = parts[0], parts[-1]
    return Part(
        first.name,
        first.start,
        sum(part.duration for part in parts),
        first.offset,
        last.offset + last.length - first.offset,
        first.init_end,
        first_of_file=True,
    )


def build_playlist(parts: list[Part], *, live: bool, ended: bool = False) -> str:
    """Return the media playlist text for ``parts`` (``ended``: a live one that is complete)."""
    target = max((math.ceil(part.duration) for part in parts), default=1)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{max(target, 1)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-DISCONTINUITY-SEQUENCE:0",
        f"#EXT-X-PLAYLIST-TYPE:{'EVENT' if live else 'VOD'}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for position, part in enumerate(parts):
        if part.first_of_file:
            if position:
                lines.append("#EXT-X-DISCONTINUITY")
            lines.append(f'#EXT-X-MAP:URI="{part.name}",BYTERANGE="{part.init_end}@0"')
        stamp = datetime.fromtimestamp(part.start, UTC).isoformat(timespec="milliseconds")
        lines += [
            f"#EXT-X-PROGRAM-DATE-TIME:{stamp}",
            f"#EXTINF:{part.duration:.3f},",
            f"#EXT-X-BYTERANGE:{part.length}@{part.offset}",
            part.name,
        ]
    if not live or ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
