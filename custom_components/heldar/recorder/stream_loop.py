"""One stream's life across FFmpeg runs: run it, back off after a failure, run it again.

A ``StreamLoop`` owns the runs of one ``StreamJob``: one FFmpeg at a time (a new one starts
only after the previous one was reaped), its backoff (1-30 s, reset after 30 s healthy) and
the audio it has learnt. It goes on while its host (the camera's recorder) wants the job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
from typing import TYPE_CHECKING

from .backoff import Backoff
from .failure import Reason, judge_crash
from .run import Camera, RunHost, StreamRun
from .status import Board, RecorderState

if TYPE_CHECKING:
    from pathlib import Path

    from .dual import StreamJob
    from .streams import AudioMode

_LOGGER = logging.getLogger(f"{__package__}.supervisor")  # the recorder's lines, one logger

# Asked to free disk space when the disk is full; returns whether anything was freed.
type MakeRoom = Callable[[], Awaitable[bool]]


class StreamLoop:
    """Keep one job's FFmpeg running, with backoff between failed runs."""

    def __init__(
        self,
        camera: Camera,
        job: StreamJob,
        board: Board,
        host: RunHost,
        audio: AudioMode,
        make_room: MakeRoom | None = None,
    ) -> None:
        """Prepare the loop; nothing runs until ``serve``."""
        self._camera = camera
        self.job = job
        self._board = board
        self._host = host
        self.audio = audio
        self._make_room = make_room
        timing = camera.timing
        self._backoff = Backoff(timing.backoff_initial, timing.backoff_max, timing.healthy_after)
        self._wake = asyncio.Event()
        self.run: StreamRun | None = None

    @property
    def pid(self) -> int | None:
        """The running FFmpeg's pid, if one runs."""
        process = self.run.process if self.run is not None else None
        return process.pid if process is not None else None

    @property
    def writing(self) -> bool:
        """Whether this loop's FFmpeg is running."""
        process = self.run.process if self.run is not None else None
        return process is not None and process.returncode is None

    def open_files(self) -> set[Path]:
        """The segment being written, if any."""
        return self.run.open_files() if self.run is not None else set()

    def opened_at(self, path: Path) -> float | None:
        """When this loop's FFmpeg began ``path``, if it writes it now."""
        return self.run.opened_at(path) if self.run is not None else None

    def poke(self) -> None:
        """Something changed: the run (or the wait between runs) looks again."""
        self._wake.set()

    async def serve(self) -> None:
        """Run the job until it is no longer wanted; back off between failed runs."""
        while self._host.wants(self.job):
            self.run = StreamRun(
                self._camera, self.job, self._board, self._host, self._wake, self.audio
            )
            try:
                result = await self.run.run()
            except Exception as err:  # noqa: BLE001 - any failure is shown, then retried
                self._crashed(err)
                healthy: float | None = 0.0
            else:
                self.audio = result.audio
                healthy = result.healthy_seconds
            finally:
                self.run = None
            if healthy is None or not self._host.wants(self.job):
                continue
            await self._wait(await self._retry_delay(healthy))

    async def _wait(self, within: float) -> None:
        try:
            async with asyncio.timeout(within):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    async def _retry_delay(self, healthy: float) -> float:
        """Back off, except right after freeing disk space for a full disk."""
        delay = self._backoff.failure(healthy)
        if self._board.status.reason is Reason.DISK_FULL and self._make_room is not None:
            name = self._camera.spec.name
            try:
                freed = await self._make_room()
            except Exception:
                _LOGGER.exception("Could not free disk space for %s", name)
                freed = False
            if freed:
                _LOGGER.info("Freed disk space for %s; recording again", name)
                return self._camera.timing.backoff_initial
        return delay

    def _crashed(self, err: Exception) -> None:
        """A run failed outside FFmpeg (file work, a bug): show it, then retry."""
        failure, words = judge_crash(err)
        if not isinstance(err, OSError):
            _LOGGER.error("Recorder for %s failed; retrying", self._camera.spec.name, exc_info=err)
        self._board.fail(RecorderState.ERROR, words, failure.problem, reason=failure.reason)
