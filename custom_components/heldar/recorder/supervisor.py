"""One camera's recorder: the control API, and the camera's life across FFmpeg runs.

The recorder decides what the camera records now (``dual.plan_jobs``: one stream, or a
dual-stream camera's two) and keeps one ``StreamLoop`` per job, each with its own FFmpeg and
backoff. A job's loop ends before another job of the same camera starts, so never two FFmpeg
write one folder and never one stream is read twice; every FFmpeg dies with Home Assistant
(``process.py``). What the runs see reaches the camera's ``StatusBoard``, through
``StreamStates`` for a camera with a sub-stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import contextlib
from datetime import UTC, datetime
import logging
from pathlib import Path
import time
from typing import Any

from .activity_feed import ActivityFeed, ActivityListener
from .archive import Archive
from .backoff import Backoff
from .dual import StreamJob, StreamStates, plan_jobs, roles_of
from .events import Event
from .failure import Problem, Reason, judge_crash
from .health import RunEnd
from .modes import Demand, RecordMode
from .planner import MediaPlanner
from .run import Camera
from .source import CameraSpec, SourceUnavailableError, StaticSource, StreamName, StreamSource
from .status import Board, RecorderState, RecorderStatus, StatusBoard, utcnow
from .store import CameraStore
from .stream_loop import MakeRoom, StreamLoop
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


class CameraRecorder:
    """Supervise one camera's FFmpeg runs for as long as the recorder is started."""

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
        activity_listener: ActivityListener | None = None,
        activity_wanted: Callable[[], bool] | None = None,
    ) -> None:
        """Prepare the recorder; nothing runs until ``start``.

        ``store`` indexes footage and events and asks which files retention must leave alone;
        ``make_room`` frees space when the disk is full, before the next attempt;
        ``activity_listener`` hears the live activity level after each fragment, soon after it
        lands while ``activity_wanted`` says somebody wants it (None: always).
        """
        self._make_room = make_room
        self.spec = spec
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
        if store is not None:
            store.busy = self.busy_paths
            store.opened_at = self.opened_at
        self._closing = False
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # A failure of the camera's own work (opening the archive), between FFmpeg runs.
        self._backoff = Backoff(
            self._timing.backoff_initial, self._timing.backoff_max, self._timing.healthy_after
        )
        # What each stream's runs learnt about its audio (G.711 refused: AAC from then on).
        first = AudioMode.COPY if spec.record_audio else AudioMode.DROP
        self._audio: dict[StreamName | None, AudioMode] = dict.fromkeys((None, *StreamName), first)
        initial = RecorderStatus(self._resting_state(), utcnow(), mode=self._demand.mode)
        self._board = StatusBoard(spec.name, initial, listener, _LOGGER)
        self._planner = MediaPlanner(spec, lambda words: self._board.publish(media=words))
        # One meter for the recorder's life: a new FFmpeg run keeps the learnt baseline.
        self.activity = ActivityFeed(spec.output_dir, activity_listener, wanted=activity_wanted)
        self._camera = Camera(
            spec, ffmpeg_binary, self._timing, self._archive, self._planner, self.activity
        )
        # A camera with a sub-stream shows its streams' states as one; None: one stream.
        self._streams = (
            StreamStates(self._board, self._down_changed, time.monotonic)
            if spec.roles.split_capable
            else None
        )
        self._wanted: tuple[StreamJob, ...] = ()  # the jobs the camera records now
        self._loops: dict[StreamJob, tuple[StreamLoop, asyncio.Task[None]]] = {}

    @property
    def status(self) -> RecorderStatus:
        """Return the latest status."""
        return self._board.status

    @property
    def pid(self) -> int | None:
        """Return the pid of a running FFmpeg (the footage stream's first), if any."""
        return next(iter(self.pids), None)

    @property
    def pids(self) -> list[int]:
        """Return the pid of every running FFmpeg: one per stream recorded, footage first."""
        return [pid for loop, _ in self._loops.values() if (pid := loop.pid) is not None]

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
        for loop, _ in self._loops.values():
            paths |= loop.open_files()
        return paths

    def opened_at(self, path: Path) -> float | None:
        """When FFmpeg began ``path``, if one of this camera's runs writes it now."""
        for loop, _ in self._loops.values():
            if (start := loop.opened_at(path)) is not None:
                return start
        return None

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

    # -- what the runs ask (``run.RunHost``) ------------------------------------------------

    def wants(self, job: StreamJob) -> bool:
        """Whether ``job`` is still to be recorded."""
        return not self._closing and job in self._wanted

    def resting_state(self) -> RecorderState | None:
        """The state a one-stream camera shows once its FFmpeg stopped, if it wants none."""
        if self._closing or self._streams is not None or self._wanted:
            return None  # stopping: the last state stays; two streams: shown once both ended
        return self._resting_state()

    def writing_besides(self, job: StreamJob) -> bool:
        """Whether another of the camera's FFmpeg still writes."""
        return any(loop.writing for other, (loop, _) in self._loops.items() if other != job)

    def planned(self, job: StreamJob) -> None:
        """A stream was planned: its codec is known, so the archive need not probe a file."""
        self._file_roles()

    def judged(self, job: StreamJob, end: RunEnd) -> None:
        """A stream of a dual-stream camera failed: name it at once."""
        if self._streams is not None and job.stream is not None:
            self._streams.board_for(job.stream).judged(end)

    # -- the camera's task ------------------------------------------------------------------

    def _jobs(self) -> tuple[StreamJob, ...]:
        if self._closing or not self._wants_ffmpeg:
            return ()
        footage = self._demand.footage_active
        return plan_jobs(self.spec, footage=footage, buffering=self.buffering)

    def _file_roles(self) -> None:
        """Tell the archive which stream its footage and its events come from now."""
        down = self._streams.down if self._streams is not None else frozenset()
        roles = roles_of(self._wanted, down)
        self._archive.new_run(roles, self._planner.written_codec(roles.footage))

    def _down_changed(self, _down: frozenset[StreamName]) -> None:
        self._file_roles()

    def _board_for(self, job: StreamJob) -> Board:
        if self._streams is not None and job.stream is not None:
            return self._streams.board_for(job.stream)
        return self._board

    async def _run(self) -> None:
        opened = False
        try:
            while not self._closing:
                try:
                    if not opened:
                        await self._open_archive()
                        opened = True
                    await self._step()
                except Exception as err:  # noqa: BLE001 - any failure is shown, then retried
                    self._crashed(err)
                    await self._wait_for_change(self._backoff.failure(0.0))
            await self._record(())
            await self._archive.close()
        finally:
            # Only runs left when the task itself was cancelled: each kills and reaps its FFmpeg.
            for _, task in self._loops.values():
                task.cancel()
            for _, task in self._loops.values():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(task)

    async def _step(self) -> None:
        """Record what the camera wants now; rest when that is nothing; wait for a change."""
        self._expire_window()
        jobs = self._jobs()
        await self._record(jobs)
        if not jobs:
            self._board.publish(self._resting_state(), pid=None)
            await self._archive.settle(time.time(), running=False)
        await self._wait_for_change(self._window_wait(None))
        for loop, _ in self._loops.values():
            loop.poke()

    async def _record(self, jobs: tuple[StreamJob, ...]) -> None:
        """Keep a loop for each of ``jobs``: end the others first (their FFmpeg reaped)."""
        self._wanted = jobs
        ending = [(loop, task) for job, (loop, task) in self._loops.items() if job not in jobs]
        for loop, _ in ending:
            loop.poke()
        for loop, task in ending:
            await asyncio.wait([task])
            self._audio[loop.job.stream] = loop.audio
            del self._loops[loop.job]
        if self._streams is not None:
            self._streams.activate(tuple(job.stream for job in jobs if job.stream is not None))
        if ending or any(job not in self._loops for job in jobs):
            self._file_roles()
        for job in jobs:
            if job not in self._loops:
                audio = self._audio[job.stream]
                board = self._board_for(job)
                loop = StreamLoop(self._camera, job, board, self, audio, self._make_room)
                task = asyncio.create_task(
                    loop.serve(), name=f"heldar {self.spec.camera_id} {job.stream or 'stream'}"
                )
                task.add_done_callback(lambda _: self._changed.set())
                self._loops[job] = (loop, task)

    async def _wait_for_change(self, within: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._changed.wait()
        self._changed.clear()

    def _crashed(self, err: Exception) -> None:
        """The camera's own work failed (not an FFmpeg run): show it, then retry."""
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
