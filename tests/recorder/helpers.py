"""Helpers for driving a recorder in tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from pathlib import Path
import time

from custom_components.heldar.recorder.process import StopTimeouts
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    RecorderStatus,
    StaticSource,
    Timing,
)

# Everything scaled down so a unit test takes a second or two, not minutes.
FAST = Timing(
    poll_connecting=0.05,
    poll_recording=0.1,
    connect_timeout=1.5,
    stall_floor=0.6,
    stall_ceiling=2.0,
    stop=StopTimeouts(interrupt=0.5, terminate=0.5, kill=1.0),
    backoff_initial=0.1,
    backoff_max=0.4,
    healthy_after=1.0,
)


class StatusLog:
    """A recorder listener that keeps every status and lets a test wait for one."""

    def __init__(self) -> None:
        """Start empty."""
        self.history: list[RecorderStatus] = []
        self.times: list[float] = []  # when each status arrived (wall clock)
        self._changed = asyncio.Event()

    def __call__(self, status: RecorderStatus) -> None:
        """Receive a status from the recorder."""
        self.history.append(status)
        self.times.append(time.time())
        self._changed.set()

    def since(self, moment: float) -> list[tuple[float, RecorderStatus]]:
        """The statuses that arrived after ``moment``, with when."""
        return [(at, s) for at, s in zip(self.times, self.history, strict=True) if at > moment]

    async def wait_after(
        self, moment: float, predicate: Callable[[RecorderStatus], bool], timeout: float = 10.0
    ) -> tuple[float, RecorderStatus]:
        """Wait for a status after ``moment`` that satisfies ``predicate``; return it and when."""
        async with asyncio.timeout(timeout):
            while True:
                for at, status in self.since(moment):
                    if predicate(status):
                        return at, status
                self._changed.clear()
                await self._changed.wait()

    @property
    def latest(self) -> RecorderStatus:
        """Return the newest status."""
        return self.history[-1]

    @property
    def states(self) -> list[RecorderState]:
        """Return the states in order, without repeats."""
        states: list[RecorderState] = []
        for status in self.history:
            if not states or states[-1] is not status.state:
                states.append(status.state)
        return states

    async def wait_for(
        self, predicate: Callable[[RecorderStatus], bool], timeout: float = 10.0
    ) -> RecorderStatus:
        """Wait until a status satisfies ``predicate``; return the first one that did."""
        async with asyncio.timeout(timeout):
            while True:
                for status in self.history:
                    if predicate(status):
                        return status
                self._changed.clear()
                await self._changed.wait()

    async def wait_state(self, state: RecorderState, timeout: float = 10.0) -> RecorderStatus:
        """Wait until the latest status has ``state``."""
        async with asyncio.timeout(timeout):
            while not self.history or self.latest.state is not state:
                self._changed.clear()
                await self._changed.wait()
        return self.latest


def fake_records(log: Path) -> list[dict[str, object]]:
    """Return everything the fake FFmpeg logged: starts and signals received."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def fake_starts(log: Path) -> list[dict[str, object]]:
    """Return every recording or probing start the fake FFmpeg logged (not clip joins)."""
    return [
        record
        for record in fake_records(log)
        if isinstance(argv := record.get("argv"), list) and "concat" not in argv
    ]


def fake_signals(log: Path) -> dict[int, list[str]]:
    """Return the signals each fake FFmpeg received, by pid."""
    received: dict[int, list[str]] = {}
    for record in fake_records(log):
        if "signal" in record:
            received.setdefault(int(str(record["pid"])), []).append(str(record["signal"]))
    return received


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            msg = "condition not met in time"
            raise TimeoutError(msg)
        await asyncio.sleep(0.05)


async def record_with_audio(
    url: str, folder: Path, *, segment_seconds: int, files: int, timing: Timing
) -> tuple[list[Path], StatusLog]:
    """Record ``url`` (audio kept, codecs probed) until ``folder`` holds ``files`` segments."""
    log = StatusLog()
    spec = CameraSpec(
        "cam",
        "Cam",
        StaticSource(url),
        folder,
        segment_seconds=segment_seconds,
        record_audio=True,
        ffprobe="ffprobe",
    )
    recorder = CameraRecorder(spec, ffmpeg_binary="ffmpeg", listener=log, timing=timing)
    recorder.start()
    try:
        await log.wait_state(RecorderState.RECORDING, timeout=30)
        async with asyncio.timeout(40):
            while len(found := sorted(folder.glob("*.mp4"))) < files:
                await asyncio.sleep(0.25)
    finally:
        await recorder.stop()
    return found, log
