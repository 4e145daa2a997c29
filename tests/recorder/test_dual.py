"""A camera's recording jobs, and how a dual-stream camera's two streams show as one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from custom_components.heldar.recorder.dual import (
    StreamJob,
    StreamStates,
    plan_jobs,
    roles_of,
    source_of,
)
from custom_components.heldar.recorder.failure import Problem, Reason
from custom_components.heldar.recorder.health import RunEnd
from custom_components.heldar.recorder.planner import MediaPlanner
from custom_components.heldar.recorder.source import (
    CameraSpec,
    StaticSource,
    StreamName,
    StreamRoles,
)
from custom_components.heldar.recorder.status import (
    RecorderState,
    RecorderStatus,
    StatusBoard,
    utcnow,
)
from custom_components.heldar.recorder.streams import StreamInfo

from .helpers import StatusLog

MAIN, SUB = StreamName.MAIN, StreamName.SUB
CAM = Path("/rec/cam")
BUFFER = Path("/buf/cam")


def spec(*, sub: bool = True, continuous: StreamName = SUB) -> CameraSpec:
    """A camera with a pre-roll buffer, with (or without) a sub-stream."""
    return CameraSpec(
        "cam",
        "Cam",
        StaticSource("rtsp://h/main", "user", "pw"),
        CAM,
        60,
        pre_roll_seconds=10,
        buffer_dir=BUFFER,
        sub_source=StaticSource("rtsp://h/sub", "user", "pw") if sub else None,
        continuous_stream=continuous,
    )


def test_one_stream_camera_has_one_job() -> None:
    """Without a sub-stream: its one stream, into the buffer while it buffers."""
    camera = spec(sub=False)
    assert plan_jobs(camera, footage=True, buffering=False) == (StreamJob(None, CAM, 60),)
    buffered = StreamJob(None, BUFFER, 2, buffering=True)
    assert plan_jobs(camera, footage=True, buffering=True) == (buffered,)
    assert plan_jobs(camera, footage=False, buffering=True) == (buffered,)
    assert roles_of((buffered,), frozenset()) == StreamRoles()


def test_split_jobs_when_footage_and_events_are_both_wanted() -> None:
    """24/7 on the sub-stream into the camera folder, events on the main one into the buffer."""
    jobs = plan_jobs(spec(), footage=True, buffering=True)
    assert jobs == (StreamJob(SUB, CAM, 60), StreamJob(MAIN, BUFFER, 2, buffering=True))
    assert roles_of(jobs, frozenset()) == StreamRoles(SUB, MAIN, split=True)
    turned = plan_jobs(spec(continuous=MAIN), footage=True, buffering=True)
    assert [job.stream for job in turned] == [MAIN, SUB]


def test_one_stream_at_a_time_otherwise() -> None:
    """Footage only: the footage stream; events only: the event stream, buffered."""
    assert plan_jobs(spec(), footage=True, buffering=False) == (StreamJob(SUB, CAM, 60),)
    events = plan_jobs(spec(), footage=False, buffering=True)
    assert events == (StreamJob(MAIN, BUFFER, 2, buffering=True),)
    assert roles_of(events, frozenset()) == StreamRoles(MAIN, MAIN)


@pytest.mark.parametrize(("down", "healthy"), [(SUB, MAIN), (MAIN, SUB)])
def test_one_stream_down_the_other_is_filed_as_both(down: StreamName, healthy: StreamName) -> None:
    """While one split stream is down, the other's files are footage and events alike."""
    jobs = plan_jobs(spec(), footage=True, buffering=True)
    assert roles_of(jobs, frozenset({down})) == StreamRoles(healthy, healthy)
    # Both down: nothing to fall back on, the split roles stay.
    assert roles_of(jobs, frozenset({MAIN, SUB})).split


async def test_each_stream_carries_the_cameras_credentials() -> None:
    """Both URLs carry the camera's one set of credentials."""
    assert await source_of(spec(), SUB).resolve() == "rtsp://user:pw@h/sub"
    assert await source_of(spec(), MAIN).resolve() == "rtsp://user:pw@h/main"
    assert await source_of(spec(sub=False), SUB).resolve() == "rtsp://user:pw@h/main"


def states(log: StatusLog) -> tuple[StreamStates, list[frozenset[StreamName]]]:
    """A dual-stream camera's states, shown on a board that ``log`` hears."""
    board = StatusBoard(
        "Cam", RecorderStatus(RecorderState.IDLE, utcnow()), log, logging.getLogger("test")
    )
    downs: list[frozenset[StreamName]] = []
    return StreamStates(board, downs.append, lambda: 0.0), downs


def test_both_streams_recording_is_recording() -> None:
    """Connecting until both record; then ``recording`` with each stream named."""
    log = StatusLog()
    pair, _ = states(log)
    pair.activate((SUB, MAIN))
    sub, main = pair.board_for(SUB), pair.board_for(MAIN)
    sub.publish(RecorderState.RECORDING, pid=11)
    assert log.latest.state is RecorderState.CONNECTING
    assert log.latest.streams == {"sub": "recording", "main": "connecting"}
    main.publish(RecorderState.RECORDING, pid=12)
    assert log.latest.state is RecorderState.RECORDING
    assert log.latest.streams == {"sub": "recording", "main": "recording"}
    assert log.latest.pid == 11  # the footage stream's


def test_a_stream_judged_failing_is_named_at_once_and_the_other_records() -> None:
    """The moment the sub-stream is judged stalled, ``streams`` says so; the camera records on.

    Its archive roles change only once its FFmpeg has ended (its last files filed as its own).
    """
    log = StatusLog()
    pair, downs = states(log)
    pair.activate((SUB, MAIN))
    sub, main = pair.board_for(SUB), pair.board_for(MAIN)
    sub.publish(RecorderState.RECORDING, pid=11)
    main.publish(RecorderState.RECORDING, pid=12)
    sub.judged(RunEnd.STALLED)
    assert log.latest.state is RecorderState.RECORDING
    assert log.latest.streams == {"sub": "stalled", "main": "recording"}
    assert (log.latest.last_error or "").startswith("sub-stream stalled: ")
    assert log.latest.reason is None  # the camera records: nothing to repair
    assert downs == []
    sub.fail(RecorderState.OFFLINE, "stream stopped", Problem.STREAM, reason=Reason.STALLED)
    assert downs == [frozenset({SUB})]
    assert log.latest.reconnects == 1
    # Its next run connects: it stays named as failed, the camera still records.
    sub.publish(RecorderState.CONNECTING, pid=13)
    assert log.latest.streams == {"sub": "stalled", "main": "recording"}
    assert log.latest.state is RecorderState.RECORDING
    # It records again: both streams, split roles.
    sub.recovered()
    sub.publish(RecorderState.RECORDING, pid=13)
    assert downs[-1] == frozenset()
    assert log.latest.streams == {"sub": "recording", "main": "recording"}


def test_recording_only_while_the_healthy_stream_records() -> None:
    """Once the healthy stream fails too, the camera is not recording."""
    log = StatusLog()
    pair, _ = states(log)
    pair.activate((SUB, MAIN))
    sub, main = pair.board_for(SUB), pair.board_for(MAIN)
    sub.publish(RecorderState.RECORDING)
    main.publish(RecorderState.RECORDING)
    sub.fail(RecorderState.OFFLINE, "gone", Problem.STREAM, reason=Reason.STALLED)
    assert log.latest.state is RecorderState.RECORDING
    main.judged(RunEnd.STALLED)
    assert log.latest.state is RecorderState.OFFLINE
    assert log.latest.streams == {"sub": "stalled", "main": "stalled"}
    assert log.latest.reason is Reason.STALLED


def test_one_stream_at_a_time_shows_no_streams() -> None:
    """With one stream recorded, the camera is that stream, with no ``streams`` map."""
    log = StatusLog()
    pair, downs = states(log)
    pair.activate((MAIN,))
    main = pair.board_for(MAIN)
    main.publish(RecorderState.IDLE, pid=5)
    assert log.latest.state is RecorderState.IDLE
    assert log.latest.streams is None
    main.fail(RecorderState.OFFLINE, "refused", Problem.STREAM, reason=Reason.CONNECTION_REFUSED)
    assert log.latest.state is RecorderState.OFFLINE
    assert downs == []  # nothing to fall back on


def test_the_planner_names_the_codec_its_files_will_hold() -> None:
    """Copied video keeps the camera's codec; MJPEG made H.264 is H.264; unprobed: unknown."""
    camera = CameraSpec("cam", "Cam", StaticSource("rtsp://cam/main"), CAM, ffprobe="ffprobe")
    planner = MediaPlanner(camera, lambda _: None)
    assert planner.written_codec(None) is None
    planner.probed[StreamName.MAIN] = StreamInfo("hevc", None)
    planner.probed[StreamName.SUB] = StreamInfo("mjpeg", None)
    assert planner.written_codec(None) == "hevc"
    assert planner.written_codec(StreamName.SUB) == "h264"
