"""Every video frame's size, time and keyframe flag, read from a segment's ``moof`` boxes.

A fragmented MP4 lists each sample's size, duration and flags in its ``trun`` box (with
defaults in ``tfhd``), before the media data. In a stream-copied camera stream those sizes say
how much of the picture changed between frames, which is what the activity index is built
from, so nothing is decoded and no media byte is read (see ``fmp4.read_moofs``).

Damaged or truncated boxes are not errors here: a fragment that cannot be parsed is skipped and
reading stops where the file stops making sense, so a bad file costs its own activity, not the
recorder. Blocking: run it in an executor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import accumulate, chain
from pathlib import Path
import struct
import sys

from .fmp4 import Layout, read_layout, read_moofs

_HEADER = 8
_BOX = struct.Struct(">I4s")
_U32 = struct.Struct(">I")

# tfhd flags: which optional fields follow the track id, and their sizes.
_TFHD_FIELDS = ((0x01, 8), (0x02, 4))  # base data offset, sample description index
_TFHD_DURATION = 0x08
_TFHD_SIZE = 0x10
_TFHD_FLAGS = 0x20
# trun flags.
_TRUN_DATA_OFFSET = 0x001
_TRUN_FIRST_FLAGS = 0x004
_TRUN_DURATION = 0x100
_TRUN_SIZE = 0x200
_TRUN_FLAGS = 0x400
_TRUN_CTO = 0x800
# A sample's flags: "sample_is_non_sync_sample" (ISO/IEC 14496-12, 8.8.3.1).
_NON_SYNC = 0x0001_0000


@dataclass(frozen=True, slots=True)
class FragmentFrames:
    """The video frames one fragment holds, in decoding order."""

    start: float  # seconds from the file's first sample (the fragment's tfdt)
    times: tuple[float, ...]  # each frame's decoding time, seconds from the file's start
    sizes: tuple[int, ...]  # each frame's size in bytes
    keyframes: tuple[bool, ...]  # each frame's sync flag
    end: float  # when the last frame ends, seconds from the file's start


def _children(data: bytes, start: int, end: int) -> list[tuple[str, int, int]]:
    """Return (kind, payload start, payload end) of the boxes in ``data[start:end]``."""
    found = []
    while start + _HEADER <= end:
        size, raw = _BOX.unpack_from(data, start)
        if size < _HEADER or start + size > end:
            break
        found.append((raw.decode("latin-1"), start + _HEADER, start + size))
        start += size
    return found


type _Defaults = tuple[int | None, int | None, int | None]


def _tfhd_defaults(data: bytes, start: int) -> tuple[int, _Defaults]:
    """Return the track id and the default duration, size and flags a ``tfhd`` gives."""
    (flags,) = _U32.unpack_from(data, start)
    (track,) = _U32.unpack_from(data, start + 4)
    position = start + 8
    for flag, width in _TFHD_FIELDS:
        position += width if flags & flag else 0
    defaults: list[int | None] = []
    for flag in (_TFHD_DURATION, _TFHD_SIZE, _TFHD_FLAGS):
        if flags & flag:
            defaults.append(_U32.unpack_from(data, position)[0])
            position += 4
        else:
            defaults.append(None)
    return track, (defaults[0], defaults[1], defaults[2])


type _Columns = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def _trun_samples(data: bytes, start: int, end: int, defaults: _Defaults) -> _Columns:
    """Return the durations, the sizes and the flags of the samples a ``trun`` lists.

    A field the ``trun`` leaves out takes the ``tfhd`` default, or 0 when there is none (a
    muxer that relies on the ``trex`` defaults in ``moov``; FFmpeg always writes them here).
    """
    (flags,) = _U32.unpack_from(data, start)
    (count,) = _U32.unpack_from(data, start + 4)
    position = start + 8 + (4 if flags & _TRUN_DATA_OFFSET else 0)
    first_flags = None
    if flags & _TRUN_FIRST_FLAGS:
        (first_flags,) = _U32.unpack_from(data, position)
        position += 4
    fields = [bool(flags & bit) for bit in (_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_CTO)]
    width = sum(fields)
    if count * width * 4 > end - position:
        message = "trun lists more samples than it holds"
        raise struct.error(message)
    values = struct.unpack_from(f">{count * width}I", data, position)
    columns: list[tuple[int, ...]] = []
    column = 0
    for present, default in zip(fields[:3], defaults, strict=True):
        if present:
            columns.append(values[column::width])
            column += 1
        else:
            columns.append((default or 0,) * count)
    durations, sizes, sample_flags = columns
    if first_flags is not None and not fields[2] and count:
        sample_flags = (first_flags, *sample_flags[1:])
    return durations, sizes, sample_flags


def parse_frames(moof: bytes, layout: Layout, start: float) -> FragmentFrames | None:
    """Return the video frames a ``moof`` payload lists, or None if it holds none or is damaged.

    ``start`` is the fragment's decoding time in seconds, as ``fmp4.read_moofs`` found it.
    """
    if layout.timescale <= 0:
        return None
    try:
        for kind, begin, stop in _children(moof, 0, len(moof)):
            if kind != "traf":
                continue
            boxes = _children(moof, begin, stop)
            tfhd = next((b for b in boxes if b[0] == "tfhd"), None)
            if tfhd is None:
                continue
            track, defaults = _tfhd_defaults(moof, tfhd[1])
            if layout.video_track and track != layout.video_track:
                continue
            runs = [
                _trun_samples(moof, run_start, run_end, defaults)
                for name, run_start, run_end in boxes
                if name == "trun"
            ]
            return _frames(runs, layout.timescale, start) if any(r[0] for r in runs) else None
    except struct.error:
        return None
    return None


def _frames(runs: list[_Columns], timescale: int, start: float) -> FragmentFrames:
    durations, sizes, flags = runs[0]
    if len(runs) > 1:  # FFmpeg writes one trun a fragment; other muxers may write more
        durations = tuple(chain.from_iterable(run[0] for run in runs))
        sizes = tuple(chain.from_iterable(run[1] for run in runs))
        flags = tuple(chain.from_iterable(run[2] for run in runs))
    ticks = list(accumulate(durations, initial=0))
    last = ticks.pop()
    return FragmentFrames(
        start=start,
        times=tuple(start + tick / timescale for tick in ticks),
        sizes=sizes,
        keyframes=tuple(not flag & _NON_SYNC for flag in flags),
        end=start + last / timescale,
    )


class FrameReader:
    """Follow one segment file as it grows, returning the frames of each new fragment once.

    It keeps the file's layout and the offset after the last fragment it read, so each call
    reads only the ``moof`` boxes that landed since: one open and a few small reads per
    fragment, whatever the segment's length.
    """

    def __init__(self, path: Path) -> None:
        """Read ``path`` from its first fragment."""
        self.path = path
        self._layout: Layout | None = None
        self._offset = 0

    def read_new(self) -> list[FragmentFrames]:
        """Return the fragments completed since the last call (none if the file is not ready).

        Raises ``OSError`` if the file cannot be read (gone, or the disk failing).
        """
        if self._layout is None:
            try:
                layout = read_layout(self.path)
            except struct.error:  # a moov that is not one
                return []
            if layout is None:
                return []
            # The layout's media end is the file's size when it was read; the file grows, and
            # the walk stops by itself at the mfra a finished file ends with.
            self._layout = replace(layout, media_end=sys.maxsize)
        fragments = read_moofs(self.path, self._layout, self._offset)
        if fragments:
            last = fragments[-1][0]
            self._offset = last.offset + last.size
        parsed = (parse_frames(moof, self._layout, found.start) for found, moof in fragments)
        return [frames for frames in parsed if frames is not None]
