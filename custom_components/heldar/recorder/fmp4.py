"""Where the parts of a fragmented MP4 segment lie, so HLS can point into the file as it is.

A Heldar segment is ``ftyp moov (moof mdat)* [mfra]``. HLS plays it without copying: its
init section is the byte range ``ftyp moov`` and its media is the ``moof``/``mdat`` run after
it (the trailing ``mfra`` index is left out). For the segment being written, each complete
fragment (one keyframe interval) is listed on its own, with its start read from ``tfdt``.
Only box headers, ``moov`` and ``moof`` are read, never the media data. Blocking: run it in an
executor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import struct
from typing import BinaryIO

_HEADER = 8
_MFRO_SIZE = 16
_BOX = struct.Struct(">I4s")


@dataclass(frozen=True, slots=True)
class Layout:
    """A segment's init section and media byte ranges."""

    init_end: int  # the init section is bytes [0, init_end)
    media_end: int  # the media is bytes [init_end, media_end)
    timescale: int  # the video track's ticks per second (0: unknown)
    video_track: int  # the video track's id (0: unknown)


@dataclass(frozen=True, slots=True)
class Fragment:
    """One complete ``moof`` + ``mdat`` pair."""

    offset: int
    size: int
    start: float  # seconds from the file's first sample (its tfdt)
    # Whether its first video sample is a sync sample (a fragment is cut every second, so one
    # may start inside a GOP); True when the flags cannot be read.
    keyframe: bool = True


def _boxes(data: bytes, offset: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """Return (kind, payload offset, payload end) of the boxes in ``data[offset:end]``."""
    end = len(data) if end is None else end
    found = []
    while offset + _HEADER <= end:
        size, raw = _BOX.unpack_from(data, offset)
        header = _HEADER
        if size == 1 and offset + 16 <= end:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            break
        found.append((raw.decode("latin-1"), offset + header, offset + size))
        offset += size
    return found


def _child(data: bytes, start: int, end: int, kind: str) -> tuple[int, int] | None:
    for name, payload, stop in _boxes(data, start, end):
        if name == kind:
            return payload, stop
    return None


def _video_track(moov: bytes) -> tuple[int, int]:
    """Return the video track's (id, timescale) from a ``moov`` payload, or (0, 0)."""
    for kind, start, end in _boxes(moov):
        if kind != "trak":
            continue
        tkhd = _child(moov, start, end, "tkhd")
        mdia = _child(moov, start, end, "mdia")
        if tkhd is None or mdia is None:
            continue
        hdlr = _child(moov, *mdia, "hdlr")
        mdhd = _child(moov, *mdia, "mdhd")
        if hdlr is None or mdhd is None or moov[hdlr[0] + 8 : hdlr[0] + 12] != b"vide":
            continue
        v1 = moov[tkhd[0]] == 1
        (track,) = struct.unpack_from(">I", moov, tkhd[0] + (20 if v1 else 12))
        v1 = moov[mdhd[0]] == 1
        (timescale,) = struct.unpack_from(">I", moov, mdhd[0] + (20 if v1 else 12))
        return track, timescale
    return 0, 0


def _read_header(handle: BinaryIO, offset: int) -> tuple[str, int] | None:
    handle.seek(offset)
    head = handle.read(16)
    if len(head) < _HEADER:
        return None
    size, raw = _BOX.unpack_from(head)
    if size == 1 and len(head) == 16:  # noqa: PLR2004
        (size,) = struct.unpack_from(">Q", head, 8)
    if size < _HEADER:
        return None
    return raw.decode("latin-1"), size


def read_layout(path: Path) -> Layout | None:
    """Return where a segment's init section and media lie, or None if it has no ``moov``."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        ftyp = _read_header(handle, 0)
        if ftyp is None or ftyp[0] != "ftyp":
            return None
        moov = _read_header(handle, ftyp[1])
        if moov is None or moov[0] != "moov" or ftyp[1] + moov[1] > size:
            return None
        handle.seek(ftyp[1] + _HEADER)
        track, timescale = _video_track(handle.read(moov[1] - _HEADER))
        media_end = size
        if size >= _MFRO_SIZE:
            handle.seek(size - _MFRO_SIZE)
            tail = handle.read(_MFRO_SIZE)
            if tail[4:8] == b"mfro":
                (mfra,) = struct.unpack_from(">I", tail, 12)
                if 0 < mfra <= size - ftyp[1] - moov[1]:
                    media_end = size - mfra
        return Layout(ftyp[1] + moov[1], media_end, timescale, track)


def read_fragments(path: Path, layout: Layout) -> list[Fragment]:
    """Return the file's complete fragments, in order (a growing file's last may be missing)."""
    fragments: list[Fragment] = []
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        offset = layout.init_end
        while offset < min(size, layout.media_end):
            moof = _read_header(handle, offset)
            if moof is None or moof[0] != "moof" or offset + moof[1] > size:
                break
            mdat = _read_header(handle, offset + moof[1])
            if mdat is None or mdat[0] != "mdat" or offset + moof[1] + mdat[1] > size:
                break
            handle.seek(offset + _HEADER)
            payload = handle.read(moof[1] - _HEADER)
            start = _decode_time(payload, layout)
            if start is None:
                break
            keyframe = _first_sample_is_sync(payload, layout)
            fragments.append(Fragment(offset, moof[1] + mdat[1], start, keyframe))
            offset += moof[1] + mdat[1]
    return fragments


def _decode_time(moof: bytes, layout: Layout) -> float | None:
    """Return the video track's ``tfdt`` in seconds from a ``moof`` payload."""
    if layout.timescale <= 0:
        return None
    for kind, start, end in _boxes(moof):
        if kind != "traf":
            continue
        tfhd = _child(moof, start, end, "tfhd")
        tfdt = _child(moof, start, end, "tfdt")
        if tfhd is None or tfdt is None:
            continue
        (track,) = struct.unpack_from(">I", moof, tfhd[0] + 4)
        if layout.video_track and track != layout.video_track:
            continue
        if moof[tfdt[0]] == 1:
            (ticks,) = struct.unpack_from(">Q", moof, tfdt[0] + 4)
        else:
            (ticks,) = struct.unpack_from(">I", moof, tfdt[0] + 4)
        return float(ticks) / layout.timescale
    return None


_NON_SYNC = 0x00010000  # sample_is_non_sync_sample, in ISO 14496-12 sample flags
_TFHD_FIELDS = ((0x1, 8), (0x2, 4), (0x8, 4), (0x10, 4))  # fields before default_sample_flags
_TFHD_DEFAULT_FLAGS = 0x20
_TRUN_DATA_OFFSET, _TRUN_FIRST_FLAGS = 0x1, 0x4
_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS = 0x100, 0x200, 0x400


def _first_sample_is_sync(moof: bytes, layout: Layout) -> bool:
    """Whether the video track's first sample in a ``moof`` payload is a sync sample."""
    for kind, start, end in _boxes(moof):
        tfhd = _child(moof, start, end, "tfhd") if kind == "traf" else None
        trun = _child(moof, start, end, "trun") if kind == "traf" else None
        if tfhd is None or trun is None:
            continue
        (track,) = struct.unpack_from(">I", moof, tfhd[0] + 4)
        if layout.video_track and track != layout.video_track:
            continue
        flags = int.from_bytes(moof[trun[0] + 1 : trun[0] + 4])
        at = trun[0] + 8 + (4 if flags & _TRUN_DATA_OFFSET else 0)
        if flags & _TRUN_FIRST_FLAGS:
            return not struct.unpack_from(">I", moof, at)[0] & _NON_SYNC
        if flags & _TRUN_FLAGS:
            at += (4 if flags & _TRUN_DURATION else 0) + (4 if flags & _TRUN_SIZE else 0)
            return not struct.unpack_from(">I", moof, at)[0] & _NON_SYNC
        box_flags = int.from_bytes(moof[tfhd[0] + 1 : tfhd[0] + 4])
        if box_flags & _TFHD_DEFAULT_FLAGS:
            at = tfhd[0] + 8 + sum(size for bit, size in _TFHD_FIELDS if box_flags & bit)
            return not struct.unpack_from(">I", moof, at)[0] & _NON_SYNC
        return True
    return True
