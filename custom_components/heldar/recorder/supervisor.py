"""One camera's recorder: a task that keeps exactly one FFmpeg recording while it should.

The semantics are the original Heldar recorder's (states, 1-30 s backoff reset after 30 s of
healthy recording, a bounded and masked stderr tail, a reconnect counter), with two changes:

- ``recording`` means media is reaching the disk. It is derived from segment files growing,
  not from the process having started, and a stream that goes silent is detected and
  restarted instead of waiting for FFmpeg's 15 s socket timeout, or forever on HTTP.
- stopping is graceful and bounded (see ``FFmpegProcess.stop``), and the stub a stop can
  leave behind is removed, so every file left on disk plays.

The task owns its FFmpeg: a new one is started only after the previous one was reaped, and
the task ends only after its FFmpeg has, which is what makes "never two FFmpeg for one
camera" hold in ``RecorderManager``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
import logging
from pathlib import Path
import time
from typing import Any, Protocol, TypedDict, Unpack

from .archive import BUFFER_SEGMENT_SECONDS, Archive, ClosedSegment
from .backoff import Backoff
from .births import BirthWatcher
from .command import RecordCommand
from .events import Event
from .failure import (
    Failure,
    Problem,
    Reason,
    classify_os_error,
    classify_output,
    describe_os_error,
    without_startup_noise,
)
from .health import RunEnd, RunHealth, evidence, reporting
from .modes import Demand, RecordMode
from .process import FFmpegNotFoundError, FFmpegProcess
from .progress import MediaClock
from .segments import (
    ScanResult,
    SegmentVerdict,
    SegmentWatcher,
    read_mp4_shape,
    segment_start,
    settle_last_segment,
)
from .stderr_tail import summarize
from .store import CameraStore
from .streams import AudioMode, MediaPlan, StreamInfo, plan_media, probe_streams
from .timing import Timing
from .urls import mask, url_secrets, with_credentials

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


class SourceUnavailableError(Exception):
    """The stream URL cannot be had right now; the message is safe to show."""


class StreamSource(Protocol):
    """Where a camera's stream comes from, asked again before every FFmpeg start."""

    async def resolve(self) -> str:
        """Return the URL to give FFmpeg, credentials included."""
        ...


@dataclass(frozen=True, slots=True)
class StaticSource:
    """A stream URL from the camera's settings, with credentials kept apart from it."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)

    async def resolve(self) -> str:
        """Return the URL with the credentials percent-encoded into it."""
        return with_credentials(self.url, self.username, self.password)


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """What to record and where: everything that needs an FFmpeg restart to change."""

    camera_id: str
    name: str
    source: StreamSource
    output_dir: Path
    segment_seconds: int = 60
    record_audio: bool = False
    # Event cameras with a pre-roll keep FFmpeg connected, writing into this buffer.
    pre_roll_seconds: int = 0
    buffer_dir: Path | None = None
    # Asked what the camera sends before each start, until it answers (None: copy blindly).
    ffprobe: str | None = None
    transcode_mjpeg: bool = True


class _StatusChanges(TypedDict, total=False):
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


type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]
# Asked to free disk space when the disk is full; returns whether anything was freed.
type MakeRoom = Callable[[], Awaitable[bool]]


@dataclass(slots=True)
class _Run:
    """One FFmpeg run's output: where it lands and when each segment began."""

    watcher: SegmentWatcher
    births: BirthWatcher
    buffering: bool
    clock: MediaClock
    file_born: bool = True
    last_scan: float = float("-inf")

    def scan_due(self, now: float, *, reporting: bool, rescan: float) -> bool:
        """Whether to look at the files now, rather than trust FFmpeg's progress reports.

        Each look is a trip to an executor thread; with many cameras those trips were most of
        Heldar's CPU in Home Assistant. Growth matters only when FFmpeg gives no progress
        reports, and new files announce themselves through inotify.
        """
        return (
            not reporting
            or not self.births.active
            or self.file_born
            or now - self.last_scan >= rescan
        )

    def start_of(self, path: Path) -> float:
        """Return a segment's wall-clock start: its creation time, else its name's second.

        The run's first file is created when FFmpeg connects, but its footage starts at the
        first keyframe, up to a GOP (20 s on some cameras) later: FFmpeg's reports date it.
        """
        first = self.watcher.files[0] if self.watcher.files else None
        if path == first and self.clock.first_frame_at is not None:
            return time.time() - (self.clock.clock() - self.clock.first_frame_at)
        if (born := self.births.times.get(path.name)) is not None:
            return born
        start = segment_start(path.name)
        return start.timestamp() if start else time.time()


class CameraRecorder:
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

        ``store`` (if given) indexes footage and finished events, and asks the recorder which
        files retention must leave alone. ``make_room`` (if given) is asked to free space
        when the disk is full, before the next attempt.
        """
        self._make_room = make_room
        self.spec = spec
        self._binary = ffmpeg_binary
        self._listener = listener
        self._timing = timing or Timing()
        self._enabled = enabled
        # The mode and schedule state to start with; triggers start empty.
        self._demand = Demand(demand.mode, demand.schedule_active) if demand else Demand()
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
        self._run_state: _Run | None = None
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
        self._streams: StreamInfo | None = None
        self._failing = False
        self._status = RecorderStatus(self._resting_state(), _utcnow(), mode=self._demand.mode)

    @property
    def status(self) -> RecorderStatus:
        """Return the latest status."""
        return self._status

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
        self._publish(
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
        self._publish(mode=mode)
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
        if not (self._enabled and self._demand.mode.uses_triggers):
            return False
        self._archive.trigger(time.time(), until.timestamp(), reason)
        if not self._demand.extend(until):
            return False
        self._publish(window_end=until)
        self._changed.set()
        return True

    @property
    def wants_recording(self) -> bool:
        """Whether the camera should be recording now (switch, mode, schedule, triggers)."""
        return self._enabled and self._demand.wants(_utcnow())

    def busy_paths(self) -> set[Path]:
        """Return files that must not be deleted now: the open segment, open events' files."""
        paths = self._archive.busy_paths()
        if self._run_state is not None and (current := self._run_state.watcher.current):
            paths.add(current)
        return paths

    @property
    def buffering(self) -> bool:
        """Whether FFmpeg keeps a pre-roll buffer even while nothing is recorded."""
        return self._archive.buffer_dir is not None and self._demand.mode.uses_triggers

    @property
    def _wants_ffmpeg(self) -> bool:
        return self._enabled and (self.buffering or self._demand.wants(_utcnow()))

    def _resting_state(self) -> RecorderState:
        """The state to show while no FFmpeg is wanted."""
        return RecorderState.DISABLED if not self._enabled else RecorderState.IDLE

    def _window_wait(self, limit: float | None) -> float | None:
        """Wait no longer than ``limit``, nor past the end of the trigger window."""
        remaining = self._demand.seconds_until_window_end(_utcnow())
        if remaining is None:
            return limit
        # A hair past the end, so the wake-up finds the window over.
        remaining = max(remaining, 0.0) + 0.001
        return remaining if limit is None else min(limit, remaining)

    def _expire_window(self) -> None:
        """Forget a trigger window that has ended, so the status shows none."""
        demand = self._demand
        if demand.window_end is not None and demand.window_end <= _utcnow():
            demand.window_end = None
            self._publish(window_end=None)

    # -- the supervising task ---------------------------------------------------------

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
            self._publish(self._resting_state(), pid=None)
            await self._archive.settle(time.time(), running=False)
            await self._wait_for_change(self._window_wait(None))
            return None
        return await self._attempt()

    async def _retry_delay(self, healthy: float) -> float:
        """Back off, except right after freeing disk space for a full disk."""
        delay = self._backoff.failure(healthy)
        if self._status.reason is Reason.DISK_FULL and self._make_room is not None:
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
        if isinstance(err, OSError):
            failure = classify_os_error(err)
            words = f"file operation failed: {describe_os_error(err)}"
        else:
            failure = Failure(Reason.INTERNAL_ERROR, Problem.INTERNAL, error=True)
            words = f"internal error: {err!r}"
            _LOGGER.error("Recorder for %s failed; retrying", self.spec.name, exc_info=err)
        self._fail(RecorderState.ERROR, words, failure.problem, reason=failure.reason)

    async def _open_archive(self) -> None:
        """Finish or resume events a restart interrupted, and start from an empty buffer."""
        now = time.time()
        self._archive.set_footage(self._demand.footage_active, now)
        await self._archive.reset_buffer()
        resumed = await self._archive.recover(now)
        if resumed is not None and self._demand.extend(datetime.fromtimestamp(resumed, UTC)):
            self._publish(window_end=self._demand.window_end)

    async def _attempt(self) -> float | None:
        """Run FFmpeg once; return the healthy seconds it recorded, or None if asked to stop."""
        try:
            url = await self.spec.source.resolve()
        except SourceUnavailableError as err:
            self._fail(
                RecorderState.ERROR,
                str(err),
                Problem.SOURCE,
                count=False,
                reason=Reason.SOURCE_UNAVAILABLE,
            )
            return 0.0
        secrets = url_secrets(url)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._prepare_output_dir)
        except OSError as err:
            self._storage_failed(self.spec.output_dir, err)
            return 0.0

        buffering = self.buffering
        landing = (
            self._archive.buffer_dir
            if buffering and self._archive.buffer_dir
            else self.spec.output_dir
        )
        seconds = BUFFER_SEGMENT_SECONDS if buffering else self.spec.segment_seconds
        try:
            await loop.run_in_executor(None, partial(landing.mkdir, parents=True, exist_ok=True))
        except OSError as err:
            self._storage_failed(landing, err)
            return 0.0
        self._archive.new_run()
        self._publish(RecorderState.CONNECTING, pid=None)
        plan = await self._plan_media(url)
        audio = self._audio if self._streams is None else plan.audio
        argv = RecordCommand(
            self._binary, url, landing, seconds, audio, plan.video, wallclock=plan.wallclock
        ).argv()
        started_wall = time.time()
        # The first progress report wakes the supervisor, so ``recording`` shows at once.
        clock = MediaClock(loop.time, lambda _: self._wake_if_connecting())
        try:
            process = await FFmpegProcess.start(argv, env={"TZ": "UTC"}, media_clock=clock)
        except FFmpegNotFoundError as err:
            self._fail(
                RecorderState.ERROR,
                str(err),
                Problem.FFMPEG,
                count=False,
                reason=Reason.FFMPEG_MISSING,
            )
            return 0.0
        self._process = process
        self._publish(pid=process.pid)
        watcher = SegmentWatcher(landing, started_wall)
        # A new segment means the previous one just closed: look at once, so it is routed
        # (and the buffer trimmed) without waiting for the next poll.
        births = BirthWatcher(landing, self._file_born)
        try:
            births.start()
            self._run_state = _Run(watcher, births, buffering, clock)
            return await self._supervise(process, self._run_state, secrets)
        finally:
            births.stop()
            if process.returncode is None:  # the run failed before FFmpeg was stopped
                await process.stop(self._timing.stop)
            self._process = None
            self._run_state = None
            self._run_health = None

    async def _plan_media(self, url: str) -> MediaPlan:
        """Probe the camera's codecs (once it answers) and choose how to write them."""
        spec = self.spec
        if self._streams is None and spec.ffprobe is not None:
            self._streams = await probe_streams(spec.ffprobe, url)
            if self._streams is not None:
                plan = plan_media(
                    self._streams,
                    record_audio=spec.record_audio,
                    transcode_mjpeg=spec.transcode_mjpeg,
                )
                if plan.dropped_audio:
                    _LOGGER.warning(
                        "Camera %s sends %s audio, which MP4 cannot hold: recording without audio",
                        spec.name,
                        plan.dropped_audio,
                    )
                self._publish(media=plan.describe(self._streams))
        return plan_media(
            self._streams, record_audio=spec.record_audio, transcode_mjpeg=spec.transcode_mjpeg
        )

    def _storage_failed(self, directory: Path, err: OSError) -> None:
        failure = classify_os_error(err)
        words = f"cannot create {directory}: {describe_os_error(err)}"
        self._fail(RecorderState.ERROR, words, failure.problem, count=False, reason=failure.reason)

    def _prepare_output_dir(self) -> None:
        self.spec.output_dir.mkdir(parents=True, exist_ok=True)

    async def _supervise(
        self, process: FFmpegProcess, run: _Run, secrets: tuple[str, ...]
    ) -> float | None:
        loop = asyncio.get_running_loop()
        exited = asyncio.ensure_future(process.wait())
        exited.add_done_callback(lambda _: self._changed.set())
        health = self._run_health = RunHealth(self._timing, started=loop.time())
        crash: Exception | None = None
        try:
            try:
                end = await self._watch(process, run, health, exited)
            except Exception as err:  # noqa: BLE001 - file work failed: stop FFmpeg, retry
                end, crash = RunEnd.CRASHED, err
            if not exited.done():
                await process.stop(self._timing.stop)
            code = await exited
            # The exit woke the change event; what it reported is handled here, and real
            # changes (disable, stop) are flags the caller re-reads, so nothing is lost.
            self._changed.clear()
            if end is RunEnd.REQUESTED and not self._closing and not self._wants_ffmpeg:
                # FFmpeg is gone: say so now, before the last segment is filed away.
                self._publish(self._resting_state(), pid=None)
        except asyncio.CancelledError:
            process.kill()
            raise
        if crash is not None:
            raise crash
        await self._finish_run(run)
        if end is RunEnd.REQUESTED:
            return None
        self._after_failure(end, code, mask(process.tail.text(), secrets), run.clock)
        return health.healthy_seconds(loop.time())

    async def _watch(
        self, process: FFmpegProcess, run: _Run, health: RunHealth, exited: asyncio.Future[int]
    ) -> RunEnd:
        """Follow one run until FFmpeg exits, is no longer wanted, or fails a health check."""
        loop = asyncio.get_running_loop()
        while True:
            # A pre-roll buffer is trimmed as it ages, so it keeps the regular poll.
            pushed = reporting(run.clock) and not run.buffering
            wait = health.poll_interval(loop.time(), reporting=pushed)
            await self._wait_for_change(self._window_wait(wait))
            self._expire_window()
            if exited.done():
                return RunEnd.EXITED
            if self._closing or not self._wants_ffmpeg or self.buffering != run.buffering:
                return RunEnd.REQUESTED
            scan = await self._look(process, run, loop.time())
            proof = evidence(run.clock, grew=scan.progressed, now=loop.time())
            if health.recording_since is None and proof is not None:
                # Progress says frames were written: show ``recording`` once they are on disk.
                current = scan.current or run.watcher.current
                if current is None or not await loop.run_in_executor(None, _has_footage, current):
                    proof = None
            flowing = health.observe(proof, run.clock)
            if flowing:
                self._recovered()
            await self._archive_closed(run, scan.closed, scan.current)
            self._report(process, health, scan.opened, became_flowing=flowing)
            if (verdict := health.verdict(loop.time(), run.clock)) is not None:
                return verdict

    async def _look(self, process: FFmpegProcess, run: _Run, now: float) -> ScanResult:
        """Scan the output directory when it is due; otherwise report nothing new."""
        if not run.scan_due(now, reporting=reporting(run.clock), rescan=self._timing.rescan):
            return ScanResult(current=run.watcher.current)
        run.file_born = False
        run.last_scan = now
        return await asyncio.get_running_loop().run_in_executor(None, run.watcher.scan)

    def _file_born(self) -> None:
        if self._run_state is not None:
            self._run_state.file_born = True
        self._changed.set()

    def _wake_if_connecting(self) -> None:
        if self._run_health is not None and self._run_health.recording_since is None:
            self._changed.set()

    def _report(
        self,
        process: FFmpegProcess,
        health: RunHealth,
        opened: list[Path],
        *,
        became_flowing: bool,
    ) -> None:
        """Publish what this look at the files showed: the state and the newest segment."""
        changes: _StatusChanges = {}
        if opened and not self.buffering:
            changes["last_segment"] = segment_start(opened[-1].name)
        if health.recording_since is None:
            if changes:
                self._publish(**changes)
            return
        if became_flowing:
            changes["pid"] = process.pid
            changes["last_error"] = None
            changes["problem"] = None
            changes["reason"] = None
        # A buffering camera is idle (armed) until an event or a schedule makes it keep media.
        state = RecorderState.RECORDING if self.wants_recording else RecorderState.IDLE
        self._publish(state, **changes)

    async def _archive_closed(self, run: _Run, closed: list[Path], current: Path | None) -> None:
        """Hand newly closed segments, with their wall-clock spans, to the archive."""
        now = time.time()
        if not closed:
            if self._archive.busy:
                await self._archive.settle(now, running=True)
            return
        starts = [run.start_of(path) for path in (*closed, *([current] if current else []))]
        ends = starts[1:] if current else [*starts[1:], now]
        segments = [
            ClosedSegment(path, start, end)
            for path, start, end in zip(closed, starts, ends, strict=False)
        ]
        await self._archive.route(segments, now)

    async def _finish_run(self, run: _Run) -> None:
        """After FFmpeg exited: remove a stub it may have left, and archive the last segment."""
        loop = asyncio.get_running_loop()
        scan = await loop.run_in_executor(None, run.watcher.scan)
        await self._archive_closed(run, scan.closed, scan.current)
        if (last := run.watcher.current) is None:
            await self._archive.settle(time.time(), running=False)
            return
        verdict = await loop.run_in_executor(None, settle_last_segment, last)
        if verdict is SegmentVerdict.KEPT:
            end = await loop.run_in_executor(None, _mtime, last)
            await self._archive.route([ClosedSegment(last, run.start_of(last), end)], time.time())
        elif last.name == _name_of(self._status.last_segment):
            previous = run.watcher.files[-2].name if len(run.watcher.files) > 1 else None
            self._publish(last_segment=segment_start(previous) if previous else None)
        await self._archive.settle(time.time(), running=False)

    def _after_failure(self, end: RunEnd, code: int, tail: str, clock: MediaClock) -> None:
        words = summarize(without_startup_noise(tail))
        if end is RunEnd.STALLED:
            failure = Failure(Reason.STALLED, Problem.STREAM, error=False)
            words = "the stream stopped sending media; restarting FFmpeg"
        elif end is RunEnd.NO_DATA:
            failure = Failure(Reason.NO_MEDIA, Problem.STREAM, error=False)
            words = "no media arrived after connecting; restarting FFmpeg"
        elif end is RunEnd.DRIFT:
            failure = Failure(Reason.MEDIA_DRIFT, Problem.STREAM, error=False)
            words = (
                f"the recorded media ran {clock.drift():+.1f} s off the wall clock "
                "(camera timestamps jumped); restarting FFmpeg"
            )
            _LOGGER.warning("Camera %s: %s", self.spec.name, words)
        else:
            failure = classify_output(tail)
            if failure.reason is Reason.UNAUTHORIZED or failure.reason is Reason.FORBIDDEN:
                words = "the camera refused the username or password (401/403)"
            elif self._audio is AudioMode.COPY and any(m in tail.lower() for m in _CONTAINER):
                # MP4 cannot hold this audio codec (G.711 ...): record AAC from now on.
                self._audio = AudioMode.AAC
                failure = Failure(Reason.AUDIO_TRANSCODED, Problem.STREAM, error=False)
                words = "the camera's audio codec does not fit in MP4; transcoding audio to AAC"
        if not words:
            words = f"FFmpeg exited with status {code}"
        state = RecorderState.ERROR if failure.error else RecorderState.OFFLINE
        self._fail(state, words, failure.problem, tail=tail, reason=failure.reason)

    def _fail(
        self,
        state: RecorderState,
        words: str,
        problem: Problem,
        *,
        count: bool = True,
        tail: str | None = None,
        reason: Reason | None = None,
    ) -> None:
        """Record a failed attempt; ``count`` it as a reconnect when an FFmpeg run ended.

        Logged once at info level when the camera stops recording (and once when it records
        again), as Home Assistant asks of integrations whose devices become unavailable.
        """
        reconnects = self._status.reconnects + (1 if count else 0)
        if not self._failing:
            _LOGGER.info("Camera %s is not recording: %s", self.spec.name, words)
            self._failing = True
        else:
            _LOGGER.debug("Camera %s still not recording: %s", self.spec.name, words)
        changes: _StatusChanges = {
            "pid": None,
            "last_error": words,
            "reconnects": reconnects,
            "problem": problem,
            "reason": reason,
        }
        if tail is not None:
            changes["stderr_tail"] = tail
        self._publish(state, **changes)

    def _recovered(self) -> None:
        if self._failing:
            _LOGGER.info("Camera %s is recording again", self.spec.name)
            self._failing = False

    async def _wait_for_change(self, within: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._changed.wait()
        self._changed.clear()

    def _publish(
        self, state: RecorderState | None = None, **changes: Unpack[_StatusChanges]
    ) -> None:
        updated = dataclasses.replace(self._status, **changes)
        if state is not None and state is not updated.state:
            updated = dataclasses.replace(updated, state=state, since=_utcnow())
        if updated == self._status:
            return
        self._status = updated
        if self._listener is not None:
            self._listener(updated)


_CONTAINER = ("codec not currently supported in container", "could not find tag for codec")


def _has_footage(path: Path) -> bool:
    """Whether a segment holds at least one fragment of samples on disk. Blocking."""
    try:
        return read_mp4_shape(path).has_media
    except FileNotFoundError:
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _name_of(start: datetime | None) -> str | None:
    return start.strftime("%Y%m%d_%H%M%S.mp4") if start else None
