"""A camera's recording jobs: which stream goes where, and, with a sub-stream, what it shows.

Footage (continuous or scheduled) comes from one stream and events with their pre-roll from
the other (``CameraSpec.roles``). While both are wanted at once, each stream has an FFmpeg of
its own: the footage stream writes the camera folder in the camera's segment length, the event
stream writes the pre-roll buffer, as an event camera's stream goes (``Archive`` builds the
event clips from there). One FFmpeg reading both streams was tried first and measured: its
second output fell behind the camera (10.5 fps of 25 and 10 to 24 s behind the clock on
FFmpeg 5.1, 3.75 fps on 9.0), and it could not tell which input had gone silent.

So every job is one stream, one FFmpeg, one folder: never two writers in one folder, never a
stream recorded twice, one connection per stream. ``StreamStates`` shows the pair as one
camera: each stream's state in ``streams``, the stream that failed named the moment it is
judged, and ``recording`` while the other stream's files grow, which then records footage and
events alike (``fallback_roles``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
import logging
from typing import TYPE_CHECKING, Unpack

from .archive import BUFFER_SEGMENT_SECONDS
from .failure import Problem, Reason
from .health import RunEnd
from .source import CameraSpec, StreamName, StreamRoles, StreamSource
from .status import RecorderState, RecorderStatus, StatusBoard, StatusChanges, utcnow

if TYPE_CHECKING:
    from pathlib import Path

_LOGGER = logging.getLogger(f"{__package__}.supervisor")  # the recorder's lines, one logger


@dataclass(frozen=True, slots=True)
class StreamJob:
    """What one FFmpeg records: a stream (None: a camera's only one), into which folder.

    ``buffering``: the folder is the pre-roll buffer, whose segments the archive files away
    (as footage, into an event, or not at all) once closed.
    """

    stream: StreamName | None
    landing: Path
    segment_seconds: int
    buffering: bool = False


def plan_jobs(spec: CameraSpec, *, footage: bool, buffering: bool) -> tuple[StreamJob, ...]:
    """Decide what to record now: one job, or two (footage and events) on a split camera.

    ``footage``: continuous or scheduled recording is on; ``buffering``: events keep a
    pre-roll buffer. A one-stream camera always records its one stream, into the buffer while
    it buffers. A camera with a sub-stream records one stream while only footage or only
    events are wanted, and each stream into its own folder while both are.
    """
    roles = spec.roles
    buffer = spec.buffer_dir if buffering else None
    if roles.footage is not None and roles.events is not None and footage and buffer:
        return (
            StreamJob(roles.footage, spec.output_dir, spec.segment_seconds),
            StreamJob(roles.events, buffer, BUFFER_SEGMENT_SECONDS, buffering=True),
        )
    only = roles.footage if footage else roles.events
    if buffer is not None:
        return (StreamJob(only, buffer, BUFFER_SEGMENT_SECONDS, buffering=True),)
    return (StreamJob(only, spec.output_dir, spec.segment_seconds),)


def roles_of(jobs: tuple[StreamJob, ...], down: frozenset[StreamName]) -> StreamRoles:
    """Which stream the archive files as footage and which as events, given what is down.

    Split jobs write footage and events apart; while one of their streams is down, the other
    records both (``fallback_roles``), as a one-stream camera does.
    """
    streams = [job.stream for job in jobs if job.stream is not None]
    if len(streams) == 2:  # noqa: PLR2004 - footage and events
        footage, events = streams
        healthy = [stream for stream in streams if stream not in down]
        if len(healthy) == 1:
            return fallback_roles(healthy[0])
        return StreamRoles(footage, events, split=True)
    return StreamRoles(streams[0], streams[0]) if streams else StreamRoles()


def fallback_roles(stream: StreamName) -> StreamRoles:
    """One stream records footage and events alike."""
    return StreamRoles(stream, stream)


def source_of(spec: CameraSpec, stream: StreamName | None) -> StreamSource:
    """Return where ``stream`` comes from (the sub-stream falls back to the main one)."""
    if stream is StreamName.SUB and spec.sub_source is not None:
        return spec.sub_source
    return spec.source


_FAILED_WORD = {
    Reason.STALLED: "stalled",
    Reason.NO_MEDIA: "no_media",
}
_WORDS = {"no_media": "sent no video", "failed": "failed"}


@dataclass(slots=True)
class _Lane:
    """One stream's own status, as its runs report it."""

    stream: StreamName
    status: RecorderStatus
    active: bool = False
    down: str | None = None  # why it failed, until it records again
    # Its failed run has ended (not only been judged): the other stream now records it all.
    settled: bool = False
    failed_at: float = 0.0

    @property
    def healthy(self) -> bool:
        return self.status.state in {RecorderState.RECORDING, RecorderState.IDLE}


class StreamBoard:
    """One stream's board: what its runs publish, shown through the camera's ``StreamStates``.

    It has a ``StatusBoard``'s calls, so a run reports the same way whether it records a
    camera's only stream (straight onto the camera's board) or one of two.
    """

    def __init__(self, states: StreamStates, lane: _Lane) -> None:
        """Report ``lane``'s stream into ``states``."""
        self._states = states
        self._lane = lane

    @property
    def status(self) -> RecorderStatus:
        """This stream's latest status."""
        return self._lane.status

    def publish(self, state: RecorderState | None = None, **changes: Unpack[StatusChanges]) -> None:
        """Change this stream's status, then the camera's."""
        lane = self._lane
        lane.status = replace(lane.status, **changes)
        if state is not None and state is not lane.status.state:
            lane.status = replace(lane.status, state=state, since=utcnow())
        if lane.healthy:
            lane.down, lane.settled = None, False
            self._states.recovered(lane)
        self._states.show()

    def fail(
        self,
        state: RecorderState,
        words: str,
        problem: Problem,
        *,
        count: bool = True,
        tail: str | None = None,
        reason: Reason | None = None,
    ) -> None:
        """A run of this stream failed: name the stream, and show what the camera does now."""
        self._failed(state, words, problem, count=count, tail=tail, reason=reason)
        self._lane.settled = True
        self._states.show()

    def _failed(
        self,
        state: RecorderState,
        words: str,
        problem: Problem,
        *,
        count: bool,
        tail: str | None,
        reason: Reason | None,
    ) -> None:
        lane = self._lane
        lane.down = _FAILED_WORD.get(reason, "failed") if reason else "failed"
        lane.status = replace(
            lane.status,
            state=state,
            since=utcnow(),
            pid=None,
            last_error=f"{_label(lane.stream)} {_WORDS.get(lane.down, lane.down)}: {words}",
            problem=problem,
            reason=reason,
            stderr_tail=tail if tail is not None else lane.status.stderr_tail,
        )
        self._states.failed(lane, count=count)

    def judged(self, end: RunEnd) -> None:
        """The run was just judged failing (before its FFmpeg is stopped): say so at once."""
        reason = {RunEnd.STALLED: Reason.STALLED, RunEnd.NO_DATA: Reason.NO_MEDIA}.get(end)
        if reason is None:
            return
        words = "no frame within the stall limit" if reason is Reason.STALLED else "no video yet"
        self._failed(
            RecorderState.OFFLINE, words, Problem.STREAM, count=False, tail=None, reason=reason
        )
        self._states.show()

    def recovered(self) -> None:
        """The stream records again (the camera's recovery is told by ``StreamStates``)."""
        self._lane.down, self._lane.settled = None, False


class StreamStates:
    """A dual-stream camera's two streams, shown as one camera.

    The camera is ``recording`` when every stream that runs records, or when one records and
    the other is down: then the healthy stream records footage and events alike
    (``on_down`` tells the recorder, which re-files the archive's roles). ``streams`` names
    each stream's state, a failed one by why it failed.
    """

    def __init__(
        self,
        board: StatusBoard,
        on_down: Callable[[frozenset[StreamName]], None],
        clock: Callable[[], float],
    ) -> None:
        """Show the streams on the camera's ``board``; ``on_down`` hears when ``down`` changes."""
        self._board = board
        self._on_down = on_down
        self._clock = clock
        self._lanes = {
            stream: _Lane(stream, RecorderStatus(RecorderState.CONNECTING, utcnow()))
            for stream in StreamName
        }
        self._down: frozenset[StreamName] = frozenset()
        self._order: tuple[StreamName, ...] = ()  # the active streams, footage first
        self._told_fallback: set[StreamName] = set()

    def board_for(self, stream: StreamName) -> StreamBoard:
        """The board a run of ``stream`` reports on."""
        return StreamBoard(self, self._lanes[stream])

    def activate(self, streams: tuple[StreamName, ...]) -> None:
        """These streams are recorded now, footage first (others are not)."""
        self._order = streams
        for lane in self._lanes.values():
            was = lane.active
            lane.active = lane.stream in streams
            if lane.active and not was:
                lane.status = RecorderStatus(RecorderState.CONNECTING, utcnow())
            if lane.active != was:
                lane.down, lane.settled = None, False
                self._told_fallback.discard(lane.stream)
        self.show()

    @property
    def down(self) -> frozenset[StreamName]:
        """The streams whose run failed and ended while another one runs, until they record."""
        return self._down

    def failed(self, lane: _Lane, *, count: bool) -> None:
        """``lane`` just failed: count it, log it once, and show the camera."""
        lane.failed_at = self._clock()
        if count:
            self._board.publish(reconnects=self._board.status.reconnects + 1)
        healthy = [other for other in self._active if other.healthy and other is not lane]
        if healthy and lane.stream not in self._told_fallback:
            self._told_fallback.add(lane.stream)
            _LOGGER.info(
                "Camera %s: %s; the %s records footage and events meanwhile",
                self._board.name,
                lane.status.last_error,
                _label(healthy[0].stream),
            )

    def recovered(self, lane: _Lane) -> None:
        """``lane`` records again: a later failure is told again."""
        self._told_fallback.discard(lane.stream)

    @property
    def _active(self) -> list[_Lane]:
        return [self._lanes[stream] for stream in self._order]

    def show(self) -> None:
        """Publish the camera's status from its streams'."""
        active = self._active
        down = frozenset(lane.stream for lane in active if lane.down is not None and lane.settled)
        if len(active) < 2:  # noqa: PLR2004 - one stream: nothing is down beside another
            down = frozenset()
        if down != self._down:
            self._down = down
            self._on_down(down)
        if not active:
            return
        healthy = [lane for lane in active if lane.healthy]
        failed = sorted(
            (lane for lane in active if lane.down is not None), key=lambda lane: lane.failed_at
        )
        changes: StatusChanges = {"streams": self._words(active) if len(active) > 1 else None}
        pids = [lane.status.pid for lane in active if lane.status.pid is not None]
        changes["pid"] = pids[0] if pids else None
        if segments := [lane.status.last_segment for lane in active if lane.status.last_segment]:
            changes["last_segment"] = max(segments)
        if healthy and all(lane.healthy or lane.down is not None for lane in active):
            changes |= {"problem": None, "reason": None}
            changes["last_error"] = failed[-1].status.last_error if failed else None
            self._board.recovered()
            self._board.publish(healthy[0].status.state, **changes)
            return
        if failed and not healthy:
            worst = failed[-1].status
            self._board.fail(
                worst.state,
                worst.last_error or "",
                worst.problem or Problem.STREAM,
                count=False,
                tail=worst.stderr_tail,
                reason=worst.reason,
            )
            self._board.publish(**changes)
            return
        self._board.publish(RecorderState.CONNECTING, **changes)

    def _words(self, active: list[_Lane]) -> dict[str, str]:
        return {str(lane.stream): lane.down or _word(lane.status.state) for lane in active}


def _word(state: RecorderState) -> str:
    return "recording" if state in {RecorderState.RECORDING, RecorderState.IDLE} else str(state)


def _label(stream: StreamName) -> str:
    return "sub-stream" if stream is StreamName.SUB else "main stream"
