"""Dual-stream storage: main 24/7 against sub 24/7 plus main events, in bytes a day.

Both are measured in the same run from the same real camera.

The GStreamer camera serves the main stream (1280x720, 4 Mbit/s cap) and a sub-stream
(640x360, 512 kbit/s cap) of one picture, as the issue's typical camera does. Two recorders
run side by side for ``--minutes``:

- one records the main stream continuously (a one-stream camera);
- one records the sub-stream continuously and the main stream around triggers, with a
  pre-roll (one FFmpeg per stream). It is triggered ``--events`` times during the run.

Each footage's frame rate (frames per media second) is reported with it: the figures of the
first version of this benchmark were taken from a sub-stream that one two-input FFmpeg
recorded at about 11 of its 25 fps, and were wrong by as much.

Footage bytes per second are measured from each camera's index (file sizes over recorded
seconds), event bytes per second from the finished clips. A day is then extrapolated at
``--events-per-day`` events of ``--event-seconds`` each (pre-roll included).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
import tempfile
import time

from common import emit

from custom_components.heldar.recorder.events import Event
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.store import CameraStore
from custom_components.heldar.recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    StaticSource,
)
from tests.media import RtspCamera, ffprobe

DAY = 86400
GB = 1e9
SEGMENT = 10
PRE_ROLL = 10


def footage_rate(store: CameraStore) -> tuple[float, float]:
    """Return a camera's footage bytes per second and the seconds it is measured over."""
    segments = store.index.segments
    seconds = sum(segment.duration for segment in segments)
    size = sum(segment.size for segment in segments)
    return (size / seconds if seconds else 0.0), seconds


def frame_rate(store: CameraStore) -> float:
    """Frames per media second over a camera's footage."""
    frames = seconds = 0.0
    for segment in store.index.segments:
        probed = ffprobe(store.directory / segment.name)
        video = [s for s in probed["streams"] if s["codec_type"] == "video"]
        frames += sum(int(s["nb_read_packets"]) for s in video)
        seconds += float(probed["format"]["duration"])
    return frames / seconds if seconds else 0.0


def report_frame_rates(main_fps: float, sub_fps: float) -> None:
    """The sub-stream footage's frame rate: the storage figures hold only at the camera's."""
    emit(
        "dual_sub_footage_fps",
        round(sub_fps, 2),
        "fps",
        "25 +- 5 % (the camera's rate)",
        abs(sub_fps - 25) <= 25 * 0.05,
        main_footage_fps=round(main_fps, 2),
    )


def store(root: Path, name: str) -> CameraStore:
    """A camera's store, indexing what its recorder writes into ``root / name``."""
    return CameraStore(name, name.title(), root / name, SegmentIndex(root / name, "ffprobe"))


def finished(clips: list[Event], event: Event, phase: str) -> None:
    """Keep each finished event."""
    if phase == "finished":
        clips.append(event)


def parse() -> argparse.Namespace:
    """The benchmark's options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--events", type=int, default=3, help="events triggered in the run")
    parser.add_argument("--events-per-day", type=int, default=20)
    parser.add_argument("--event-seconds", type=int, default=60, help="pre-roll included")
    parser.add_argument(
        "--pattern",
        default="snow",
        help="the test picture: snow (full detail, the encoders run at their caps, as camera "
        "encoders do) or ball (a nearly static scene, far under the caps)",
    )
    return parser.parse_args()


async def main() -> None:
    """Record both ways at once; extrapolate a day of each."""
    args = parse()
    camera = RtspCamera(
        width=1280, height=720, bitrate=4000, sub_path="/sub", sub_width=640, sub_height=360
    )
    camera.options["sub_bitrate"] = 512
    camera.options["pattern"] = args.pattern
    camera.start()
    clips: list[Event] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            main_store = CameraStore(
                "main", "Main", root / "main", SegmentIndex(root / "main", "ffprobe")
            )
            dual_store = CameraStore(
                "dual", "Dual", root / "dual", SegmentIndex(root / "dual", "ffprobe")
            )
            main_only = CameraRecorder(
                CameraSpec("main", "Main", StaticSource(camera.url), root / "main", SEGMENT),
                ffmpeg_binary="ffmpeg",
                store=main_store,
            )
            dual = CameraRecorder(
                CameraSpec(
                    "dual",
                    "Dual",
                    StaticSource(camera.url),
                    root / "dual",
                    SEGMENT,
                    pre_roll_seconds=PRE_ROLL,
                    buffer_dir=root / "buffer",
                    ffprobe="ffprobe",
                    sub_source=StaticSource(camera.sub_url),
                ),
                ffmpeg_binary="ffmpeg",
                demand=Demand(RecordMode.SCHEDULED_EVENT, schedule_active=True),
                event_listener=lambda event, phase: (
                    clips.append(event) if phase == "finished" else None
                ),
                store=dual_store,
            )
            main_only.start()
            dual.start()
            try:
                run = args.minutes * 60
                gap = run / (args.events + 1)
                window = max(args.event_seconds - PRE_ROLL, 1)
                started = time.monotonic()
                for _ in range(args.events):
                    await asyncio.sleep(gap)
                    until = datetime.now(UTC) + timedelta(seconds=min(window, gap / 2))
                    dual.trigger(until, "bench")
                await asyncio.sleep(max(run - (time.monotonic() - started), 0) + 5)
            finally:
                await asyncio.gather(main_only.stop(), dual.stop())
            main_rate, main_seconds = footage_rate(main_store)
            sub_rate, sub_seconds = footage_rate(dual_store)
            main_fps, sub_fps = frame_rate(main_store), frame_rate(dual_store)
            clip_bytes = sum(event.clip_bytes for event in clips)
            clip_seconds = sum((event.end or event.window_end) - event.start for event in clips)
    finally:
        camera.stop()
    event_rate = clip_bytes / clip_seconds if clip_seconds else 0.0
    main_day = main_rate * DAY
    events_day = args.events_per_day * args.event_seconds * event_rate
    dual_day = sub_rate * DAY + events_day
    ratio = dual_day / main_day if main_day else None
    rates = {
        "main_kbit_s": round(main_rate * 8 / 1000, 1),
        "sub_kbit_s": round(sub_rate * 8 / 1000, 1),
        "event_kbit_s": round(event_rate * 8 / 1000, 1),
        "measured_main_s": round(main_seconds, 1),
        "measured_sub_s": round(sub_seconds, 1),
        "measured_clips": len(clips),
        "measured_clip_s": round(clip_seconds, 1),
        "pattern": args.pattern,
        "main_footage_fps": round(main_fps, 2),
        "sub_footage_fps": round(sub_fps, 2),
    }
    report_frame_rates(main_fps, sub_fps)
    emit("dual_main_24_7_per_day", round(main_day / GB, 2), "GB/day", "measured", None, **rates)
    emit(
        "dual_sub_24_7_plus_main_events_per_day",
        round(dual_day / GB, 2),
        "GB/day",
        "measured",
        None,
        sub_24_7_gb=round(sub_rate * DAY / GB, 2),
        main_events_gb=round(events_day / GB, 3),
        events_per_day=args.events_per_day,
        event_seconds=args.event_seconds,
    )
    emit(
        "dual_storage_ratio",
        round(ratio, 3) if ratio is not None else None,
        "x of main 24/7",
        "<= 0.5",
        ratio is not None and ratio <= 0.5 and len(clips) == args.events,
        saved_percent=round((1 - ratio) * 100, 1) if ratio is not None else None,
    )


if __name__ == "__main__":
    asyncio.run(main())
