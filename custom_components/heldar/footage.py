"""A camera's recordings as one timeline: footage, event clips, and events still recording.

The timeline, HLS playlists and exports all take their media from here, so every span the
timeline shows plays, and every range it shows exports, in every recording mode:

- footage segments (continuous and scheduled recording), from the index;
- each finished event's clip, as the stretches of its media on the wall clock (its runs);
- an event's own segments while it records (and, for a live playlist that listed them then,
  a while after), or for good when joining them failed;
- the segment being written while the camera records, in the camera folder or in the
  pre-roll buffer. An idle pre-roll camera's buffer is not a recording and is never shown.

Where an event's media overlaps footage (a dual-stream camera records both at once), footage
wins, so no moment plays twice. A piece is a stretch of one file: a whole segment is listed
as one HLS entry, anything else fragment by fragment. Everything here reads memory only.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
import itertools
from pathlib import Path
import re

from .camera_handle import CameraHandle
from .recorder.events import Event
from .recorder.index import GAP_SECONDS
from .recorder.segments import SEGMENT_RE, recorded_at
from .recorder.status import RecorderState

EXPORT_REASON = "export"
# A clip's name in a playlist: one path part, like a segment's, so one view serves both.
CLIP_NAME = "event_{id}.mp4"
_CLIP_NAME = re.compile(r"^event_(?P<id>[0-9A-Za-z_]+)\.mp4$")
# The longest segment: one that started this long before a range may still reach into it.
MAX_SEGMENT_SECONDS = 3600.0
# Overlaps shorter than this (a segment boundary, a clock's jitter) are not overlaps.
_SLACK = 0.5
# Filing a run's last segment away takes well under this after FFmpeg exits.
_FILING_TIME = 3.0


@dataclass(slots=True)
class Piece:
    """A stretch of one recorded file, placed on the wall clock (never changed once made).

    Not frozen, and its path joined only when asked for: a day of footage is 1 440 pieces
    for every timeline answer, and frozen dataclasses and paths made that four times slower.
    """

    name: str  # how a playlist names the file (its URL below the playlist's token)
    folder: Path
    relative: str  # the file, inside ``folder``
    start: float  # wall clock of ``media_in``
    end: float
    media_in: float = 0.0  # seconds into the file where the stretch starts
    whole: bool = True  # the stretch is the whole file
    ends_early: bool = False  # the file goes on after the stretch ends
    growing: bool = False  # the file is being written
    stream: str | None = None  # a dual-stream camera's recording: "main" or "sub"

    @property
    def path(self) -> Path:
        """Return where the file is."""
        return self.folder / self.relative

    @property
    def media_out(self) -> float:
        """Return the seconds into the file where the stretch ends."""
        return self.media_in + (self.end - self.start)

    def cut(self, start: float, end: float) -> Piece | None:
        """Return the part of the stretch inside ``[start, end]``, or None."""
        start, end = max(start, self.start), min(end, self.end)
        if end - start <= 0:
            return None
        if start == self.start and end == self.end:
            return self
        moved = self.media_in + (start - self.start)
        early = self.ends_early or end < self.end
        return replace(self, start=start, end=end, media_in=moved, whole=False, ends_early=early)


def is_export(event: Event) -> bool:
    """Whether a finished "event" is in fact an export (kept like one, not shown as one)."""
    return event.reasons == [EXPORT_REASON]


def pieces(
    camera: CameraHandle,
    start: float,
    end: float,
    now: float,
    *,
    listed_since: float | None = None,
) -> list[Piece]:
    """Return what is recorded in ``[start, end]``, oldest first, cut to the range.

    ``listed_since``: a live playlist's issue time. An event that ended after it was listed
    as its segments while it recorded, and stays so while they are kept: a live playlist's
    entries never change.
    """
    found = footage(camera, start, end)
    cover = sorted((piece.start, piece.end) for piece in found)
    for event in events_with_media(camera, start, end, now):
        for piece in event_pieces(camera, event, now, listed_since=listed_since):
            found += uncovered(piece, cover)
    for growing in growing_pieces(camera, now):
        found += uncovered(growing, cover)
        bisect.insort(cover, (growing.start, growing.end))
    cut = (piece.cut(start, end) for piece in found)
    return sorted((piece for piece in cut if piece is not None), key=lambda piece: piece.start)


def footage(camera: CameraHandle, start: float, end: float) -> list[Piece]:
    """Return the indexed footage segments overlapping ``[start, end]``, whole."""
    folder = camera.store.directory
    return [
        Piece(s.name, folder, s.name, s.start, s.end, stream=s.stream)
        for s in camera.store.index.between(start - MAX_SEGMENT_SECONDS, end)
        if s.end > start and s.start < end
    ]


def events_with_media(camera: CameraHandle, start: float, end: float, now: float) -> list[Event]:
    """Return the events (not exports) overlapping the range that have media to play.

    A clip made before clips could be listed in a playlist (a plain MP4, no runs) still plays
    in the media browser; only clips with runs lie on the timeline.
    """
    store = camera.store
    candidates: Iterable[Event] = (*store.events.values(), *store.open_events.values())
    return sorted(
        (
            event
            for event in candidates
            if not is_export(event)
            and event.covers(start, end)
            and (bool(event.clip) or (bool(event.segments) and event.segments_kept(now)))
        ),
        key=lambda event: event.start,
    )


def event_pieces(
    camera: CameraHandle, event: Event, now: float, *, listed_since: float | None = None
) -> list[Piece]:
    """Return an event's media: its clip's runs, or its own segments while they are kept."""
    folder = camera.store.directory
    ended_after = (event.end or event.window_end) > (listed_since or float("inf"))
    if event.clip and event.clip_runs and not (ended_after and event.segments_kept(now)):
        name = CLIP_NAME.format(id=event.id)
        last = len(event.clip_runs) - 1
        return [
            Piece(
                name,
                folder,
                event.clip,
                wall,
                wall + seconds,
                media,
                whole=False,
                ends_early=index < last,
                stream=event.stream,
            )
            for index, (media, wall, seconds) in enumerate(event.clip_runs)
        ]
    if not event.segments_kept(now):
        return []
    return [
        Piece(Path(s.path).name, folder, s.path, s.start, s.end, stream=event.stream)
        for s in event.segments
        if not s.shared
    ]


def growing_pieces(camera: CameraHandle, now: float) -> list[Piece]:
    """Return the segments being written that are recordings, from their opening to ``now``.

    FFmpeg writes into the camera folder, or into the pre-roll buffer. A buffered file is a
    recording only while an event is open, or while footage is kept and nothing is written
    into the camera folder (a pre-roll camera inside a schedule window); an idle pre-roll
    camera's buffer is not.
    """
    status, recorder, store = camera.status, camera.recorder, camera.store
    if status is None or recorder is None or status.state is not RecorderState.RECORDING:
        return []
    if not recorder.wants_recording and not store.open_events:
        return []
    buffer = recorder.spec.buffer_dir
    writing = sorted(p for p in store.busy() if SEGMENT_RE.match(p.name))
    in_folder = [p for p in writing if p.parent == store.directory]
    in_buffer = [p for p in writing if buffer is not None and p.parent == buffer]
    if in_folder and not store.open_events:
        in_buffer = []
    # When FFmpeg began it, as the recorder dates it (and will index it: a live playlist's
    # times must not move once closed); else where the files closed last end, the next file
    # began then. Its name's second only approximates it, up to 1 s early: the file before
    # would overlap it, and a player jump back.
    ends = [segment.end for segment in store.index.segments[-1:]]
    ends += [ref.end for event in store.open_events.values() for ref in event.segments[-1:]]
    found = []
    for path in (*in_folder, *in_buffer):
        named = recorded_at(path.name)
        if named is None or named >= now or store.index.get(path.name) is not None:
            continue
        opened = store.opened_at(path)
        if opened is None:
            opened = next((end for end in ends if named - 0.05 <= end < named + 1.25), named)
        found.append(
            Piece(path.name, path.parent, path.name, opened, now, whole=False, growing=True)
        )
    return found


def uncovered(piece: Piece, cover: list[tuple[float, float]]) -> list[Piece]:
    """Return the parts of ``piece`` that no span of ``cover`` (sorted, apart) holds.

    Only the spans near the piece are looked at: a day of footage is 1 440 of them.
    """
    parts = [(piece.start, piece.end)]
    first = max(bisect.bisect_left(cover, (piece.start,)) - 1, 0)
    for a, b in itertools.islice(cover, first, None):
        if a >= piece.end:
            break
        if b <= piece.start:
            continue
        kept: list[tuple[float, float]] = []
        for s, e in parts:
            if min(b, e) - max(a, s) <= _SLACK:
                kept.append((s, e))
                continue
            if a - s > _SLACK:
                kept.append((s, a))
            if e - b > _SLACK:
                kept.append((b, e))
        parts = kept
    return [cut for s, e in parts if (cut := piece.cut(s, e)) is not None]


def is_playlist_name(name: str) -> bool:
    """Whether ``name`` has the shape of a file a playlist names (a segment, or a clip)."""
    return bool(SEGMENT_RE.match(name) or _CLIP_NAME.match(name))


def resolve(camera: CameraHandle, name: str, now: float) -> Piece | None:
    """Return the file a playlist names ``name``, whole, if it is playable now."""
    if (clip := _CLIP_NAME.match(name)) is not None:
        return clip_piece(camera, clip["id"])
    if (segment := camera.store.index.get(name)) is not None:
        return Piece(name, camera.store.directory, name, segment.start, segment.end)
    store = camera.store
    for event in (*store.open_events.values(), *store.events.values()):
        if is_export(event) or not event.segments or not event.segments_kept(now):
            continue
        for ref in event.segments:
            if not ref.shared and Path(ref.path).name == name:
                return Piece(name, store.directory, ref.path, ref.start, ref.end)
    return next((piece for piece in growing_pieces(camera, now) if piece.name == name), None)


def clip_piece(camera: CameraHandle, event_id: str) -> Piece | None:
    """Return a finished event's whole clip, placed where its media lies."""
    event = camera.store.events.get(event_id)
    if event is None or not event.clip or not event.clip_runs or is_export(event):
        return None
    start = event.clip_runs[0][1]
    end = max(wall + seconds for _, wall, seconds in event.clip_runs)
    return Piece(CLIP_NAME.format(id=event.id), camera.store.directory, event.clip, start, end)


def resting(camera: CameraHandle, now: float) -> bool:
    """Whether the camera records nothing and has filed its last segment: a live end.

    The recorder says it rests as soon as FFmpeg is gone, a moment before the last segment
    is filed away; an event is open until its clip is made.
    """
    status = camera.status
    return (
        status is not None
        and status.state in {RecorderState.IDLE, RecorderState.DISABLED}
        and now - status.since.timestamp() > _FILING_TIME
        and not camera.store.open_events
    )


def spans(found: list[Piece]) -> list[tuple[float, float]]:
    """Merge pieces into continuous spans (a hole over 3 s splits them)."""
    merged: list[list[float]] = []
    for piece in sorted(found, key=lambda p: p.start):
        if merged and piece.start - merged[-1][1] <= GAP_SECONDS:
            merged[-1][1] = max(merged[-1][1], piece.end)
        else:
            merged.append([piece.start, piece.end])
    return [(a, b) for a, b in merged]
