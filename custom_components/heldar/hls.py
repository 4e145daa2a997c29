"""HLS playlists over the segment files as they are: fMP4, byte ranges, wall-clock times.

Each segment file is its own init section (``EXT-X-MAP`` with a byte range over ``ftyp moov``)
and media (a byte range over its fragments), so nothing is copied or re-muxed. FFmpeg's segment
muxer restarts every file's timestamps at zero, and HLS demands an ``EXT-X-DISCONTINUITY``
wherever the timestamp sequence changes, so every new file starts with one; a player then
places each file by the playlist's timeline, and ``EXT-X-PROGRAM-DATE-TIME`` on every entry
gives the wall-clock time of its first frame (real gaps simply show as jumps in it).

What a playlist lists comes from footage.py: footage segments, event clips and the segments
of events still recording, each a stretch of one file. A file that only partly lies in the
playlist's range, and an event clip, are listed one fragment (one keyframe interval) at a time
from a keyframe, so a range ends where it was asked to and starts at most a keyframe interval
early.

A live playlist (no end) is an EVENT playlist: it is only ever appended to. Files that closed
before its token was issued are listed whole; later files, including the one being written,
are listed one fragment at a time, so each reload adds entries and never changes one already
listed; once the camera rests it ends (``EXT-X-ENDLIST``). Building is blocking (it reads box
headers): use an executor.
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
_FRAGMENT_CACHE_SIZE = 2_000
_EPSILON = 0.001


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
    """Remember closed files' layouts, so a playlist reload reads only what is new."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        """Keep at most ``size`` layouts (and fewer fragment lists)."""
        self._size = size
        self._layouts: OrderedDict[tuple[str, int], Layout | None] = OrderedDict()
        self._fragments: OrderedDict[tuple[str, int], list[Fragment]] = OrderedDict()

    def fragments(self, path: Path, size: int, layout: Layout) -> list[Fragment]:
        """Return a closed file's fragments (an event clip's are listed on every playlist)."""
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

    A whole closed file is one entry. A stretch of a file (an event clip's run, or a file cut
    by the playlist's range) is listed fragment by fragment, from the keyframe at or before
    its start to the last fragment that starts before its end; so is a file that ends after
    ``split_after`` (a live playlist lists later files that way) and the file being written,
    whose complete fragments are listed as they come.
    """
    parts: list[Part] = []
    for piece in pieces:
        whole = not piece.growing and _listed_whole(piece, split_after)
        found = _read(piece, cache, fragments=not whole)
        if found is None:
            continue
        layout, fragments = found
        if whole:
            media = layout.media_end - layout.media_offset
            parts.append(
                Part(
                    piece.name,
                    piece.start,
                    piece.end - piece.start,
                    layout.media_offset,
                    media,
                    layout.init_end,
                    first_of_file=True,
                )
            )
        else:
            parts += _stretch(piece, layout, fragments)
    for before, after in itertools.pairwise(parts):
        # A new file, or a jump inside one, starts with its init section again.
        if after.name == before.name and after.offset == before.offset + before.length:
            after.first_of_file = False
    return parts


def _read(
    piece: Piece, cache: LayoutCache, *, fragments: bool
) -> tuple[Layout, list[Fragment]] | None:
    """Return a piece's file layout (and its fragments, if asked); None if it has no media."""
    path = piece.path
    try:
        if piece.growing:  # never cached: it grows
            layout = read_layout(path)
            listed = read_fragments(path, layout) if layout is not None else []
        else:
            size = path.stat().st_size
            layout = cache.get(path, size)
            listed = cache.fragments(path, size, layout) if layout and fragments else []
    except OSError:
        return None
    if layout is None or layout.media_end <= layout.media_offset:
        return None
    return layout, listed


def _listed_whole(piece: Piece, split_after: float | None) -> bool:
    return piece.whole and (split_after is None or piece.end <= split_after)


def _stretch(piece: Piece, layout: Layout, fragments: list[Fragment]) -> list[Part]:
    """List the fragments that hold the piece's stretch, from a keyframe on."""
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
        parts.append(
            Part(
                piece.name,
                wall,
                duration,
                fragment.offset,
                fragment.size,
                layout.init_end,
                first_of_file=True,
            )
        )
    return parts


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
