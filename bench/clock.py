"""Every output on the clock, over minutes: frame rate and lag per run shape and FFmpeg version.

The test camera marks its picture about once a second and logs when it sent each mark
(``scripts/rtsp_camera.py --marks``); ``tests/footage_clock.py`` finds the marks in what the
recorder wrote. For each FFmpeg (Debian's 5.1, and the newest on PyPI, imageio-ffmpeg's 9.0,
which has no ffprobe beside it: Heldar's no-ffprobe path) and each run shape, recorded for
``--minutes`` (5 by default):

- phase 1: one stream; a pre-roll buffer (its footage); an MJPEG camera transcoded to H.264
  (given the system ffprobe, since the transcode needs the probe's word);
- phase 2: a dual-stream camera's split run (1280x720 main into the buffer, 320x180 sub-stream
  footage); the main stream alone after its sub-stream froze; the sub-stream alone after its
  main stream froze; and, for reference, the two-input command Heldar ran before (one FFmpeg
  reading both streams), on the same camera.

Each output gets two rows: its frames per media second (target: 25 within 5 %) and its largest
lag behind the clock (target: at most 1 s, and not growing).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
from pathlib import Path
import shutil
import subprocess
import tempfile
import time

from common import emit

from custom_components.heldar.recorder.command import (
    codec_args,
    command_head,
    input_args,
    segment_output,
)
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.streams import MediaPlan
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    RecorderStatus,
    StaticSource,
)
from tests.footage_clock import Births, Verdict, dated, judge, read_marks
from tests.media import RtspCamera

FPS = 25
MAIN = {"width": 1280, "height": 720, "bitrate": 1500}
SUB = {"width": 320, "height": 180, "bitrate": 150}


@dataclass(frozen=True, slots=True)
class Tools:
    """One FFmpeg under test, and the ffprobe Heldar is given with it (None: none)."""

    label: str
    ffmpeg: str
    ffprobe: str | None

    @property
    def version(self) -> str:
        """FFmpeg's own version line."""
        out = subprocess.run([self.ffmpeg, "-version"], capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[0]


def tools(name: str) -> Tools:
    """``system``: Debian's FFmpeg and ffprobe; ``imageio``: imageio-ffmpeg's, no ffprobe."""
    if name == "imageio":
        import imageio_ffmpeg  # noqa: PLC0415 - requirements_test.txt

        return Tools("ffmpeg9", imageio_ffmpeg.get_ffmpeg_exe(), None)
    return Tools("ffmpeg5", shutil.which("ffmpeg") or "ffmpeg", "ffprobe")


class Cameras:
    """The marked test cameras of one phase, stopped together."""

    def __init__(self, root: Path) -> None:
        """Log every camera's marks under ``root``."""
        self.root = root
        self.started: list[RtspCamera] = []

    def start(self, name: str, **options: str | int) -> RtspCamera:
        """A 25 fps camera with a 2 s GOP, its marks in ``<root>/<name>.marks``."""
        camera = RtspCamera(fps=FPS, gop=2 * FPS, marks=str(self.marks(name)), **options)
        camera.start()
        self.started.append(camera)
        return camera

    def marks(self, name: str) -> Path:
        """Where camera ``name`` logs its marks."""
        return self.root / f"{name}.marks"

    def stop(self) -> None:
        """Stop them all."""
        for camera in self.started:
            camera.stop()


def recorder(tools: Tools, spec: CameraSpec, log: list[RecorderStatus]) -> CameraRecorder:
    """A continuous recorder of ``spec`` (with a pre-roll buffer: events too)."""
    mode = RecordMode.SCHEDULED_EVENT if spec.sub_source is None else RecordMode.CONTINUOUS
    return CameraRecorder(
        spec,
        ffmpeg_binary=tools.ffmpeg,
        listener=log.append,
        demand=Demand(mode, schedule_active=True),
    )


async def until_recording(log: list[RecorderStatus], streams: int = 1) -> None:
    """Wait (up to a minute) until the camera records, every one of ``streams`` streams."""
    async with asyncio.timeout(60):
        while not (
            log
            and log[-1].state is RecorderState.RECORDING
            and len(log[-1].streams or {"": ""}) == streams
            and set((log[-1].streams or {"": "recording"}).values()) == {"recording"}
        ):
            await asyncio.sleep(0.2)


def report(tools: Tools, shape: str, verdict: Verdict, minutes: float) -> None:
    """Two rows per output: its frame rate and its lag (the command before: a reference)."""
    figures = verdict.summary()
    on_rate: bool | None = abs(verdict.fps - FPS) <= FPS * 0.05
    lag_ok: bool | None = verdict.worst_lag <= 1.0 and verdict.lag_growth <= 0.5
    rate_target, lag_target = "25 +- 5 %", "<= 1, not growing"
    if shape.startswith("before_"):
        on_rate = lag_ok = None
        rate_target = lag_target = "- (reference: the command Heldar ran before)"
    common = {"ffmpeg": tools.version, "minutes": minutes, **figures}
    emit(f"clock_{tools.label}_{shape}_fps", figures["fps"], "fps", rate_target, on_rate, **common)
    emit(
        f"clock_{tools.label}_{shape}_lag_max",
        figures["lag_max_s"],
        "s",
        lag_target,
        lag_ok,
        **common,
    )


async def phase_single(tools: Tools, root: Path, minutes: float) -> None:
    """One stream, a pre-roll buffer and an MJPEG transcode, side by side."""
    cameras = Cameras(root)
    try:
        h264 = cameras.start("h264")
        mjpeg = cameras.start("mjpeg", codec="mjpeg")
        specs = {
            "one_stream": CameraSpec(
                "one", "One", StaticSource(h264.url), root / "one", 10, ffprobe=tools.ffprobe
            ),
            "preroll_buffer": CameraSpec(
                "pre",
                "Pre",
                StaticSource(h264.url),
                root / "pre",
                10,
                ffprobe=tools.ffprobe,
                pre_roll_seconds=10,
                buffer_dir=root / "pre-buffer",
            ),
            "mjpeg_transcode": CameraSpec(
                "mj",
                "Mj",
                StaticSource(mjpeg.url),
                root / "mj",
                10,
                ffprobe=tools.ffprobe or "ffprobe",
            ),
        }
        landing = {"one_stream": "one", "preroll_buffer": "pre-buffer", "mjpeg_transcode": "mj"}
        folders = [root / name for name in landing.values()]
        logs: dict[str, list[RecorderStatus]] = {shape: [] for shape in specs}
        recorders = [recorder(tools, spec, logs[shape]) for shape, spec in specs.items()]
        with Births(*folders, keep=root / "kept-single") as births:
            for each in recorders:
                each.start()
            try:
                for log in logs.values():
                    await until_recording(log)
                await asyncio.sleep(minutes * 60)
            finally:
                await asyncio.gather(*(each.stop() for each in recorders))
        for shape, folder in landing.items():
            camera = "mjpeg" if shape == "mjpeg_transcode" else "h264"
            marks = read_marks(cameras.marks(camera))
            verdict = judge(dated(births.segments(root / folder)), marks, "/stream")
            report(tools, shape, verdict, minutes)
    finally:
        cameras.stop()


def two_input_argv(tools: Tools, camera: RtspCamera, root: Path) -> list[str]:
    """The command Heldar ran before: one FFmpeg reading both streams (``dual_argv``)."""
    args = command_head(tools.ffmpeg)
    outputs = ((camera.sub_url, root / "before-sub", 10), (camera.url, root / "before-main", 2))
    for url, _, _ in outputs:
        args += input_args(url, wallclock=True)
    for index, (_, folder, seconds) in enumerate(outputs):
        folder.mkdir(parents=True, exist_ok=True)
        plan = MediaPlan()
        args += ["-map", f"{index}:v:0", *codec_args(plan.video, plan.audio)]
        args += segment_output(folder, seconds)
    return args


@contextlib.contextmanager
def running(argv: list[str]) -> Iterator[None]:
    """Run ``argv`` for the block; stop it with SIGINT, as Heldar does."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.send_signal(2)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def dual_spec(name: str, main: RtspCamera, sub_url: str, root: Path, tools: Tools) -> CameraSpec:
    """Sub-stream 24/7 (10 s segments), main-stream events with a 10 s pre-roll."""
    return CameraSpec(
        name,
        name.title(),
        StaticSource(main.url),
        root / name,
        10,
        pre_roll_seconds=10,
        buffer_dir=root / f"{name}-buffer",
        ffprobe=tools.ffprobe,
        sub_source=StaticSource(sub_url),
    )


async def phase_dual(tools: Tools, root: Path, minutes: float, *, before: bool) -> None:
    """A split run; each stream alone after the other froze; the two-input command before."""
    cameras = Cameras(root)
    try:
        split_cam = cameras.start("split", **MAIN, sub_path="/sub")  # type: ignore[arg-type]
        a_main = cameras.start("a-main", **MAIN)  # type: ignore[arg-type]
        a_sub = cameras.start("a-sub", **SUB)  # type: ignore[arg-type]
        b_main = cameras.start("b-main", **MAIN)  # type: ignore[arg-type]
        b_sub = cameras.start("b-sub", **SUB)  # type: ignore[arg-type]
        logs: dict[str, list[RecorderStatus]] = {"split": [], "a": [], "b": []}
        recorders = {
            "split": recorder(
                tools, dual_spec("split", split_cam, split_cam.sub_url, root, tools), logs["split"]
            ),
            "a": recorder(tools, dual_spec("a", a_main, a_sub.url, root, tools), logs["a"]),
            "b": recorder(tools, dual_spec("b", b_main, b_sub.url, root, tools), logs["b"]),
        }
        watched = [root / "split", root / "split-buffer", root / "a-buffer", root / "b"]
        if before:
            watched += [root / "before-sub", root / "before-main"]
        with Births(*watched, keep=root / "kept-dual") as births:
            for each in recorders.values():
                each.start()
            try:
                for log in logs.values():
                    await until_recording(log, streams=2)
                a_sub.pause()  # a: the main stream alone
                b_main.pause()  # b: the sub-stream alone
                await asyncio.sleep(15)  # each failure judged, the other taking over
                alone_from = time.time()
                context = (
                    running(two_input_argv(tools, split_cam, root))
                    if before
                    else contextlib.nullcontext()
                )
                with context:
                    await asyncio.sleep(minutes * 60)
            finally:
                a_sub.resume()
                b_main.resume()
                await asyncio.gather(*(each.stop() for each in recorders.values()))
        split_marks = read_marks(cameras.marks("split"))
        shapes = {
            "split_footage_sub": (root / "split", split_marks, "/sub", 0.0),
            "split_events_main": (root / "split-buffer", split_marks, "/stream", 0.0),
            "main_alone_after_sub_failed": (
                root / "a-buffer",
                read_marks(cameras.marks("a-main")),
                "/stream",
                alone_from,
            ),
            "sub_alone_after_main_failed": (
                root / "b",
                read_marks(cameras.marks("b-sub")),
                "/stream",
                alone_from,
            ),
        }
        if before:
            shapes["before_two_input_sub"] = (root / "before-sub", split_marks, "/sub", 0.0)
            shapes["before_two_input_main"] = (root / "before-main", split_marks, "/stream", 0.0)
        for shape, (folder, marks, mount, since) in shapes.items():
            segments = births.segments(folder, since=since)
            first = 0 if since else 1
            verdict = judge(dated(segments, first_of_run=first), marks, mount)
            report(tools, shape, verdict, minutes)
    finally:
        cameras.stop()


async def main() -> None:
    """Both phases on each FFmpeg."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--ffmpeg", default="system,imageio", help="system, imageio, or both")
    parser.add_argument("--phases", default="single,dual")
    args = parser.parse_args()
    for name in args.ffmpeg.split(","):
        chosen = tools(name)
        for phase in args.phases.split(","):
            with tempfile.TemporaryDirectory() as scratch:
                root = Path(scratch)
                if phase == "single":
                    await phase_single(chosen, root, args.minutes)
                else:
                    await phase_dual(chosen, root, args.minutes, before=True)


if __name__ == "__main__":
    asyncio.run(main())
