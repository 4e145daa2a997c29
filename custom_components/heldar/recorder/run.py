"""One FFmpeg run of one stream, from start to finish: resolve, plan, start, watch, judge, file.

A ``StreamRun`` owns its FFmpeg, the watch on its segment folder and the health of its media,
and nothing else: what the camera wants is asked of its ``RunHost`` (the camera's recorder),
what it sees is told to its ``Board`` (the camera's status, or one stream's of a dual-stream
camera), and the run ends when FFmpeg exits, fails a health check or is no longer wanted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
from pathlib import Path
import time
from typing import TYPE_CHECKING, Protocol

from .births import BirthWatcher
from .command import RecordCommand
from .dual import StreamJob, source_of
from .failure import Problem, Reason, judge_exit
from .health import RunEnd, RunHealth, evidence, reporting
from .process import FFmpegNotFoundError, FFmpegProcess
from .progress import MediaClock
from .run_output import RunOutput, has_footage, make_dir
from .segments import SegmentWatcher, newest_recent_segment, segment_name, segment_start
from .source import SourceUnavailableError, StreamName
from .status import Board, RecorderState, StatusChanges
from .streams import AudioMode
from .urls import mask, url_secrets

if TYPE_CHECKING:
    from .activity_feed import ActivityFeed
    from .archive import Archive
    from .planner import MediaPlanner
    from .source import CameraSpec
    from .timing import Timing

_LOGGER = logging.getLogger(f"{__package__}.supervisor")  # the recorder's lines, one logger


class RunHost(Protocol):
    """What a run asks of the camera it records for."""

    def wants(self, job: StreamJob) -> bool:
        """Whether ``job`` is still to be recorded."""
        ...

    @property
    def wants_recording(self) -> bool:
        """Whether the camera keeps media now (else it only buffers: ``idle``)."""
        ...

    def resting_state(self) -> RecorderState | None:
        """The state to show once this run is stopped, if the camera then records nothing."""
        ...

    def writing_besides(self, job: StreamJob) -> bool:
        """Whether another of the camera's FFmpeg still writes (events wait for its files)."""
        ...

    def planned(self, job: StreamJob) -> None:
        """``job``'s stream has been planned (its codec is known)."""
        ...

    def judged(self, job: StreamJob, end: RunEnd) -> None:
        """``job``'s run was judged failing, before its FFmpeg is stopped."""
        ...


@dataclass(frozen=True, slots=True)
class Camera:
    """What every run of one camera shares: settings, tools, and where footage goes."""

    spec: CameraSpec
    binary: str
    timing: Timing
    archive: Archive
    planner: MediaPlanner
    activity: ActivityFeed | None = None  # the camera's activity meter, fed by one run


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended: the seconds it recorded (None: asked to stop), the audio it learnt."""

    healthy_seconds: float | None
    audio: AudioMode


class StreamRun:
    """One FFmpeg recording one ``StreamJob``, until it exits, fails or is not wanted."""

    def __init__(
        self,
        camera: Camera,
        job: StreamJob,
        board: Board,
        host: RunHost,
        wake: asyncio.Event,
        audio: AudioMode,
    ) -> None:
        """Prepare the run; ``wake`` is set by anything that may change its course."""
        self._camera = camera
        self.job = job
        self._board = board
        self._host = host
        self._wake = wake
        self._audio = audio
        self.process: FFmpegProcess | None = None
        self._output: RunOutput | None = None
        self._health: RunHealth | None = None

    def open_files(self) -> set[Path]:
        """The segment FFmpeg is writing now: never to be deleted."""
        return self._output.open_files() if self._output is not None else set()

    def opened_at(self, path: Path) -> float | None:
        """When FFmpeg began ``path``, if it is the segment this run writes now."""
        output = self._output
        return output.start_of(path) if output is not None and path in output.open_files() else None

    async def run(self) -> RunResult:
        """Run FFmpeg once; return the healthy seconds it recorded, or None if asked to stop."""
        camera, job = self._camera, self.job
        try:
            url = await source_of(camera.spec, job.stream).resolve()
        except SourceUnavailableError as err:
            gone = Reason.SOURCE_UNAVAILABLE
            self._board.fail(
                RecorderState.ERROR, str(err), Problem.SOURCE, count=False, reason=gone
            )
            return self._result(0.0)
        if not await make_dir(camera.spec.output_dir, self._board):
            return self._result(0.0)
        if not await make_dir(job.landing, self._board):
            return self._result(0.0)
        self._board.publish(RecorderState.CONNECTING, pid=None)
        command = await self._command(url)
        earlier = await _wait_past_earlier_names(job.landing)
        self._host.planned(job)
        started_wall = time.time()
        loop = asyncio.get_running_loop()
        # The first progress report wakes the run, so ``recording`` shows at once; then the
        # drain's tick wakes it when the camera goes silent or drifts.
        clock = MediaClock(loop.time, lambda _: self._wake_if_connecting(), self._wake_if_overdue)
        try:
            process = await FFmpegProcess.start(
                command.argv(), env={"TZ": "UTC"}, media_clock=clock
            )
        except FFmpegNotFoundError as err:
            missing = Reason.FFMPEG_MISSING
            self._board.fail(
                RecorderState.ERROR, str(err), Problem.FFMPEG, count=False, reason=missing
            )
            return self._result(0.0)
        self.process = process
        self._board.publish(pid=process.pid)
        # A new segment means the previous one just closed: look at once, so it is routed
        # (and the buffer trimmed) without waiting for the next poll.
        births = BirthWatcher(job.landing, self._file_born)
        following = None
        try:
            births.start()
            watcher = SegmentWatcher(job.landing, started_wall, after=earlier)
            self._output = output = RunOutput(watcher, births, job.buffering, clock, job.stream)
            if camera.activity is not None:
                following = camera.activity.follow(lambda: output.watcher.current, output.start_of)
            return await self._supervise(process, output, tuple(url_secrets(url)))
        finally:
            births.stop()
            if following is not None:
                await following.stop()
            if process.returncode is None:  # the run failed (or was cancelled) mid-way
                await process.stop(self._camera.timing.stop)
            self.process = None
            self._output = None
            self._health = None

    async def _command(self, url: str) -> RecordCommand:
        plan = await self._camera.planner.plan(url, self._audio, self.job.stream or StreamName.MAIN)
        job = self.job
        return RecordCommand.planned(
            self._camera.binary, url, job.landing, job.segment_seconds, plan
        )

    def _result(self, healthy: float | None) -> RunResult:
        return RunResult(healthy, self._audio)

    async def _supervise(
        self, process: FFmpegProcess, run: RunOutput, secrets: tuple[str, ...]
    ) -> RunResult:
        loop = asyncio.get_running_loop()
        exited = asyncio.ensure_future(process.wait())
        exited.add_done_callback(lambda _: self._wake.set())
        health = self._health = RunHealth(self._camera.timing, started=loop.time())
        crash: Exception | None = None
        try:
            try:
                end = await self._watch(run, health, exited)
            except Exception as err:  # noqa: BLE001 - file work failed: stop FFmpeg, retry
                end, crash = RunEnd.CRASHED, err
            if end in {RunEnd.STALLED, RunEnd.NO_DATA}:
                self._host.judged(self.job, end)
            if not exited.done():
                await process.stop(self._camera.timing.stop)
            code = await exited
            if end is RunEnd.REQUESTED and (rest := self._host.resting_state()) is not None:
                # FFmpeg is gone: say so now, before the last segment is filed away.
                self._board.publish(rest, pid=None)
        except asyncio.CancelledError:
            process.kill()
            raise
        if crash is not None:
            raise crash
        await self._finish(run)
        if end is RunEnd.REQUESTED:
            return self._result(None)
        tail = mask(process.tail.text(), secrets)
        self._after_failure(end, code, tail, run.clock)
        return self._result(health.healthy_seconds(loop.time()))

    async def _watch(
        self, run: RunOutput, health: RunHealth, exited: asyncio.Future[int]
    ) -> RunEnd:
        """Follow the run until FFmpeg exits, is no longer wanted, or fails a health check."""
        loop = asyncio.get_running_loop()
        timing, archive = self._camera.timing, self._camera.archive
        while True:
            # A pre-roll buffer is trimmed as it ages, so it keeps the regular poll.
            pushed, watched = reporting(run.clock) and not run.buffering, run.clock.drained
            wait = health.poll_interval(loop.time(), reporting=pushed, watched=pushed and watched)
            await self._wait(wait)
            if exited.done():
                return RunEnd.EXITED
            if not self._host.wants(self.job):
                return RunEnd.REQUESTED
            scan = await run.look(loop.time(), reporting=reporting(run.clock), rescan=timing.rescan)
            proof = evidence(run.clock, grew=scan.progressed, now=loop.time())
            if health.recording_since is None and proof is not None:
                # Progress says frames were written: show ``recording`` once they are on disk.
                current = scan.current or run.watcher.current
                if current is None or not await loop.run_in_executor(None, has_footage, current):
                    proof, health.footage_pending = None, True
            flowing = health.observe(proof, run.clock)
            if flowing:
                self._board.recovered()
            await run.archive_closed(archive, scan.closed, scan.current)
            self._report(health, scan.opened, became_flowing=flowing)
            if (verdict := health.verdict(loop.time(), run.clock)) is not None:
                return verdict

    async def _wait(self, within: float | None) -> None:
        try:
            async with asyncio.timeout(within):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    def _file_born(self) -> None:
        if self._output is not None:
            self._output.file_born = True
        self._wake.set()

    def _wake_if_connecting(self) -> None:
        if self._health is not None and self._health.recording_since is None:
            self._wake.set()

    def _wake_if_overdue(self, now: float) -> None:
        run, health = self._output, self._health
        if run is not None and health is not None and health.overdue(now, run.clock):
            self._wake.set()

    def _report(self, health: RunHealth, opened: list[Path], *, became_flowing: bool) -> None:
        """Publish what this look at the files showed: the state and the newest segment."""
        changes: StatusChanges = {}
        if opened and not self.job.buffering:
            changes["last_segment"] = segment_start(opened[-1].name)
        if health.recording_since is None:
            if changes:
                self._board.publish(**changes)
            return
        if became_flowing:
            changes["pid"] = self.process.pid if self.process else None
            changes["last_error"] = None
            changes["problem"] = None
            changes["reason"] = None
        # A buffering camera is idle (armed) until an event or a schedule makes it keep media.
        state = RecorderState.RECORDING if self._host.wants_recording else RecorderState.IDLE
        self._board.publish(state, **changes)

    async def _finish(self, run: RunOutput) -> None:
        """After FFmpeg exited: file the last segment away; a removed stub is no last segment."""
        archive = self._camera.archive
        removed = await run.finish(archive)
        last = self._board.status.last_segment
        named = segment_name(last.timestamp()) if last is not None else None
        if removed is not None and removed.name == named:
            files = run.watcher.files
            previous = files[-2].name if len(files) > 1 else None
            self._board.publish(last_segment=segment_start(previous) if previous else None)
        await archive.settle(time.time(), running=self._host.writing_besides(self.job))

    def _after_failure(self, end: RunEnd, code: int, tail: str, clock: MediaClock) -> None:
        verdict = judge_exit(
            end, code, tail, drift=clock.drift(), copying_audio=self._audio is AudioMode.COPY
        )
        if end is RunEnd.DRIFT:
            _LOGGER.warning("Camera %s: %s", self._camera.spec.name, verdict.words)
        if verdict.transcode_audio:
            self._audio = AudioMode.AAC
        failure = verdict.failure
        state = RecorderState.ERROR if failure.error else RecorderState.OFFLINE
        self._board.fail(state, verdict.words, failure.problem, tail=tail, reason=failure.reason)


async def _wait_past_earlier_names(landing: Path) -> str | None:
    """Wait until FFmpeg's first name cannot be one an earlier run gave; return that name.

    FFmpeg names a segment by the second it opens it, and truncates a file of that name: a run
    restarted within the second of its predecessor's last segment would erase that footage.
    """
    loop = asyncio.get_running_loop()
    newest = await loop.run_in_executor(None, newest_recent_segment, landing, time.time())
    named_at = segment_start(newest) if newest is not None else None
    if named_at is not None and (wait := named_at.timestamp() + 1 - time.time()) > 0:
        await asyncio.sleep(wait)
    return newest
