"""The daily recap: one MP4 of a camera's day, made of its keyframes only, played fast.

FFmpeg's concat demuxer reads the day's segments as one stream, and two bitstream filters do
the rest by stream copy (no decoding, no encoding):

- ``noise`` with a ``drop`` expression keeps one keyframe per stride of footage time (a 24 h
  day in 2 minutes at 25 frames a second keeps one keyframe every 28.8 s) and drops every
  other packet;
- ``setts`` renumbers the kept keyframes ``N / fps``, so the file plays at a constant rate.

Every frame is a keyframe, so any frame decodes alone and the file plays and seeks in any
browser that plays the camera's codec. The stride comes from the whole day's length, not
from what was recorded, so the speed is the same on every day: a day with gaps makes a
shorter recap, which holds what exists, and the result lists the gaps (``gaps``, ``chapters``
map recap time back to the wall clock). Segments whose stream differs from the day's main
one (another resolution or codec settings, which one MP4 track cannot hold) or that cannot
be read are left out and listed. ``emphasis`` is the hook for the activity index: a stretch
given a factor of 4 keeps four times as many keyframes, so it plays four times slower.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
import logging
import os
from pathlib import Path
import re
import struct

from .fmp4 import boxes, child_box, read_layout
from .process import start_child

_LOGGER = logging.getLogger(__name__)

RECAP_FPS = 25
RECAP_SECONDS = 120.0  # how long a whole day plays
GAP_SECONDS = 3.0  # as the index counts gaps
MAX_EMPHASIS = 64  # stretches in one expression; FFmpeg evaluates it for every packet
_TIMEOUT = 1800.0
_CPU = re.compile(r"bench: utime=([\d.]+)s stime=([\d.]+)s")
_FRAME = re.compile(r"^frame=(\d+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class RecapSegment:
    """One closed footage segment: its file and the wall-clock span it holds."""

    path: Path
    start: float
    duration: float

    @property
    def end(self) -> float:
        """Return when its footage ends."""
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Emphasis:
    """A wall-clock stretch that gets ``factor`` times as many frames (activity, later)."""

    start: float
    end: float
    factor: float


@dataclass(frozen=True, slots=True)
class Chapter:
    """A stretch of footage without a gap, and where it begins in the recap."""

    start: float  # wall clock
    end: float
    recap_start: float  # seconds into the recap


@dataclass(slots=True)
class RecapResult:
    """What a recap holds, and what it could not."""

    path: Path | None  # None when the day has no usable footage
    day_start: float
    day_end: float
    fps: int
    stride: float  # footage seconds per frame, outside emphasised stretches
    covered_seconds: float = 0.0
    gaps: list[tuple[float, float]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (segment, why)
    chapters: list[Chapter] = field(default_factory=list)
    frames: int = 0
    size: int = 0
    bytes_read: int = 0  # the concat demuxer reads every byte of the day's segments
    cpu_seconds: float | None = None  # FFmpeg's own user + system time

    @property
    def recap_seconds(self) -> float:
        """Return how long the recap plays."""
        return self.frames / self.fps

    @property
    def complete(self) -> bool:
        """Whether the whole day is in it: no gap, nothing left out."""
        return not self.gaps and not self.skipped


class RecapError(Exception):
    """FFmpeg could not make the recap."""


def day_bounds(day: date, zone: tzinfo) -> tuple[float, float]:
    """Return the UTC timestamps of ``day``'s midnights in ``zone`` (23 or 25 h across DST)."""
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.timestamp(), end.timestamp()


def stride_seconds(day_start: float, day_end: float, fps: int, seconds: float) -> float:
    """Return the footage seconds one frame stands for, so a full day plays ``seconds``."""
    return (day_end - day_start) / (seconds * fps)


@dataclass(frozen=True, slots=True)
class RecapPlan:
    """The segments a recap reads, in order, and what it will say of the day."""

    segments: list[RecapSegment]
    gaps: list[tuple[float, float]]
    covered_seconds: float
    offsets: list[float]  # each segment's start on the joined timeline


def plan(segments: Sequence[RecapSegment], day_start: float, day_end: float) -> RecapPlan:
    """Choose the day's segments (those starting in it) and find its gaps."""
    chosen = sorted(
        (s for s in segments if day_start <= s.start < day_end and s.duration > 0),
        key=lambda s: s.start,
    )
    gaps: list[tuple[float, float]] = []
    covered = 0.0
    reached = day_start
    offsets = []
    joined = 0.0
    for segment in chosen:
        if segment.start - reached > GAP_SECONDS:
            gaps.append((reached, segment.start))
        end = min(segment.end, day_end)
        covered += max(0.0, end - max(segment.start, reached))
        reached = max(reached, end)
        offsets.append(joined)
        joined += segment.duration
    if day_end - reached > GAP_SECONDS:
        gaps.append((reached, day_end))
    return RecapPlan(chosen, gaps, covered, offsets)


def drop_expression(stride: float, emphasis: Sequence[tuple[float, float, float]] = ()) -> str:
    """Return the ``noise`` filter's drop expression: keep one keyframe per stride.

    ``emphasis`` holds (from, to, factor) on the joined timeline. Registers: 0 the time the
    next keyframe is due, 1 this packet's time, 2 the stride here.
    """
    boost = "".join(f"+between(ld(1),{a:.3f},{b:.3f})*{f - 1:g}" for a, b, f in emphasis)
    return (
        f"st(1,pts*tb);st(2,{stride:.6f}/(1{boost}));"
        "if(key*gte(ld(1),ld(0)),st(0,(floor(ld(1)/ld(2))+1)*ld(2))*0,1)"
    )


def joined_emphasis(
    recap: RecapPlan, emphasis: Sequence[Emphasis]
) -> list[tuple[float, float, float]]:
    """Map wall-clock emphasis onto the joined timeline (gaps squeezed out), at most 64."""
    mapped = []
    for stretch in emphasis:
        for segment, offset in zip(recap.segments, recap.offsets, strict=True):
            low, high = max(stretch.start, segment.start), min(stretch.end, segment.end)
            if high > low and stretch.factor > 1:
                mapped.append(
                    (offset + low - segment.start, offset + high - segment.start, stretch.factor)
                )
    return sorted(mapped, key=lambda m: m[2], reverse=True)[:MAX_EMPHASIS]


def chapters(recap: RecapPlan, stride: float, fps: int) -> list[Chapter]:
    """Return each stretch without a gap, with where it starts in the recap."""
    found: list[Chapter] = []
    for segment, offset in zip(recap.segments, recap.offsets, strict=True):
        if found and segment.start - found[-1].end <= GAP_SECONDS:
            found[-1] = Chapter(found[-1].start, segment.end, found[-1].recap_start)
        else:
            found.append(Chapter(segment.start, segment.end, offset / stride / fps))
    return found


def _video_sample_entry(path: Path) -> bytes | None:
    """Return the video track's sample description (codec, size, parameter sets). Blocking."""
    layout = read_layout(path)
    if layout is None:
        return None
    with path.open("rb") as handle:
        init = handle.read(layout.init_end)
    moov = next((b for b in boxes(init) if b[0] == "moov"), None)
    if moov is None:
        return None
    for kind, start, end in boxes(init, moov[1], moov[2]):
        if kind != "trak" or _find(init, start, end, "mdia", "minf", "vmhd") is None:
            continue  # not the video track
        if (stsd := _find(init, start, end, "mdia", "minf", "stbl", "stsd")) is not None:
            return init[stsd[0] : stsd[1]]
    return None


def _find(data: bytes, start: int, end: int, *path: str) -> tuple[int, int] | None:
    span: tuple[int, int] | None = (start, end)
    for kind in path:
        if span is None:
            return None
        span = child_box(data, span[0], span[1], kind)
    return span


def _choose_stream(
    recap: RecapPlan,
) -> tuple[list[RecapSegment], list[tuple[str, str]], int]:
    """Keep the segments of the day's main stream; return them, the rest, their bytes. Blocking.

    One MP4 track has one sample description, so the day's main stream (the one with the most
    footage) is kept; a segment recorded with another resolution or codec settings is left out.
    """
    entries: list[bytes | None] = []
    sizes = []
    for segment in recap.segments:
        try:
            entries.append(_video_sample_entry(segment.path))
            sizes.append(segment.path.stat().st_size)
        except OSError, struct.error:
            entries.append(None)
            sizes.append(0)
    weight: Counter[bytes] = Counter()
    for segment, entry in zip(recap.segments, entries, strict=True):
        if entry is not None:
            weight[entry] += round(segment.duration * 1000)
    main = weight.most_common(1)[0][0] if weight else None
    kept: list[RecapSegment] = []
    skipped: list[tuple[str, str]] = []
    read = 0
    for segment, entry, size in zip(recap.segments, entries, sizes, strict=True):
        if entry is None:
            skipped.append((segment.path.name, "unreadable"))
        elif entry != main:
            skipped.append((segment.path.name, "a different stream (size or codec settings)"))
        else:
            kept.append(segment)
            read += size
    return kept, skipped, read


def _write_list(path: Path, segments: Sequence[RecapSegment]) -> None:
    lines = ["ffconcat version 1.0"]
    for segment in segments:
        quoted = str(segment.path).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def make_recap(
    ffmpeg: str,
    segments: Sequence[RecapSegment],
    day: tuple[float, float],
    output: Path,
    *,
    fps: int = RECAP_FPS,
    seconds: float = RECAP_SECONDS,
    emphasis: Sequence[Emphasis] = (),
    read_limit: int | None = None,
) -> RecapResult:
    """Make the recap of ``day`` (UTC start, end) from ``segments`` into ``output``.

    A whole day plays ``seconds`` at ``fps`` frames a second. ``read_limit`` bounds the bytes
    read a second: every byte of the day is read, 21.6 GB for a 2 Mbit/s camera, so on a slow
    disk a recap that reads at full speed competes with recording. The file appears under its
    name complete or not at all. Raises RecapError when FFmpeg fails.
    """
    day_start, day_end = day
    stride = stride_seconds(day_start, day_end, fps, seconds)
    loop = asyncio.get_running_loop()
    first = plan(segments, day_start, day_end)
    result = RecapResult(None, day_start, day_end, fps, stride)
    if not first.segments:
        result.gaps, result.covered_seconds = first.gaps, 0.0
        return result
    kept, result.skipped, result.bytes_read = await loop.run_in_executor(
        None, _choose_stream, first
    )
    recap = plan(kept, day_start, day_end)  # a segment left out is a gap too
    result.gaps, result.covered_seconds = recap.gaps, recap.covered_seconds
    result.chapters = chapters(recap, stride, fps)
    if not recap.segments:
        return result
    partial = output.with_name(f".{output.name}.partial")
    listing = output.with_name(f".{output.name}.txt")
    await loop.run_in_executor(None, _write_list, listing, recap.segments)
    expression = drop_expression(stride, joined_emphasis(recap, emphasis))
    pace = []
    if read_limit and result.bytes_read and recap.covered_seconds:
        # FFmpeg paces its reading by media time: so many seconds of footage a second.
        footage_per_second = read_limit / (result.bytes_read / recap.covered_seconds)
        pace = ["-readrate", f"{footage_per_second:.3f}"]
    argv = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "info", "-benchmark",
        "-progress", "pipe:1", "-nostats", "-y",
        # No Annex B round trip (auto_convert): every packet is kept byte for byte.
        *pace, "-f", "concat", "-safe", "0", "-auto_convert", "0", "-i", str(listing),
        "-map", "0:v:0", "-c:v", "copy", "-an", "-sn", "-dn",
        "-bsf:v", f"noise=drop='{expression}',setts=ts=N/({fps}*TB):duration=1/({fps}*TB)",
        "-movflags", "+faststart", "-f", "mp4", str(partial),
    ]  # fmt: skip
    try:
        out, err, code = await _run(argv)
        if code != 0:
            msg = f"FFmpeg exited with {code}: {err.strip()[-500:]}"
            raise RecapError(msg)
        result.frames = int(frames[-1]) if (frames := _FRAME.findall(out)) else 0
        if cpu := _CPU.search(err + out):
            result.cpu_seconds = float(cpu[1]) + float(cpu[2])
        result.size = await loop.run_in_executor(None, _publish, partial, output)
        result.path = output
    finally:
        await loop.run_in_executor(None, _discard, partial, listing)
    return result


async def _run(argv: list[str]) -> tuple[str, str, int]:
    # Its own session, the owner mark and the death signal, as every Heldar child.
    process = await start_child(argv, stderr=True)
    try:
        async with asyncio.timeout(_TIMEOUT):
            out, err = await process.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    code = process.returncode
    return out.decode(errors="replace"), err.decode(errors="replace"), -1 if code is None else code


def _publish(partial: Path, output: Path) -> int:
    size = partial.stat().st_size
    if size == 0:
        msg = "FFmpeg wrote an empty recap"
        raise RecapError(msg)
    partial.replace(output)
    return size


def _discard(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # noqa: PTH108 - a plain unlink, missing is fine
