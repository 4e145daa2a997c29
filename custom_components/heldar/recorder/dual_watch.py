"""Each stream of a split run judged by its own files, and named when it fails.

FFmpeg's ``-progress`` covers the process as a whole, and an input that ends (its camera
closed the stream, or it timed out) does not end FFmpeg while the other output is still being
written. So a split run judges each output by its own segment files growing: the footage
folder through a second ``SegmentWatcher``, the buffer through the run's own. Either stream
silent beyond its stall limit (or never starting) ends the run, and the status says which
stream failed: ``streams`` maps each stream to its state, ``last_error`` names it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .archive import ClosedSegment
from .dual import PROBE_SECONDS
from .health import RunEnd, RunHealth
from .probe import ProbeOutcome, probe_stream
from .segments import SegmentVerdict, SegmentWatcher, segment_start, settle_last_segment

if TYPE_CHECKING:
    from .archive import Archive
    from .dual import RunShape
    from .segments import ScanResult
    from .source import StreamName
    from .status import StatusBoard
    from .timing import Timing


class StreamState(StrEnum):
    """What one stream of a split run is doing."""

    CONNECTING = "connecting"
    RECORDING = "recording"
    STALLED = "stalled"  # its files stopped growing
    NO_MEDIA = "no_media"  # it never wrote a frame
    FAILED = "failed"  # FFmpeg named it in its error
    STOPPED = "stopped"  # fine, but not recorded now (FFmpeg was stopped)


_WORDS = {StreamState.NO_MEDIA: "sent no video", StreamState.FAILED: "failed to open"}


@dataclass(slots=True)
class StreamWatch:
    """One stream's liveness, learnt from the growth of its own files."""

    name: StreamName
    health: RunHealth
    # host:port/path, to find the stream in FFmpeg's (masked) error output.
    address: str
    state: StreamState = StreamState.CONNECTING

    def observe(self, *, grew: bool, now: float) -> None:
        """Take one look's evidence; a stream still within its stall limit is recording."""
        self.health.observe(now if grew else None)
        started = self.health.recording_since is not None
        self.state = StreamState.RECORDING if started else StreamState.CONNECTING

    def named_in(self, tail: str) -> bool:
        """Whether FFmpeg's error output names this stream's address."""
        pattern = re.escape(self.address) + r"(?![\w/.~%-])"
        return bool(self.address) and re.search(pattern, tail) is not None

    def judge(self, tail: str, *, answers: bool) -> None:
        """Say what the stream was doing when the run ended in failure.

        ``answers``: a one-shot probe of the stream alone got a frame, so it is fine and
        stopped only because FFmpeg was stopped.
        """
        if answers:
            self.state = StreamState.STOPPED
        elif self.named_in(tail):
            self.state = StreamState.FAILED
        elif self.health.recording_since is None:
            self.state = StreamState.NO_MEDIA
        else:
            self.state = StreamState.STALLED


class SplitWatch:
    """Both streams of one split run: footage in the camera folder, events in the buffer."""

    def __init__(
        self,
        streams: tuple[StreamName, StreamName],
        urls: tuple[str, str],
        footage_dir: Path,
        started_wall: float,
        started: float,
        timing: Timing,
        board: StatusBoard,
    ) -> None:
        """Watch a run whose ``streams`` are (footage, events), read from ``urls``."""
        self.watcher = SegmentWatcher(footage_dir, started_wall)
        self._urls = urls
        self.footage, self.events = (
            StreamWatch(name, RunHealth(timing, started=started), _address(url))
            for name, url in zip(streams, urls, strict=True)
        )
        self._board = board
        self._publish()

    @classmethod
    def of(
        cls,
        shape: RunShape,
        urls: dict[StreamName, str],
        footage: tuple[Path, float],
        timing: Timing,
        board: StatusBoard,
    ) -> SplitWatch | None:
        """Watch a split run's two streams (None for any other run).

        ``footage`` is the camera folder and the wall-clock second FFmpeg was started.
        """
        if shape.footage is None:
            return None
        streams = (shape.footage, shape.landing)
        folder, started_wall = footage
        addresses = (urls[shape.footage], urls[shape.landing])
        started = asyncio.get_running_loop().time()
        return cls(streams, addresses, folder, started_wall, started, timing, board)

    @property
    def both(self) -> tuple[StreamWatch, StreamWatch]:
        """The footage stream's watch, then the event stream's."""
        return self.footage, self.events

    @property
    def flowing(self) -> bool:
        """Whether both streams have written media (only then is the camera recording)."""
        return all(watch.health.recording_since is not None for watch in self.both)

    async def check(self, archive: Archive, events_scan: ScanResult, now: float) -> RunEnd | None:
        """Look at the footage folder, file closed segments away, and judge both streams."""
        scan = await asyncio.get_running_loop().run_in_executor(None, self.watcher.scan)
        self.footage.observe(grew=scan.progressed, now=now)
        self.events.observe(grew=events_scan.progressed, now=now)
        await self._route(archive, scan.closed, scan.current)
        if scan.opened:
            self._board.publish(last_segment=segment_start(scan.opened[-1].name))
        self._publish()
        for watch in self.both:
            if (verdict := watch.health.verdict(now)) is not None:
                return verdict
        return None

    async def finish(self, archive: Archive) -> None:
        """After FFmpeg exited: file the footage away, keep the last segment if it plays."""
        loop = asyncio.get_running_loop()
        scan = await loop.run_in_executor(None, self.watcher.scan)
        await self._route(archive, scan.closed, scan.current)
        if (last := self.watcher.current) is not None:
            verdict = await loop.run_in_executor(None, settle_last_segment, last)
            if verdict is SegmentVerdict.KEPT:
                end = await loop.run_in_executor(None, _mtime, last)
                await archive.route([ClosedSegment(last, _start(last), end)], time.time())
        for watch in self.both:
            watch.state = StreamState.STOPPED
        self._publish()

    async def explain(self, tail: str, binary: str) -> frozenset[StreamName]:
        """The run failed: find the stream at fault and name it in the status.

        Files alone cannot tell: FFmpeg 5.1 stops writing *both* outputs a few seconds after
        one input goes silent (measured with tests/recorder/test_dual_real.py). So each stream
        is asked on its own, with the one-shot probe the camera form uses, now that the
        recording FFmpeg is gone: a stream that gives a frame is fine. One that does not is
        asked once more a second later: some servers refuse a client while they are still
        tearing down the session FFmpeg just left.

        Returns the stream that failed while the other answered (empty if not just one).
        """
        answers = await _answers(binary, self._urls)
        for watch, answered in zip(self.both, answers, strict=True):
            watch.judge(tail, answers=answered)
        failed = [watch for watch in self.both if watch.state is not StreamState.STOPPED]
        if len(failed) == 1 and (words := self._board.status.last_error):
            name = "sub-stream" if failed[0].name == "sub" else "main stream"
            what = _WORDS.get(failed[0].state, str(failed[0].state))
            self._board.publish(last_error=f"{name} {what}: {words}")
        self._publish()
        if len(failed) == 1:
            return frozenset({failed[0].name})
        return frozenset()

    def _publish(self) -> None:
        self._board.publish(streams={str(w.name): str(w.state) for w in self.both})

    async def _route(self, archive: Archive, closed: list[Path], current: Path | None) -> None:
        """Hand closed footage segments to the archive (a split run never adds them to events)."""
        if not closed:
            return
        now = time.time()
        starts = [_start(path) for path in (*closed, *([current] if current else []))]
        ends = starts[1:] if current else [*starts[1:], now]
        spans = zip(closed, starts, ends, strict=False)
        await archive.route([ClosedSegment(path, s, e) for path, s, e in spans], now)


async def _answers(binary: str, urls: tuple[str, ...]) -> list[bool]:
    """Whether each stream gives a frame, asked on its own (twice if need be)."""
    answers = [False] * len(urls)
    for attempt in range(2):
        if attempt:
            await asyncio.sleep(1.0)
        asked = [index for index, answered in enumerate(answers) if not answered]
        results = await asyncio.gather(
            *(probe_stream(binary, urls[index], PROBE_SECONDS) for index in asked)
        )
        for index, result in zip(asked, results, strict=True):
            answers[index] = result.outcome is ProbeOutcome.OK
    return answers


def _start(path: Path) -> float:
    start = segment_start(path.name)
    return start.timestamp() if start else time.time()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _address(url: str) -> str:
    """Return host[:port]/path of a URL: how FFmpeg's masked errors name it."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    return f"{parts.hostname or ''}{port}{parts.path}"
