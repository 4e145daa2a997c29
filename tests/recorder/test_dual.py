"""Which streams a camera with a sub-stream records in each run, and the one FFmpeg command."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from custom_components.heldar.recorder import dual
from custom_components.heldar.recorder.dual import (
    Output,
    RunShape,
    build_command,
    dual_argv,
    resolve,
    shape_run,
)
from custom_components.heldar.recorder.planner import MediaPlanner
from custom_components.heldar.recorder.probe import ProbeOutcome, ProbeResult
from custom_components.heldar.recorder.source import (
    CameraSpec,
    StaticSource,
    StreamName,
    StreamRoles,
)
from custom_components.heldar.recorder.streams import AudioMode, MediaPlan, StreamInfo, VideoMode
from custom_components.heldar.recorder.timing import Timing

MAIN, SUB = StreamName.MAIN, StreamName.SUB
CAM = Path("/rec/cam")
BUFFER = Path("/buf/cam")


def spec(*, sub: bool = True, continuous: StreamName = SUB) -> CameraSpec:
    """A camera, with (or without) a sub-stream; the sub-stream has the same credentials."""
    return CameraSpec(
        "cam",
        "Cam",
        StaticSource("rtsp://h/main", "user", "pw"),
        CAM,
        sub_source=StaticSource("rtsp://h/sub", "user", "pw") if sub else None,
        continuous_stream=continuous,
    )


@pytest.mark.parametrize(("footage", "buffering"), [(a, b) for a in (0, 1) for b in (0, 1)])
def test_one_stream_camera_always_records_its_stream(footage: int, buffering: int) -> None:
    """Without a sub-stream, nothing changes: one stream, unlabelled, never split."""
    shape = shape_run(spec(sub=False), footage=bool(footage), buffering=bool(buffering))
    assert shape == RunShape(StreamRoles())
    assert shape.streams == (MAIN,)


def test_split_run_when_footage_and_events_are_both_wanted() -> None:
    """24/7 on the sub-stream, events (buffered) on the main one: one run reads both."""
    shape = shape_run(spec(), footage=True, buffering=True)
    assert shape.roles == StreamRoles(SUB, MAIN, split=True)
    assert (shape.footage, shape.landing) == (SUB, MAIN)
    assert shape.streams == (SUB, MAIN)
    # The other way round, when the user picks the main stream for footage.
    turned = shape_run(spec(continuous=MAIN), footage=True, buffering=True)
    assert (turned.footage, turned.landing) == (MAIN, SUB)
    assert turned.roles == StreamRoles(MAIN, SUB, split=True)


def test_one_stream_at_a_time_otherwise() -> None:
    """Footage alone records the footage stream; events alone the event stream."""
    footage_only = shape_run(spec(), footage=True, buffering=False)
    assert footage_only == RunShape(StreamRoles(SUB, SUB), SUB)
    events_only = shape_run(spec(), footage=False, buffering=True)
    assert events_only == RunShape(StreamRoles(MAIN, MAIN), MAIN)
    assert events_only.streams == (MAIN,)


async def test_resolve_gives_each_stream_its_credentials() -> None:
    """Both URLs carry the camera's one set of credentials."""
    urls = await resolve(spec(), shape_run(spec(), footage=True, buffering=True))
    assert urls == {SUB: "rtsp://user:pw@h/sub", MAIN: "rtsp://user:pw@h/main"}


def _after(argv: list[str], marker: str, start: int = 0) -> str:
    return argv[argv.index(marker, start) + 1]


def test_dual_argv_two_inputs_two_outputs() -> None:
    """Input 0 (footage) goes to the camera folder, input 1 (events) to the buffer."""
    footage = Output("rtsp://h/sub", MediaPlan(), CAM, 60)
    events = Output("rtsp://h/main", MediaPlan(VideoMode.HVC1, AudioMode.AAC), BUFFER, 2)
    argv = dual_argv("ffmpeg", footage, events)
    inputs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-i"]
    assert inputs == ["rtsp://h/sub", "rtsp://h/main"]
    assert argv.count("-rtsp_transport") == 2
    assert argv.count("-use_wallclock_as_timestamps") == 2
    assert argv.count("-progress") == 1  # one process, one report
    first, second = argv.index("-map"), argv.index("-map", argv.index("-f", argv.index("-map")))
    assert argv[first + 1] == "0:v:0"
    assert argv[second + 1] == "1:v:0"
    footage_args, event_args = argv[first:second], argv[second:]
    # The footage output: video copied, no audio mapped or written, 60 s into the camera folder.
    assert "-an" in footage_args
    assert not any(arg.endswith(":a:0?") for arg in footage_args)
    assert _after(footage_args, "-segment_time") == "60"
    assert footage_args[-1] == "/rec/cam/%Y%m%d_%H%M%S.mp4"
    # The event output: its own plan (hvc1 tag, AAC audio from its own input), 2 s, the buffer.
    assert "1:a:0?" in event_args
    assert _after(event_args, "-tag:v") == "hvc1"
    assert _after(event_args, "-c:a") == "aac"
    assert _after(event_args, "-segment_time") == "2"
    assert event_args[-1] == "/buf/cam/%Y%m%d_%H%M%S.mp4"


async def test_build_command_plans_each_stream() -> None:
    """A split run gets the two-output command; any other run the one-stream command."""
    camera = spec()
    planner = MediaPlanner(camera, lambda _: None)
    split = shape_run(camera, footage=True, buffering=True)
    urls = await resolve(camera, split)
    argv = await build_command(
        planner, "ffmpeg", split, urls, (BUFFER, 2), (CAM, 60), AudioMode.DROP
    )
    assert argv.count("-i") == 2
    single = shape_run(camera, footage=True, buffering=False)
    urls = await resolve(camera, single)
    argv = await build_command(
        planner, "ffmpeg", single, urls, (CAM, 60), (CAM, 60), AudioMode.DROP
    )
    assert argv.count("-i") == 1
    assert _after(argv, "-i") == "rtsp://user:pw@h/sub"


def test_one_stream_down_the_other_records_everything() -> None:
    """While one stream of a split run is down, the other records footage and events alike."""
    sub_down = shape_run(spec(), footage=True, buffering=True, down=frozenset({SUB}))
    assert sub_down == RunShape(StreamRoles(MAIN, MAIN), MAIN)
    main_down = shape_run(spec(), footage=True, buffering=True, down=frozenset({MAIN}))
    assert main_down == RunShape(StreamRoles(SUB, SUB), SUB)
    # Both down is no fallback: the split run is tried again.
    both = shape_run(spec(), footage=True, buffering=True, down=frozenset({MAIN, SUB}))
    assert both.footage == SUB


async def test_a_down_stream_is_asked_until_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background check asks the down stream alone, and says once when it is back."""
    answers = iter([ProbeOutcome.CANNOT_CONNECT, ProbeOutcome.CANNOT_CONNECT, ProbeOutcome.OK])
    asked: list[str] = []

    async def probe(_binary: str, url: str, _seconds: float) -> ProbeResult:
        asked.append(url)
        return ProbeResult(next(answers))

    monkeypatch.setattr(dual, "probe_stream", probe)
    back = asyncio.Event()
    timing = Timing(stream_recheck=0.01)
    assert dual.recheck(spec(), frozenset(), "ffmpeg", timing, back.set) is None
    task = dual.recheck(spec(), frozenset({SUB}), "ffmpeg", timing, back.set)
    assert task is not None
    await asyncio.wait_for(back.wait(), 5)
    await task
    assert asked == ["rtsp://user:pw@h/sub"] * 3


def test_the_planner_names_the_codec_its_files_will_hold() -> None:
    """Copied video keeps the camera's codec; MJPEG made H.264 is H.264; unprobed: unknown."""
    spec = CameraSpec("cam", "Cam", StaticSource("rtsp://cam/main"), CAM, ffprobe="ffprobe")
    planner = MediaPlanner(spec, lambda _: None)
    assert planner.written_codec(None) is None
    planner.probed[StreamName.MAIN] = StreamInfo("hevc", None)
    planner.probed[StreamName.SUB] = StreamInfo("mjpeg", None)
    assert planner.written_codec(None) == "hevc"
    assert planner.written_codec(StreamName.SUB) == "h264"
