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
from collections.abc import Callable, Coroutine
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
from .command import AudioMode, RecordCommand
from .events import Event
from .modes import Demand, RecordMode
from .process import FFmpegNotFoundError, FFmpegProcess, StopTimeouts
from .progress import MediaClock
from .segments import (
    ScanResult,
    SegmentVerdict,
    SegmentWatcher,
    segment_start,
    settle_last_segment,
)
from .stderr_tail import summarize
from .store import CameraStore
from .urls import mask, url_secrets, with_credentials

_LOGGER = logging.getLogger(__name__)


class Problem(StrEnum):
    """Why a camera is not recording, for repairs and diagnostics."""

    SOURCE = "source"  # no stream URL to be had (a camera entity that is gone)
    AUTH = "auth"  # the camera refused the login
    STORAGE = "storage"  # the recordings cannot be written
    FFMPEG = "ffmpeg"  # FFmpeg cannot be run
    STREAM = "stream"  # the stream is unreachable, ended or went silent


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


@dataclass(frozen=True, slots=True)
class Timing:
    """Timeouts and intervals; tests shrink them, users never need to."""

    poll_connecting: float = 1.0
    poll_recording: float = 2.0
    connect_timeout: float = 30.0
    stall_floor: float = 6.0
    stall_ceiling: float = 60.0
    stall_factor: float = 3.0
    stop: StopTimeouts = field(default_factory=StopTimeouts)
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    healthy_after: float = 30.0
    # While FFmpeg reports progress and inotify reports new files, the output directory is
    # only looked at when a file appears, and at least this often.
    rescan: float = 15.0


class _StatusChanges(TypedDict, total=False):
    problem: Problem | None
    stderr_tail: str | None
    mode: RecordMode
    window_end: datetime | None
    reconnects: int
    last_error: str | None
    last_segment: datetime | None
    pid: int | None


type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]


@dataclass(slots=True)
class _Run:
    """One FFmpeg run's output: where it lands and when each segment began."""

    watcher: SegmentWatcher
    births: BirthWatcher
    buffering: bool
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
        """Return a segment's wall-clock start: its creation time, else its name's second."""
        if (born := self.births.times.get(path.name)) is not None:
            return born
        start = segment_start(path.name)
        return start.timestamp() if start else time.time()


class _End(StrEnum):
    EXITED = "exited"
    REQUESTED = "requested"
    STALLED = "stalled"
    NO_DATA = "no_data"


@dataclass(slots=True)
class _RunHealth:
    """Whether one FFmpeg run is delivering media.

    The evidence is FFmpeg's progress report (the media time advancing) when FFmpeg gives
    one, else segment files growing.
    """

    timing: Timing
    started: float
    recording_since: float | None = None
    last_progress: float = 0.0
    widest_gap: float = 0.0

    def poll_interval(self, now: float, *, reporting: bool = False) -> float:
        """Poll fast until media flows, then wake up no later than the stall deadline.

        While FFmpeg reports progress, nothing else needs a poll: reports, new files, exits
        and window ends each wake the supervisor themselves, so it sleeps until the stall
        deadline (or the periodic rescan).
        """
        if self.recording_since is None:
            return self.timing.poll_connecting
        until_stall = self.last_progress + self.stall_seconds - now
        ceiling = self.timing.rescan if reporting else self.timing.poll_recording
        return max(0.05, min(ceiling, until_stall + 0.01))

    @property
    def stall_seconds(self) -> float:
        """How long without progress counts as a silent stream."""
        # Progress comes in steps (a report, or a fragment per GOP): allow a few of them.
        timing = self.timing
        return min(
            max(timing.stall_floor, timing.stall_factor * self.widest_gap), timing.stall_ceiling
        )

    def observe(self, progressed_at: float | None) -> bool:
        """Take the latest evidence of media; return True when media just started flowing."""
        if progressed_at is None or progressed_at <= self.last_progress:
            return False
        if self.recording_since is None:
            self.recording_since = self.last_progress = progressed_at
            return True
        self.widest_gap = max(self.widest_gap, progressed_at - self.last_progress)
        self.last_progress = progressed_at
        return False

    def verdict(self, now: float) -> _End | None:
        """Return why the run must end: silent for too long, or never started."""
        if self.recording_since is None:
            return _End.NO_DATA if now - self.started > self.timing.connect_timeout else None
        return _End.STALLED if now - self.last_progress > self.stall_seconds else None

    def healthy_seconds(self, now: float) -> float:
        """Return how long media flowed in this run."""
        return now - self.recording_since if self.recording_since is not None else 0.0


def _reporting(process: FFmpegProcess) -> bool:
    """Whether FFmpeg gives progress reports (so media flow is pushed, not polled)."""
    clock = process.media_clock
    return clock is not None and clock.advanced_at is not None


def _evidence(process: FFmpegProcess, grew: bool, now: float) -> float | None:  # noqa: FBT001
    """Return when media last demonstrably flowed: FFmpeg's own report, else file growth now."""
    clock = process.media_clock
    if clock is not None and clock.advanced_at is not None:
        return clock.advanced_at
    return now if grew else None


_AUTH_MARKERS = ("401 unauthorized", "403 forbidden", "authorization failed")
_STORAGE_MARKERS = ("permission denied", "read-only file system", "no space left on device")
_CONTAINER_MARKERS = ("codec not currently supported in container", "could not find tag for codec")


class CameraRecorder:
    """Supervise one camera's FFmpeg for as long as the recorder is started."""

    def __init__(
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
    ) -> None:
        """Prepare the recorder; nothing runs until ``start``.

        ``store`` (if given) indexes footage and finished events, and asks the recorder which
        files retention must leave alone.
        """
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
        self._run_health: _RunHealth | None = None
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

    async def stop(self) -> None:
        """Stop FFmpeg gracefully and end the task; returns once both are gone.

        Cancelling the caller does not cancel the stop: the task still winds down on its own.
        """
        self._closing = True
        self._changed.set()
        if (task := self._task) is None:
            return
        await asyncio.wait([task])
        if not task.cancelled() and (err := task.exception()) is not None:
            _LOGGER.error("Recorder for %s failed", self.spec.name, exc_info=err)

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
        try:
            await self._open_archive()
            while not self._closing:
                self._expire_window()
                if not self._wants_ffmpeg:
                    self._publish(self._resting_state(), pid=None)
                    await self._archive.settle(time.time(), running=False)
                    await self._wait_for_change(self._window_wait(None))
                    continue
                healthy = await self._attempt()
                if healthy is None or self._closing or not self._wants_ffmpeg:
                    continue
                await self._wait_for_change(self._window_wait(self._backoff.failure(healthy)))
            await self._archive.close()
        finally:
            if self._process is not None and self._process.returncode is None:
                # Only reached when the task itself was cancelled mid-run.
                self._process.kill()

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
            self._fail(RecorderState.ERROR, str(err), Problem.SOURCE, count=False)
            return 0.0
        secrets = url_secrets(url)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._prepare_output_dir)
        except OSError as err:
            reason = f"cannot create {self.spec.output_dir}: {err.strerror}"
            self._fail(RecorderState.ERROR, reason, Problem.STORAGE, count=False)
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
            reason = f"cannot create {landing}: {err.strerror}"
            self._fail(RecorderState.ERROR, reason, Problem.STORAGE, count=False)
            return 0.0
        argv = RecordCommand(self._binary, url, landing, seconds, self._audio).argv()
        self._archive.new_run()
        self._publish(RecorderState.CONNECTING, pid=None)
        started_wall = time.time()
        # The first progress report wakes the supervisor, so ``recording`` shows at once.
        clock = MediaClock(loop.time, lambda _: self._wake_if_connecting())
        try:
            process = await FFmpegProcess.start(argv, env={"TZ": "UTC"}, media_clock=clock)
        except FFmpegNotFoundError as err:
            self._fail(RecorderState.ERROR, str(err), Problem.FFMPEG, count=False)
            return 0.0
        self._process = process
        self._publish(pid=process.pid)
        watcher = SegmentWatcher(landing, started_wall)
        # A new segment means the previous one just closed: look at once, so it is routed
        # (and the buffer trimmed) without waiting for the next poll.
        births = BirthWatcher(landing, self._file_born)
        births.start()
        self._run_state = _Run(watcher, births, buffering)
        try:
            return await self._supervise(process, self._run_state, secrets)
        finally:
            births.stop()
            self._process = None
            self._run_state = None
            self._run_health = None

    def _prepare_output_dir(self) -> None:
        self.spec.output_dir.mkdir(parents=True, exist_ok=True)

    async def _supervise(
        self, process: FFmpegProcess, run: _Run, secrets: tuple[str, ...]
    ) -> float | None:
        loop = asyncio.get_running_loop()
        exited = asyncio.ensure_future(process.wait())
        exited.add_done_callback(lambda _: self._changed.set())
        health = self._run_health = _RunHealth(self._timing, started=loop.time())
        end = _End.EXITED
        try:
            while True:
                # A pre-roll buffer is trimmed as it ages, so it keeps the regular poll.
                pushed = _reporting(process) and not run.buffering
                wait = health.poll_interval(loop.time(), reporting=pushed)
                await self._wait_for_change(self._window_wait(wait))
                self._expire_window()
                if exited.done():
                    break
                if self._closing or not self._wants_ffmpeg or self.buffering != run.buffering:
                    end = _End.REQUESTED
                    break
                scan = await self._look(process, run, loop.time())
                flowing = health.observe(_evidence(process, scan.progressed, loop.time()))
                if flowing:
                    self._recovered()
                await self._archive_closed(run, scan.closed, scan.current)
                self._report(process, health, scan.opened, became_flowing=flowing)
                if (verdict := health.verdict(loop.time())) is not None:
                    end = verdict
                    break
            if not exited.done():
                await process.stop(self._timing.stop)
            code = await exited
            # The exit woke the change event; what it reported is handled here, and real
            # changes (disable, stop) are flags the caller re-reads, so nothing is lost.
            self._changed.clear()
            if end is _End.REQUESTED and not self._closing and not self._wants_ffmpeg:
                # FFmpeg is gone: say so now, before the last segment is filed away.
                self._publish(self._resting_state(), pid=None)
        except asyncio.CancelledError:
            process.kill()
            raise
        await self._finish_run(run)
        if end is _End.REQUESTED:
            return None
        self._after_failure(end, code, mask(process.tail.text(), secrets))
        return health.healthy_seconds(loop.time())

    async def _look(self, process: FFmpegProcess, run: _Run, now: float) -> ScanResult:
        """Scan the output directory when it is due; otherwise report nothing new."""
        if not run.scan_due(now, reporting=_reporting(process), rescan=self._timing.rescan):
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
        health: _RunHealth,
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

    def _after_failure(self, end: _End, code: int, tail: str) -> None:
        lowered = tail.lower()
        state = RecorderState.OFFLINE
        problem = Problem.STREAM
        reason = summarize(tail)
        if end is _End.STALLED:
            reason = "the stream stopped sending media; restarting FFmpeg"
        elif end is _End.NO_DATA:
            reason = "no media arrived after connecting; restarting FFmpeg"
        elif any(marker in lowered for marker in _AUTH_MARKERS):
            state, problem = RecorderState.ERROR, Problem.AUTH
            reason = "the camera refused the username or password (401/403)"
        elif any(marker in lowered for marker in _STORAGE_MARKERS):
            state, problem = RecorderState.ERROR, Problem.STORAGE
        elif self._audio is AudioMode.COPY and any(m in lowered for m in _CONTAINER_MARKERS):
            # MP4 cannot hold this audio codec (G.711 ...): record AAC from now on.
            self._audio = AudioMode.AAC
            reason = "the camera's audio codec does not fit in MP4; transcoding audio to AAC"
        if not reason:
            reason = f"FFmpeg exited with status {code}"
        self._fail(state, reason, problem, tail=tail)

    def _fail(
        self,
        state: RecorderState,
        reason: str,
        problem: Problem,
        *,
        count: bool = True,
        tail: str | None = None,
    ) -> None:
        """Record a failed attempt; ``count`` it as a reconnect when an FFmpeg run ended.

        Logged once at info level when the camera stops recording (and once when it records
        again), as Home Assistant asks of integrations whose devices become unavailable.
        """
        reconnects = self._status.reconnects + (1 if count else 0)
        if not self._failing:
            _LOGGER.info("Camera %s is not recording: %s", self.spec.name, reason)
            self._failing = True
        else:
            _LOGGER.debug("Camera %s still not recording: %s", self.spec.name, reason)
        changes: _StatusChanges = {
            "pid": None,
            "last_error": reason,
            "reconnects": reconnects,
            "problem": problem,
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


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _name_of(start: datetime | None) -> str | None:
    return start.strftime("%Y%m%d_%H%M%S.mp4") if start else None
