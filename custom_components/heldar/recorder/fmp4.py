"""Where the parts of a fragmented MP4 segment lie, so HLS can point into the file as it is.

A Heldar segment is ``ftyp moov (moof mdat)* [mfra]``, an event clip
``ftyp moov sidx (moof mdat)* mfra``. HLS plays both without copying: the init section is
the byte range ``ftyp moov`` and the media is the ``moof``/``mdat`` run after it (the clip's
``sidx``, which tells a plain player the whole duration up front, and the trailing ``mfra``
index are left out). Files can also be listed fragment by fragment, each with its start
(``tfdt``), its length (the ``trun`` sample durations) and whether it opens on a keyframe, so
a playlist can begin at a keyframe and end where it was asked to. Only box headers, ``moov``
and ``moof`` are read, never the media data. Blocking: run it in an executor.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import struct
from typing import BinaryIO

_HEADER = 8
_MFRO_SIZE = 16
_PEEK = 4096  # a fragment's moof is a few hundred bytes: this holds it and the mdat header
_SKIPPED = {"sidx", "styp", "free"}  # boxes between the init section and the first fragment
_NON_SYNC = 0x00010000  # sample_is_non_sync_sample, in ISO BMFF sample flags
_BOX = struct.Struct(">I4s")


@dataclass(frozen=True, slots=True)
class Layout:
    """A segment's init section and media byte ranges."""

    init_end: int  # the init section is bytes [0, init_end)
    media_end: int  # the media is bytes [media_start, media_end)
    timescale: int  # the video track's ticks per second (0: unknown)
    video_track: int  # the video track's id (0: unknown)
    media_start: int = 0  # after a ``sidx`` following the init section (0: at init_end)

    @property
    def media_offset(self) -> int:
        """Return where the first fragment starts."""
        return self.media_start or self.init_end


@dataclass(frozen=True, slots=True)
class Fragment:
    """One complete ``moof`` + ``mdat`` pair."""

    offset: int
    size: int
    start: float  # seconds from the file's first sample (its tfdt)
    duration: float = 0.0  # the video samples' durations (0: unknown)
    keyframe: bool = True  # whether its first video sample is a sync sample


def boxes(data: bytes, offset: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
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


def child_box(data: bytes, start: int, end: int, kind: str) -> tuple[int, int] | None:
    """Return (payload offset, payload end) of the first ``kind`` box in ``data[start:end]``."""
    for name, payload, stop in boxes(data, start, end):
        if name == kind:
            return payload, stop
    return None


def _video_track(moov: bytes) -> tuple[int, int]:
    """Return the video track's (id, timescale) from a ``moov`` payload, or (0, 0)."""
    for kind, start, end in boxes(moov):
        if kind != "trak":
            continue
        tkhd = child_box(moov, start, end, "tkhd")
        mdia = child_box(moov, start, end, "mdia")
        if tkhd is None or mdia is None:
            continue
        hdlr = child_box(moov, *mdia, "hdlr")
        mdhd = child_box(moov, *mdia, "mdhd")
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
    return _parse_header(handle.read(16))


def _parse_header(head: bytes) -> tuple[str, int] | None:
    """Return the kind and size of the box whose header ``head`` starts with (16 bytes)."""
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
        init_end = ftyp[1] + moov[1]
        media_start = init_end
        if (after := _read_header(handle, init_end)) is not None and after[0] in _SKIPPED:
            media_start += after[1]
        return Layout(init_end, media_end, timescale, track, media_start)


def read_fragments(path: Path, layout: Layout) -> list[Fragment]:
    """Return the file's complete fragments, in order (a growing file's last may be missing)."""
    return [fragment for fragment, _ in read_moofs(path, layout)]


def _video_timing(moof: bytes, layout: Layout) -> tuple[float, float, bool] | None:
    """Return the video track's start (``tfdt``), duration and keyframe flag, in seconds."""
    if layout.timescale <= 0:
        return None
    for kind, start, end in boxes(moof):
        if kind != "traf":
            continue
        tfhd = child_box(moof, start, end, "tfhd")
        tfdt = child_box(moof, start, end, "tfdt")
        if tfhd is None or tfdt is None:
            continue
        (track,) = struct.unpack_from(">I", moof, tfhd[0] + 4)
        if layout.video_track and track != layout.video_track:
            continue
        if moof[tfdt[0]] == 1:
            (ticks,) = struct.unpack_from(">Q", moof, tfdt[0] + 4)
        else:
            (ticks,) = struct.unpack_from(">I", moof, tfdt[0] + 4)
        trun = child_box(moof, start, end, "trun")
        length, keyframe = _samples(moof, tfhd[0], trun[0]) if trun else (0, True)
        return ticks / layout.timescale, length / layout.timescale, keyframe
    return None


def _samples(moof: bytes, tfhd: int, trun: int) -> tuple[int, bool]:
    """Return a track run's total duration (ticks) and whether its first sample is a sync one.

    The defaults come from ``tfhd``; a movie-wide default (``trex``) is assumed to be a sync
    sample with no duration, which FFmpeg never relies on.
    """
    (tf_flags,) = struct.unpack_from(">I", moof, tfhd)
    position = tfhd + 8 + (8 if tf_flags & 0x01 else 0) + (4 if tf_flags & 0x02 else 0)
    default_duration = default_flags = 0
    if tf_flags & 0x08:
        (default_duration,) = struct.unpack_from(">I", moof, position)
        position += 4
    position += 4 if tf_flags & 0x10 else 0
    if tf_flags & 0x20:
        (default_flags,) = struct.unpack_from(">I", moof, position)
    flags, count = struct.unpack_from(">II", moof, trun)
    flags &= 0xFFFFFF
    position = trun + 8 + (4 if flags & 0x01 else 0)
    first_flags: int | None = None
    if flags & 0x04:
        (first_flags,) = struct.unpack_from(">I", moof, position)
        position += 4
    present = [bool(flags & bit) for bit in (0x100, 0x200, 0x400, 0x800)]
    width = sum(present)
    # One unpack for the whole run: a per-sample loop was most of a fragment's parse.
    values = struct.unpack_from(f">{count * width}I", moof, position) if width else ()
    total = sum(values[0::width]) if present[0] else default_duration * count
    if count and first_flags is None and present[2]:
        first_flags = values[present[0] + present[1]]
    sync = not ((default_flags if first_flags is None else first_flags) & _NON_SYNC)
    return total, sync


def read_moofs(path: Path, layout: Layout, offset: int = 0) -> list[tuple[Fragment, bytes]]:
    """Return each complete fragment from ``offset`` on, with its ``moof`` payload.

    The ``moof`` lists every sample's size, duration and keyframe flag, which is all the
    playlists and the activity index need, so only it is read, never the ``mdat``. ``offset`` 0
    means the first fragment; a growing file is read again from the offset after the last
    fragment returned, and a fragment whose ``mdat`` is not fully written yet is left for the
    next call. A ``moof`` over 1 MiB (a second of video lists a few hundred bytes) is taken for
    garbage: the walk stops there rather than read it.
    """
    found: list[tuple[Fragment, bytes]] = []
    with path.open("rb", buffering=0) as handle:
        descriptor = handle.fileno()
        size = os.fstat(descriptor).st_size
        offset = max(offset, layout.media_offset)
        while offset < min(size, layout.media_end):
            # One read usually holds the moof and the mdat's header after it: one system call
            # a fragment, where seeking a buffered file read 8 KiB at each header.
            chunk = os.pread(descriptor, _PEEK, offset)
            moof = _parse_header(chunk[:16])
            if moof is None or moof[0] != "moof" or not _HEADER < moof[1] <= 1 << 20:
                break
            if len(chunk) < moof[1] + 16:
                chunk = os.pread(descriptor, moof[1] + 16, offset)
            mdat = _parse_header(chunk[moof[1] : moof[1] + 16])
            if mdat is None or mdat[0] != "mdat" or offset + moof[1] + mdat[1] > size:
                break
            payload = chunk[_HEADER : moof[1]]
            try:
                timing = _video_timing(payload, layout)
            except struct.error:  # a box that claims more than its parent holds
                break
            if timing is None:
                break
            start, duration, keyframe = timing
            fragment = Fragment(offset, moof[1] + mdat[1], start, duration, keyframe)
            found.append((fragment, payload))
            offset += moof[1] + mdat[1]
    return found
