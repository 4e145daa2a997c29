"""HLS playlists over the segment files as they are: fMP4, byte ranges, wall-clock times.

Each segment file is its own init section (``EXT-X-MAP`` with a byte range over ``ftyp moov``)
and media (a byte range over its fragments), so nothing is copied or re-muxed. FFmpeg's segment
muxer restarts every file's timestamps at zero, and HLS demands an ``EXT-X-DISCONTINUITY``
wherever the timestamp sequence changes, so every new file starts with one; a player then
places each file by the playlist's timeline, and ``EXT-X-PROGRAM-DATE-TIME`` on every entry
gives the wall-clock time of its first frame (real gaps simply show as jumps in it).

A live playlist (no end) is an EVENT playlist: it is only ever appended to. Files that closed
before its token was issued are listed whole; later files, including the one being written,
are listed one fragment (one keyframe interval) at a time, so each reload adds entries and
never changes one already listed. Building is blocking (it reads box headers): use an executor.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
import math
from pathlib import Path

from .recorder.fmp4 import Layout, read_fragments, read_layout
from .recorder.index import SegmentInfo
from .recorder.segments import segment_start

MIME_HLS = "application/vnd.apple.mpegurl"
# The type Home Assistant's frontend hands to its HLS player (it checks for exactly this one;
# with MIME_HLS its media dialog says the browser cannot play the item).
MIME_HLS_PLAYER = "application/x-mpegURL"
MAX_SEGMENT_SECONDS = 3600.0
_CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
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
        """Keep at most ``size`` layouts."""
        self._size = size
        self._layouts: OrderedDict[tuple[str, int], Layout | None] = OrderedDict()

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


def covering(segments: list[SegmentInfo], start: float, end: float) -> list[SegmentInfo]:
    """Return the segments (oldest first) that hold footage between ``start`` and ``end``."""
    return [s for s in segments if s.end > start and s.start < end]


def plan(
    camera_dir: Path,
    segments: list[SegmentInfo],
    cache: LayoutCache,
    *,
    split_after: float | None = None,
    current: str | None = None,
) -> list[Part]:
    """Return the playlist's entries for ``segments`` (and the growing file ``current``).

    Files that end after ``split_after`` are listed fragment by fragment (live playlists).
    """
    parts: list[Part] = []
    for segment in segments:
        layout = cache.get(camera_dir / segment.name, segment.size)
        if layout is None or layout.media_end <= layout.init_end:
            continue
        if split_after is not None and segment.end > split_after:
            parts += _fragments(camera_dir / segment.name, layout, segment.end)
        else:
            parts.append(
                Part(
                    segment.name,
                    segment.start,
                    segment.duration,
                    layout.init_end,
                    layout.media_end - layout.init_end,
                    layout.init_end,
                    first_of_file=True,
                )
            )
    if current is not None:
        try:
            layout = read_layout(camera_dir / current)
        except OSError:
            layout = None
        if layout is not None:
            parts += _fragments(camera_dir / current, layout, None)
    return parts


def file_fragments(path: Path, layout: Layout, end: float | None) -> list[Part]:
    """List a file's fragments as playlist entries (a playlist token's scope cuts files so)."""
    return _fragments(path, layout, end)


def _fragments(path: Path, layout: Layout, end: float | None) -> list[Part]:
    """List a file's fragments; without ``end`` (still growing) the last one waits."""
    wall = segment_start(path.name)
    try:
        fragments = read_fragments(path, layout)
    except OSError:
        return []
    if wall is None or not fragments:
        return []
    base = wall.timestamp()
    zero = fragments[0].start
    parts = []
    for index, fragment in enumerate(fragments):
        start = base + fragment.start - zero
        if index + 1 < len(fragments):
            duration = fragments[index + 1].start - fragment.start
        elif end is not None:
            duration = max(end - start, 0.001)
        else:
            break
        parts.append(
            Part(
                path.name,
                start,
                duration,
                fragment.offset,
                fragment.size,
                layout.init_end,
                first_of_file=index == 0,
            )
        )
    return parts


def build_playlist(parts: list[Part], *, live: bool) -> str:
    """Return the media playlist text for ``parts``."""
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
    if not live:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
