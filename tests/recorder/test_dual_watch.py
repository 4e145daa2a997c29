"""Judging each stream of a split run, and naming the one at fault."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from custom_components.heldar.recorder import dual_watch
from custom_components.heldar.recorder.dual_watch import SplitWatch, StreamState
from custom_components.heldar.recorder.failure import Problem
from custom_components.heldar.recorder.health import RunEnd
from custom_components.heldar.recorder.probe import ProbeOutcome, ProbeResult
from custom_components.heldar.recorder.source import StreamName
from custom_components.heldar.recorder.status import (
    RecorderState,
    RecorderStatus,
    StatusBoard,
    utcnow,
)
from custom_components.heldar.recorder.timing import Timing

from .helpers import FAST, StatusLog

SUB_URL = "rtsp://user:pw@cam:554/sub"
MAIN_URL = "rtsp://user:pw@cam:554/main"


def watch(tmp_path: Path, log: StatusLog, timing: Timing = FAST) -> SplitWatch:
    """A split run's watch: footage from the sub-stream, events from the main one."""
    board = StatusBoard(
        "Cam", RecorderStatus(RecorderState.CONNECTING, utcnow()), log, logging.getLogger(__name__)
    )
    return SplitWatch(
        (StreamName.SUB, StreamName.MAIN), (SUB_URL, MAIN_URL), tmp_path, 0.0, 0.0, timing, board
    )


def test_each_stream_judged_by_its_own_growth(tmp_path: Path) -> None:
    """Both must grow to count as recording; either one silent beyond its limit ends the run."""
    split = watch(tmp_path, StatusLog())
    split.footage.observe(grew=True, now=1.0)
    assert not split.flowing  # the event stream has written nothing yet
    split.events.observe(grew=True, now=1.0)
    assert split.flowing
    assert split.footage.state is split.events.state is StreamState.RECORDING
    for now in (1.2, 1.4, 1.6):
        split.events.observe(grew=True, now=now)
        split.footage.observe(grew=False, now=now)
    assert split.events.health.verdict(1.7) is None
    assert split.footage.health.verdict(1.7) is RunEnd.STALLED


def test_never_starting_stream_is_no_data(tmp_path: Path) -> None:
    """A stream that never writes a frame ends the run after the connect timeout."""
    split = watch(tmp_path, StatusLog())
    split.footage.observe(grew=True, now=0.5)
    assert split.events.health.verdict(FAST.connect_timeout + 0.1) is RunEnd.NO_DATA


async def test_explain_names_the_stream_that_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a failed run each stream is asked alone; the silent one is named, the other not."""
    asked: list[str] = []

    async def probe(_binary: str, url: str, _seconds: float) -> ProbeResult:
        asked.append(url)
        ok = url == MAIN_URL
        return ProbeResult(ProbeOutcome.OK if ok else ProbeOutcome.CANNOT_CONNECT)

    monkeypatch.setattr(dual_watch, "probe_stream", probe)
    monkeypatch.setattr(dual_watch.asyncio, "sleep", _no_sleep)
    log = StatusLog()
    split = watch(tmp_path, log)
    split.footage.observe(grew=True, now=1.0)
    split.events.observe(grew=True, now=1.0)
    board = split._board
    board.fail(RecorderState.OFFLINE, "the stream stopped sending media", Problem.STREAM)
    down = await split.explain("", "ffmpeg")
    assert down == {StreamName.SUB}  # the main stream records alone meanwhile
    assert log.latest.streams == {"sub": "stalled", "main": "stopped"}
    assert log.latest.last_error == "sub-stream stalled: the stream stopped sending media"
    # The silent stream was asked twice (a server may refuse while tearing a session down).
    assert asked.count(SUB_URL) == 2
    assert asked.count(MAIN_URL) == 1


async def test_explain_with_ffmpeg_naming_a_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FFmpeg's own error (credentials masked) names the stream that failed to open."""

    async def probe(_binary: str, _url: str, _seconds: float) -> ProbeResult:
        return ProbeResult(ProbeOutcome.CANNOT_CONNECT)

    monkeypatch.setattr(dual_watch, "probe_stream", probe)
    monkeypatch.setattr(dual_watch.asyncio, "sleep", _no_sleep)
    log = StatusLog()
    split = watch(tmp_path, log)
    down = await split.explain("rtsp://***@cam:554/sub: Connection refused", "ffmpeg")
    assert log.latest.streams == {"sub": "failed", "main": "no_media"}
    assert down == frozenset()  # neither answered: no fallback, both are tried again


async def _no_sleep(_seconds: float) -> None:
    return None
