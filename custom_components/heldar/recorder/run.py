"""One FFmpeg attempt from start to finish: resolve, plan, start, watch, judge, file away.

The half of ``CameraRecorder`` that runs one FFmpeg; ``supervisor.py`` holds the other half.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
import time
from typing import TYPE_CHECKING

from . import dual
from .archive import BUFFER_SEGMENT_SECONDS, Archive
from .births import BirthWatcher
from .dual_watch import SplitWatch
from .failure import Problem, Reason, judge_exit
from .health import RunEnd, RunHealth, evidence, reporting
from .planner import MediaPlanner
from .process import FFmpegNotFoundError, FFmpegProcess
from .progress import MediaClock
from .run_output import RunOutput, has_footage, make_dir
from .segments import SegmentWatcher, segment_name, segment_start
from .source import SourceUnavailableError
from .status import RecorderState, StatusBoard, StatusChanges
from .streams import AudioMode
from .timing import Timing
from .urls import mask, url_secrets

if TYPE_CHECKING:
    from .modes import Demand
    from .source import CameraSpec, StreamName

_LOGGER = logging.getLogger(f"{__package__}.supervisor")  # the recorder's lines, one logger


class RunMixin:
    """Run one FFmpeg for a ``CameraRecorder``; the attributes below are the recorder's."""

    spec: CameraSpec
    _binary: str
    _timing: Timing
    _archive: Archive
    _board: StatusBoard
    _changed: asyncio.Event
    _closing: bool
    _process: FFmpegProcess | None
    _run_state: RunOutput | None
    _run_health: RunHealth | None
    _audio: AudioMode
    _planner: MediaPlanner
    _demand: Demand
    # A stream that failed alone in a split run: the other records everything until it is back.
    _down: frozenset[StreamName] = frozenset()

    @property
    def buffering(self) -> bool:
        """Whether FFmpeg keeps a pre-roll buffer even while nothing is recorded."""
        raise NotImplementedError

    @property
    def wants_recording(self) -> bool:
        """Whether the camera should be recording now."""
        raise NotImplementedError

    @property
    def _wants_ffmpeg(self) -> bool:
        raise NotImplementedError

    def _resting_state(self) -> RecorderState:
        raise NotImplementedError

    def _window_wait(self, limit: float | None) -> float | None:
        raise NotImplementedError

    def _expire_window(self) -> None:
        raise NotImplementedError

    async def _wait_for_change(self, within: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._changed.wait()
        self._changed.clear()

    async def _attempt(self) -> float | None:
        """Run FFmpeg once; return the healthy seconds it recorded, or None if asked to stop."""
        shape = self._shape()
        try:
            urls = await dual.resolve(self.spec, shape)
        except SourceUnavailableError as err:
            gone = Reason.SOURCE_UNAVAILABLE
            self._board.fail(
                RecorderState.ERROR, str(err), Problem.SOURCE, count=False, reason=gone
            )
            return 0.0
        secrets = tuple(secret for url in urls.values() for secret in url_secrets(url))
        loop = asyncio.get_running_loop()
        if not await make_dir(self.spec.output_dir, self._board):
            return 0.0
        buffering = self.buffering
        landing = (
            self._archive.buffer_dir
            if buffering and self._archive.buffer_dir
            else self.spec.output_dir
        )
        seconds = BUFFER_SEGMENT_SECONDS if buffering else self.spec.segment_seconds
        if not await make_dir(landing, self._board):
            return 0.0
        down = dual.states_while_down(self._down)
        self._board.publish(RecorderState.CONNECTING, pid=None, streams=down)
        footage = (self.spec.output_dir, self.spec.segment_seconds)
        argv = await dual.build_command(
            self._planner, self._binary, shape, urls, (landing, seconds), footage, self._audio
        )
        self._archive.new_run(shape.roles, self._planner.written_codec(shape.roles.footage))
        started_wall = time.time()
        # The first progress report wakes the supervisor, so ``recording`` shows at once; then
        # the drain's tick wakes it when the camera goes silent or drifts.
        clock = MediaClock(loop.time, lambda _: self._wake_if_connecting(), self._wake_if_overdue)
        try:
            process = await FFmpegProcess.start(argv, env={"TZ": "UTC"}, media_clock=clock)
        except FFmpegNotFoundError as err:
            missing = Reason.FFMPEG_MISSING
            self._board.fail(
                RecorderState.ERROR, str(err), Problem.FFMPEG, count=False, reason=missing
            )
            return 0.0
        self._process = process
        self._board.publish(pid=process.pid)
        watcher = SegmentWatcher(landing, started_wall)
        # A new segment means the previous one just closed: look at once, so it is routed
        # (and the buffer trimmed) without waiting for the next poll.
        births = BirthWatcher(landing, self._file_born)
        recheck = dual.recheck(self.spec, self._down, self._binary, self._timing, self._back)
        try:
            births.start()
            footage_dir = (self.spec.output_dir, started_wall)
            split = SplitWatch.of(shape, urls, footage_dir, self._timing, self._board)
            self._run_state = RunOutput(watcher, births, buffering, clock, split, shape)
            return await self._supervise(process, self._run_state, secrets)
        finally:
            births.stop()
            if recheck is not None:
                recheck.cancel()
            if process.returncode is None:  # the run failed before FFmpeg was stopped
                await process.stop(self._timing.stop)
            self._process = None
            self._run_state = None
            self._run_health = None

    async def _supervise(
        self, process: FFmpegProcess, run: RunOutput, secrets: tuple[str, ...]
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
                self._board.publish(self._resting_state(), pid=None)
        except asyncio.CancelledError:
            process.kill()
            raise
        if crash is not None:
            raise crash
        await self._finish_run(run)
        if end is RunEnd.REQUESTED:
            return None
        tail = mask(process.tail.text(), secrets)
        self._after_failure(end, code, tail, run.clock)
        if run.split is not None:
            self._down = await run.split.explain(tail, self._binary)
        return health.healthy_seconds(loop.time())

    async def _watch(
        self, process: FFmpegProcess, run: RunOutput, health: RunHealth, exited: asyncio.Future[int]
    ) -> RunEnd:
        """Follow one run until FFmpeg exits, is no longer wanted, or fails a health check."""
        loop = asyncio.get_running_loop()
        while True:
            # A pre-roll buffer is trimmed as it ages, so it keeps the regular poll.
            pushed, watched = reporting(run.clock) and not run.buffering, run.clock.drained
            wait = health.poll_interval(loop.time(), reporting=pushed, watched=pushed and watched)
            await self._wait_for_change(self._window_wait(wait))
            self._expire_window()
            if exited.done():
                return RunEnd.EXITED
            if self._closing or not self._wants_ffmpeg or self._reshaped(run):
                return RunEnd.REQUESTED
            scan = await run.look(
                loop.time(), reporting=reporting(run.clock), rescan=self._timing.rescan
            )
            proof = evidence(run.clock, grew=scan.progressed, now=loop.time())
            if run.split is not None:
                if (ended := await run.split.check(self._archive, scan, loop.time())) is not None:
                    return ended
                proof = proof if run.split.flowing else None  # both streams, or not recording
            if health.recording_since is None and proof is not None:
                # Progress says frames were written: show ``recording`` once they are on disk.
                current = scan.current or run.watcher.current
                if current is None or not await loop.run_in_executor(None, has_footage, current):
                    proof, health.footage_pending = None, True
            flowing = health.observe(proof, run.clock)
            if flowing:
                self._board.recovered()
            await run.archive_closed(self._archive, scan.closed, scan.current)
            self._report(process, health, scan.opened, became_flowing=flowing)
            if (verdict := health.verdict(loop.time(), run.clock)) is not None:
                return verdict

    def _shape(self) -> dual.RunShape:
        footage = self._demand.footage_active
        return dual.shape_run(self.spec, footage=footage, buffering=self.buffering, down=self._down)

    def _back(self) -> None:
        """The stream that was down answers again: record both streams again."""
        self._down = frozenset()
        self._changed.set()

    def _reshaped(self, run: RunOutput) -> bool:
        """Whether the run must give way: it buffers no more, or must record other streams."""
        return self.buffering != run.buffering or run.shape != self._shape()

    def _file_born(self) -> None:
        if self._run_state is not None:
            self._run_state.file_born = True
        self._changed.set()

    def _wake_if_connecting(self) -> None:
        if self._run_health is not None and self._run_health.recording_since is None:
            self._changed.set()

    def _wake_if_overdue(self, now: float) -> None:
        run, health = self._run_state, self._run_health
        if run is not None and health is not None and health.overdue(now, run.clock):
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
        changes: StatusChanges = {}
        if opened and not self.buffering:
            changes["last_segment"] = segment_start(opened[-1].name)
        if health.recording_since is None:
            if changes:
                self._board.publish(**changes)
            return
        if became_flowing:
            changes["pid"] = process.pid
            changes["last_error"] = None
            changes["problem"] = None
            changes["reason"] = None
        # A buffering camera is idle (armed) until an event or a schedule makes it keep media.
        state = RecorderState.RECORDING if self.wants_recording else RecorderState.IDLE
        self._board.publish(state, **changes)

    async def _finish_run(self, run: RunOutput) -> None:
        """After FFmpeg exited: file the last segment away; a removed stub is no last segment."""
        removed = await run.finish(self._archive)
        last = self._board.status.last_segment
        named = segment_name(last.timestamp()) if last is not None else None
        if removed is not None and removed.name == named:
            files = run.watcher.files
            previous = files[-2].name if len(files) > 1 else None
            self._board.publish(last_segment=segment_start(previous) if previous else None)
        await self._archive.settle(time.time(), running=False)

    def _after_failure(self, end: RunEnd, code: int, tail: str, clock: MediaClock) -> None:
        verdict = judge_exit(
            end, code, tail, drift=clock.drift(), copying_audio=self._audio is AudioMode.COPY
        )
        if end is RunEnd.DRIFT:
            _LOGGER.warning("Camera %s: %s", self.spec.name, verdict.words)
        if verdict.transcode_audio:
            self._audio = AudioMode.AAC
        failure = verdict.failure
        state = RecorderState.ERROR if failure.error else RecorderState.OFFLINE
        self._board.fail(state, verdict.words, failure.problem, tail=tail, reason=failure.reason)
