"""What a camera's recorder shows: its state, its problem, and the status snapshot.

``StatusBoard`` owns the snapshot: every change goes through it, reaches the listener once,
and a failure is logged once when the camera stops recording (and once when it records
again), as Home Assistant asks of integrations whose devices become unavailable.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
import logging
from typing import Protocol, TypedDict, Unpack

from .failure import Problem, Reason
from .modes import RecordMode

__all__ = [
    "Board",
    "Problem",
    "Reason",
    "RecorderState",
    "RecorderStatus",
    "StatusBoard",
    "StatusChanges",
]


class RecorderState(StrEnum):
    """What the recorder is really doing."""

    CONNECTING = "connecting"
    RECORDING = "recording"
    OFFLINE = "offline"
    ERROR = "error"
    DISABLED = "disabled"
    IDLE = "idle"


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    """A snapshot of one camera's recorder, pushed to listeners on every change."""

    state: RecorderState
    since: datetime
    mode: RecordMode = RecordMode.CONTINUOUS
    window_end: datetime | None = None
    reconnects: int = 0
    last_error: str | None = None
    last_segment: datetime | None = None
    pid: int | None = None
    problem: Problem | None = None
    # Why the camera is not recording, in a word Home Assistant translates.
    reason: Reason | None = None
    # What is done with the camera's streams ("hevc copied, tagged hvc1; pcm_alaw to aac").
    media: str | None = None
    # The end of FFmpeg's stderr from its last run that failed, credentials masked.
    stderr_tail: str | None = None
    # A camera with a sub-stream, while both are recorded at once: each stream's own state.
    streams: dict[str, str] | None = None


class StatusChanges(TypedDict, total=False):
    """The fields of a ``RecorderStatus`` a change may set (all but state and since)."""

    media: str | None
    problem: Problem | None
    reason: Reason | None
    stderr_tail: str | None
    mode: RecordMode
    window_end: datetime | None
    reconnects: int
    last_error: str | None
    last_segment: datetime | None
    pid: int | None
    streams: dict[str, str] | None


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


class Board(Protocol):
    """Where a run shows what it sees: a camera's ``StatusBoard``, or one stream's.

    (``dual.StreamBoard``: one of a dual-stream camera's streams.)
    """

    @property
    def status(self) -> RecorderStatus:
        """The latest status shown."""
        ...

    def publish(self, state: RecorderState | None = None, **changes: Unpack[StatusChanges]) -> None:
        """Show a change."""
        ...

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
        """Show a failed run."""
        ...

    def recovered(self) -> None:
        """Media flows again."""
        ...


class StatusBoard:
    """One camera's latest status, and the listener told of every change."""

    def __init__(
        self,
        name: str,
        initial: RecorderStatus,
        listener: Callable[[RecorderStatus], None] | None,
        logger: logging.Logger,
    ) -> None:
        """Start from ``initial``; ``name`` labels the lines written to ``logger``.

        The recorder passes its own logger: these lines are the recorder's, and users (and
        the fault tests) find them under ``recorder.supervisor``.
        """
        self.name = name
        self.status = initial
        self._listener = listener
        self._logger = logger
        self._failing = False

    def publish(self, state: RecorderState | None = None, **changes: Unpack[StatusChanges]) -> None:
        """Apply ``changes`` (and a new state, dated now); tell the listener if anything moved."""
        updated = dataclasses.replace(self.status, **changes)
        if state is not None and state is not updated.state:
            updated = dataclasses.replace(updated, state=state, since=utcnow())
        if updated == self.status:
            return
        self.status = updated
        if self._listener is not None:
            self._listener(updated)

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
        """Record a failed attempt; ``count`` it as a reconnect when an FFmpeg run ended."""
        reconnects = self.status.reconnects + (1 if count else 0)
        if not self._failing:
            self._logger.info("Camera %s is not recording: %s", self.name, words)
            self._failing = True
        else:
            self._logger.debug("Camera %s still not recording: %s", self.name, words)
        changes: StatusChanges = {
            "pid": None,
            "last_error": words,
            "reconnects": reconnects,
            "problem": problem,
            "reason": reason,
        }
        if tail is not None:
            changes["stderr_tail"] = tail
        self.publish(state, **changes)

    def recovered(self) -> None:
        """Log, once, that a failing camera records again."""
        if self._failing:
            self._logger.info("Camera %s is recording again", self.name)
            self._failing = False
