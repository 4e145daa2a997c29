"""Joining recorded files into one MP4: event clips and exports, and where a clip's media lies.

Files are joined with FFmpeg's concat demuxer, stream copy, cut at the keyframe at or before
the first file's in-point and at the last file's out-point; the sources are never touched.

An **event clip** is written as fragmented MP4 with a global ``sidx`` up front
(``ftyp moov sidx (moof mdat)* mfra``): one file that a phone or a browser plays at once from
its first bytes (the ``sidx`` gives the whole duration before any media), and that HLS can
address like a segment, fragment by fragment, so the timeline plays clips as it plays
footage. Each fragment is one keyframe interval. An **export** is a plain ``+faststart`` MP4,
the most widely readable form for a file that leaves Home Assistant.

A clip is one media timeline, but the wall clock it covers may have holes (FFmpeg restarted
during the event). ``clip_runs`` says where each stretch of the clip's media lies on the wall
clock, from the event's segments and the clip's measured length.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .events import EVENTS_DIR, Event
from .fmp4 import read_fragments, read_layout
from .process import FFmpegNotFoundError, FFmpegProcess, StopTimeouts
from .segments import read_mp4_shape
from .stderr_tail import summarize

CLIP_SUFFIX = ".mp4"
CLIP_MOVFLAGS = "+frag_keyframe+empty_moov+default_base_moof+global_sidx"
EXPORT_MOVFLAGS = "+faststart"
_JOIN_TIMEOUT = 300.0
_JOIN_STOP = StopTimeouts(interrupt=1.0, terminate=1.0, kill=1.0)
# Segments closer than this are one stretch of the clip (FFmpeg restarts leave more).
RUN_SLACK = 0.5

type ClipRun = list[float]  # [media_in, wall_start, seconds]


@dataclass(frozen=True, slots=True)
class ConcatEntry:
    """One file of a join, with where to start and stop inside it (seconds)."""

    path: Path
    inpoint: float | None = None
    outpoint: float | None = None


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What joining produced: the clip's path relative to the camera folder, or an error."""

    clip: str | None
    error: str | None = None
    size: int = 0
    seconds: float = 0.0  # the media's length, measured from the file (0: unknown)


def concat_script(entries: list[ConcatEntry]) -> str:
    """Return the concat demuxer script for ``entries``, quoting odd paths."""
    lines = ["ffconcat version 1.0"]
    for entry in entries:
        lines.append("file '{}'".format(str(entry.path).replace("'", "'\\''")))
        if entry.inpoint is not None:
            lines.append(f"inpoint {entry.inpoint:.3f}")
        if entry.outpoint is not None:
            lines.append(f"outpoint {entry.outpoint:.3f}")
    return "\n".join(lines) + "\n"


def event_entries(camera_dir: Path, event: Event) -> list[ConcatEntry]:
    """Return the event's segments, trimmed to its start and its end."""
    entries = []
    last = len(event.segments) - 1
    end = event.end if event.end is not None else event.window_end
    for index, segment in enumerate(event.segments):
        inpoint = outpoint = None
        if index == 0 and event.start > segment.start:
            # Stream copy starts at the keyframe at or before this point: within one GOP.
            inpoint = event.start - segment.start
        if index == last and end < segment.end:
            outpoint = end - segment.start
        entries.append(ConcatEntry(camera_dir / segment.path, inpoint, outpoint))
    return entries


def concat_list(camera_dir: Path, event: Event) -> str:
    """Return the script that joins the event's segments and trims its ends."""
    return concat_script(event_entries(camera_dir, event))


async def join_clip(ffmpeg: str, camera_dir: Path, event: Event) -> ClipResult:
    """Join the event's segments into ``events/<id>.mp4`` (fragmented, with a ``sidx``)."""
    if not event.segments:
        return ClipResult(None, "no footage was recorded for this event")
    clip = camera_dir / EVENTS_DIR / f"{event.id}{CLIP_SUFFIX}"
    return await join_files(
        ffmpeg,
        event_entries(camera_dir, event),
        clip,
        movflags=CLIP_MOVFLAGS,
        script_dir=camera_dir / event.folder,
        relative_to=camera_dir,
    )


async def join_files(
    ffmpeg: str,
    entries: list[ConcatEntry],
    target: Path,
    *,
    movflags: str,
    script_dir: Path,
    relative_to: Path,
    limit: float = _JOIN_TIMEOUT,
) -> ClipResult:
    """Join ``entries`` into ``target``; the result names it relative to ``relative_to``.

    ``limit``: the seconds FFmpeg may take (exports scale it with their length).
    """
    loop = asyncio.get_running_loop()
    script = script_dir / f"{target.stem}.concat.txt"
    part_file = target.with_suffix(".part.mp4")
    await loop.run_in_executor(None, _write_script, script, concat_script(entries))
    argv = [
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "concat", "-safe", "0", "-i", str(script)),
        *("-map", "0", "-c", "copy", "-movflags", movflags, str(part_file)),
    ]
    try:
        process = await FFmpegProcess.start(argv)
    except FFmpegNotFoundError as err:
        return ClipResult(None, str(err))
    code: int | None = None
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                code = await process.wait()
    except asyncio.CancelledError:
        # An event stays open in its journal and is joined after a restart.
        process.kill()
        await process.wait()
        raise
    if code is None:
        await process.stop(_JOIN_STOP)
    error = None if code == 0 else summarize(process.tail.text()) or f"FFmpeg exited with {code}"
    size, seconds = 0, 0.0
    if error is None:
        error, size, seconds = await loop.run_in_executor(None, _publish, part_file, target)
    with contextlib.suppress(OSError):
        await loop.run_in_executor(None, partial(script.unlink, missing_ok=True))
    if error is not None:
        await loop.run_in_executor(None, _discard, part_file)
        return ClipResult(None, error)
    return ClipResult(str(target.relative_to(relative_to)), size=size, seconds=seconds)


def _write_script(script: Path, text: str) -> None:
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(text, encoding="utf-8")


def _publish(part_file: Path, target: Path) -> tuple[str | None, int, float]:
    """Check the joined file plays, give it its final name, and measure its media."""
    try:
        shape = read_mp4_shape(part_file)
    except OSError as err:
        return f"the joined clip is missing: {err.strerror}", 0, 0.0
    if "moov" not in shape.boxes or "mdat" not in shape.boxes:
        return "the joined clip holds no media", 0, 0.0
    part_file.replace(target)
    return None, target.stat().st_size, media_seconds(target)


def media_seconds(path: Path) -> float:
    """Return a fragmented file's video length from its fragments (0: not fragmented)."""
    layout = read_layout(path)
    if layout is None:
        return 0.0
    return sum(fragment.duration for fragment in read_fragments(path, layout))


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def clip_runs(event: Event, media: float) -> list[ClipRun]:
    """Return where the clip's media lies on the wall clock: ``[media_in, wall_start, seconds]``.

    The clip holds the event's segments back to back, the first one from the keyframe at or
    before the event's start. Contiguous segments make one run, placed by the segments'
    wall-clock spans; the first run ends where its segments do and starts as early as the
    measured ``media`` says (at the event's start when the length is unknown).
    """
    if not event.segments:
        return []
    end = event.end if event.end is not None else event.window_end
    last = len(event.segments) - 1
    spans: list[list[float]] = []
    for index, segment in enumerate(event.segments):
        stop = min(segment.end, end) if index == last else segment.end
        if spans and segment.start - spans[-1][1] <= RUN_SLACK:
            spans[-1][1] = max(spans[-1][1], stop)
        else:
            spans.append([segment.start, stop])
    spans[0][0] = max(spans[0][0], event.start)
    if media > 0:
        # Anchored at its end: the first run holds whatever media the others do not. That is
        # the lead from the keyframe before the event's start, and, when the event's first
        # segment opened its FFmpeg run, the frames FFmpeg read while it connected, which
        # carry their arrival times but precede the file's creation.
        others = sum(b - a for a, b in spans[1:])
        spans[0][0] = spans[0][1] - max(media - others, 0.001)
    runs: list[ClipRun] = []
    media_in = 0.0
    for start, stop in spans:
        runs.append([round(media_in, 3), round(start, 3), round(stop - start, 3)])
        media_in += stop - start
    return runs
