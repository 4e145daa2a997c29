"""One camera's recorder: the control API and the restart loop that keeps one FFmpeg running.

One attempt (``run.py``) says ``recording`` only once media is on disk; between attempts the
loop backs off 1-30 s (reset after 30 s healthy). The task owns its FFmpeg: a new one starts
only after the previous one was reaped, so "never two FFmpeg for one camera" holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
from datetime import UTC, datetime
import logging
from pathlib import Path
import time
from typing import Any

from .archive import Archive
from .backoff import Backoff
from .events import Event
from .failure import Problem, Reason, judge_crash
from .health import RunHealth
from .modes import Demand, RecordMode
from .planner import MediaPlanner
from .process import FFmpegProcess
from .run import RunMixin
from .run_output import RunOutput
from .source import CameraSpec, SourceUnavailableError, StaticSource, StreamSource
from .status import RecorderState, RecorderStatus, StatusBoard, utcnow
from .store import CameraStore
from .streams import AudioMode
from .timing import Timing
from .window_notice import extend_window

__all__ = [
    "CameraRecorder",
    "CameraSpec",
    "MakeRoom",
    "Problem",
    "Reason",
    "RecorderState",
    "RecorderStatus",
    "SourceUnavailableError",
    "StaticSource",
    "StreamSource",
    "TaskFactory",
    "Timing",
]

_LOGGER = logging.getLogger(__name__)

type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]
# Asked to free disk space when the disk is full; returns whether anything was freed.
type MakeRoom = Callable[[], Awaitable[bool]]


class CameraRecorder(RunMixin):
    """Supervise one camera's FFmpeg for as long as the recorder is started."""

    def __init__(  # noqa: PLR0913 - one keyword each for what the host plugs in
        self,
        spec: CameraSpec,
        *,
        ffmpeg_binary: str,
        listener: Callable[[RecorderStatus], None] | None = None,
        timing: Timing | None = None,
        enabled: bool = True,
        demand: Demand | None = None,
        event_listener: Callable[[Event, str], None] | None = None,
        store: CameraStore | None = None,
        make_room: MakeRoom | None = None,
    ) -> None:
        """Prepare the recorder; nothing runs until ``start``.

        ``store`` indexes footage and events and asks which files retention must leave alone;
        ``make_room`` frees space when the disk is full, before the next attempt.
        """
        self._make_room = make_room
        self.spec = spec
        self._binary = ffmpeg_binary
        self._timing = timing or Timing()
        self._enabled = enabled
        # The mode and schedule state to start with; triggers start empty.
        start = demand or Demand()
        self._demand = Demand(start.mode, start.schedule_active, None, spec.events_on_own_stream)
        pre_roll = spec.pre_roll_seconds if spec.buffer_dir is not None else 0
        self._archive = Archive(
            spec.name,
            spec.output_dir,
            ffmpeg=ffmpeg_binary,
            buffer_dir=spec.buffer_dir if pre_roll > 0 else None,
            pre_roll=pre_roll,
            on_event=event_listener,
            store=store,
        )
        self._run_state: RunOutput | None = None
        self._run_health: RunHealth | None = None
        if store is not None:
            store.busy = self.busy_paths
        self._closing = False
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._process: FFmpegProcess | None = None
        self._backoff = Backoff(
            self._timing.backoff_initial, self._timing.backoff_max, self._timing.healthy_after
        )
        self._audio = AudioMode.COPY if spec.record_audio else AudioMode.DROP
        initial = RecorderStatus(self._resting_state(), utcnow(), mode=self._demand.mode)
        self._board = StatusBoard(spec.name, initial, listener, _LOGGER)
        self._planner = MediaPlanner(spec, lambda words: self._board.publish(media=words))

    @property
    def status(self) -> RecorderStatus:
        """Return the latest status."""
        return self._board.status

    @property
    def pid(self) -> int | None:
        """Return the pid of the running FFmpeg, if any."""
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        """Whether the supervising task is alive."""
        return self._task is not None and not self._task.done()

    def start(self, task_factory: TaskFactory | None = None) -> None:
        """Start supervising; calling it on a started recorder does nothing.

        ``task_factory`` lets the host own the task (Home Assistant ties it to the config
        entry); plain ``asyncio.create_task`` is used otherwise.
        """
        if self._task is not None:
            return
        self._archive.task_factory = task_factory  # hook (races): joins share the task's owner
        name = f"heldar recorder {self.spec.camera_id}"
        if task_factory is None:
            self._task = asyncio.create_task(self._run(), name=name)
        else:
            self._task = task_factory(self._run(), name)
        self._task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        """Never show a recorder whose task died as healthy."""
        if task.cancelled() or (err := task.exception()) is None:
            return
        _LOGGER.error("Recorder for %s stopped after an error", self.spec.name, exc_info=err)
        self._board.publish(
            RecorderState.ERROR,
            pid=None,
            last_error=f"the recorder stopped after an error: {err!r}",
            problem=Problem.INTERNAL,
            reason=Reason.INTERNAL_ERROR,
        )

    async def stop(self) -> None:
        """Stop FFmpeg gracefully and end the task; returns once both are gone.

        Cancelling the caller does not cancel the stop: the task still winds down on its own.
        """
        self._closing = True
        self._changed.set()
        if (task := self._task) is None:
            return
        await asyncio.wait([task])

    def set_enabled(self, enabled: bool) -> None:  # noqa: FBT001 - mirrors a switch
        """Turn recording on or off without restarting the task."""
        if enabled == self._enabled:
            return
        self._enabled = enabled
        self._backoff.reset()
        self._changed.set()

    def set_mode(self, mode: RecordMode) -> None:
        """Change the recording mode in place; FFmpeg starts or stops only if it must."""
        if mode is self._demand.mode:
            return
        self._demand.mode = mode
        self._archive.set_footage(self._demand.footage_active, time.time())
        self._board.publish(mode=mode)
        self._changed.set()

    def set_schedule_active(self, active: bool) -> None:  # noqa: FBT001
        """Tell the recorder whether its schedule is open, at the exact boundary."""
        if active == self._demand.schedule_active:
            return
        self._demand.schedule_active = active
        self._archive.set_footage(self._demand.footage_active, time.time())
        self._changed.set()

    def trigger(self, until: datetime, reason: str = "") -> bool:
        """Extend the trigger window to ``until`` (never shorten it); return whether it moved.

        Opens an event recording, or extends the open one with ``reason``. Cheap and
        idempotent: a burst of triggers moves one timestamp and keeps one event.
        """
        if not (self._enabled and self._demand.takes_triggers):
            return False
        self._archive.trigger(time.time(), until.timestamp(), reason)
        # Only an opening window wakes the supervisor; a storm's extensions show once a second.
        if (moved := extend_window(self._board, self._demand, self._task, until)) == "opened":
            self._changed.set()
        return moved is not None

    @property
    def wants_recording(self) -> bool:
        """Whether the camera should be recording now (switch, mode, schedule, triggers)."""
        return self._enabled and self._demand.wants(utcnow())

    def busy_paths(self) -> set[Path]:
        """Return files that must not be deleted now: the open segment, open events' files."""
        paths = self._archive.busy_paths()
        if self._run_state is not None:
            paths |= self._run_state.open_files()
        return paths

    @property
    def buffering(self) -> bool:
        """Whether FFmpeg keeps a pre-roll buffer even while nothing is recorded."""
        return self._archive.buffer_dir is not None and self._demand.takes_triggers

    @property
    def _wants_ffmpeg(self) -> bool:
        return self._enabled and (self.buffering or self._demand.wants(utcnow()))

    def _resting_state(self) -> RecorderState:
        """The state to show while no FFmpeg is wanted."""
        return RecorderState.DISABLED if not self._enabled else RecorderState.IDLE

    def _window_wait(self, limit: float | None) -> float | None:
        return self._demand.wait_limit(utcnow(), limit)

    def _expire_window(self) -> None:
        if self._demand.expire(utcnow()):
            self._board.publish(window_end=None)

    async def _run(self) -> None:
        opened = False
        try:
            while not self._closing:
                try:
                    if not opened:
                        await self._open_archive()
                        opened = True
                    healthy = await self._step()
                except Exception as err:  # noqa: BLE001 - any failure is shown, then retried
                    self._crashed(err)
                    healthy = 0.0
                if healthy is None or self._closing or not self._wants_ffmpeg:
                    continue
                await self._wait_for_change(self._window_wait(await self._retry_delay(healthy)))
            await self._archive.close()
        finally:
            if (process := self._process) is not None and process.returncode is None:
                # Only reached when the task itself was cancelled mid-run: kill and reap.
                process.kill()
                with contextlib.suppress(asyncio.CancelledError, ProcessLookupError):
                    await asyncio.shield(process.wait())

    async def _step(self) -> float | None:
        """Rest while no FFmpeg is wanted (None), else run it once (its healthy seconds)."""
        self._expire_window()
        if not self._wants_ffmpeg:
            self._board.publish(self._resting_state(), pid=None)
            await self._archive.settle(time.time(), running=False)
            await self._wait_for_change(self._window_wait(None))
            return None
        return await self._attempt()

    async def _retry_delay(self, healthy: float) -> float:
        """Back off, except right after freeing disk space for a full disk."""
        delay = self._backoff.failure(healthy)
        if self._board.status.reason is Reason.DISK_FULL and self._make_room is not None:
            try:
                freed = await self._make_room()
            except Exception:
                _LOGGER.exception("Could not free disk space for %s", self.spec.name)
                freed = False
            if freed:
                _LOGGER.info("Freed disk space for %s; recording again", self.spec.name)
                return self._timing.backoff_initial
        return delay

    def _crashed(self, err: Exception) -> None:
        """An attempt failed outside FFmpeg (file work, a bug): show it, then retry."""
        failure, words = judge_crash(err)
        if not isinstance(err, OSError):
            _LOGGER.error("Recorder for %s failed; retrying", self.spec.name, exc_info=err)
        self._board.fail(RecorderState.ERROR, words, failure.problem, reason=failure.reason)

    async def _open_archive(self) -> None:
        """Finish or resume events a restart interrupted, and start from an empty buffer."""
        now = time.time()
        self._archive.set_footage(self._demand.footage_active, now)
        await self._archive.reset_buffer()
        resumed = await self._archive.recover(now)
        if resumed is not None and self._demand.extend(datetime.fromtimestamp(resumed, UTC)):
            self._board.publish(window_end=self._demand.window_end)
