"""Pre-roll accuracy over ten triggers, and the buffer's steady size (real FFmpeg and camera).

For each trigger at T the clip's first frame is its end minus its duration (ffprobe); the
error is that minus (T - pre-roll). Zero or negative means the pre-roll is all there; the
target is to be within one GOP (1 s on the test camera).

Side by side, the same triggers are given to Home Assistant's own ``camera.record`` with
``lookback`` equal to the pre-roll, on the same camera, its stream kept running with an HLS
output (lookback needs one). Its first frame's wall time is HA's own estimate
(``Segment.start_time``: the stream's start plus the media time before that segment) of the
first segment it prepends; the clip is checked with ffprobe.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
import statistics
import tempfile
import time

from common import emit, home_assistant
from ha_camera import record, setup_reference_camera, stop_stream
from homeassistant.components.stream.core import Segment
from homeassistant.components.stream.recorder import RecorderOutput

from custom_components.heldar.recorder.events import Event
from custom_components.heldar.recorder.modes import Demand, RecordMode
from custom_components.heldar.recorder.supervisor import CameraRecorder, CameraSpec, StaticSource
from tests.media import RtspCamera, duration

PRE_ROLL = 6
TRIGGERS = 10
GOP = 1.0


async def ha_lookback(url: str) -> list[float | None]:
    """Trigger ``camera.record`` with lookback ten times; return each first frame's error."""
    firsts: list[float] = []
    original = RecorderOutput.prepend

    def prepend(self: RecorderOutput, segments: list[Segment]) -> None:
        if segments:
            firsts.append(segments[0].start_time.timestamp())
        original(self, segments)

    RecorderOutput.prepend = prepend  # type: ignore[method-assign]
    errors: list[float | None] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            async with home_assistant(root / "config") as hass:
                reference = await setup_reference_camera(hass, url, str(root))
                stream = await reference.async_create_stream()
                assert stream is not None
                stream.add_provider("hls")
                await stream.start()
                try:
                    # HA's HLS segments are several seconds long: let a few build up first.
                    await asyncio.sleep(PRE_ROLL + 24)
                    for number in range(TRIGGERS):
                        clip = root / f"clip{number}.mp4"
                        trigger = time.time()
                        firsts.clear()
                        await record(hass, str(clip), duration=2, lookback=PRE_ROLL)
                        if not firsts:  # HA had no finished HLS segment to prepend
                            errors.append(None)
                            continue
                        assert await asyncio.to_thread(duration, clip) > PRE_ROLL
                        errors.append(firsts[0] - (trigger - PRE_ROLL))
                        await asyncio.sleep(2)
                finally:
                    await stop_stream(reference)
    finally:
        RecorderOutput.prepend = original  # type: ignore[method-assign]
    return errors


async def main() -> None:
    """Buffer, trigger ten times, measure; then the same with ``camera.record``."""
    camera = RtspCamera(fps=25, gop=25)
    camera.start()
    finished: asyncio.Queue[Event] = asyncio.Queue()
    sizes: list[tuple[int, int]] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            spec = CameraSpec(
                "gate",
                "Gate",
                StaticSource(camera.url),
                root / "gate",
                60,
                pre_roll_seconds=PRE_ROLL,
                buffer_dir=root / "buffer",
            )
            recorder = CameraRecorder(
                spec,
                ffmpeg_binary="ffmpeg",
                demand=Demand(RecordMode.EVENT),
                event_listener=lambda event, phase: (
                    phase == "finished" and finished.put_nowait(event)
                ),
            )
            recorder.start()
            errors = []
            try:
                await asyncio.sleep(PRE_ROLL + 6)
                for _ in range(TRIGGERS):
                    for _ in range(10):  # the buffer while idle
                        files = list((root / "buffer").glob("*.mp4"))
                        sizes.append((len(files), sum(f.stat().st_size for f in files)))
                        await asyncio.sleep(0.5)
                    trigger = time.time()
                    recorder.trigger(
                        datetime.fromtimestamp(trigger, UTC) + timedelta(seconds=2), "bench"
                    )
                    event = await asyncio.wait_for(finished.get(), 60)
                    assert event.clip is not None
                    assert event.end is not None
                    length = await asyncio.to_thread(duration, spec.output_dir / event.clip)
                    errors.append((event.end - length) - (trigger - PRE_ROLL))
                    await asyncio.sleep(PRE_ROLL + 2)  # let the buffer refill before the next
            finally:
                await recorder.stop()
        core_errors = await ha_lookback(camera.url)
    finally:
        camera.stop()
    worst = min(errors)
    emit(
        "P4_preroll_error",
        round(statistics.mean(errors), 3),
        "s",
        "-1 GOP <= error <= 0",
        all(-GOP - 0.05 <= e <= 0.05 for e in errors),
        min=round(worst, 3),
        max=round(max(errors), 3),
        triggers=len(errors),
        gop_s=GOP,
        errors=[round(e, 3) for e in errors],
    )
    measured = [e for e in core_errors if e is not None]
    emit(
        "P4_camera_record_lookback_error",
        round(statistics.mean(measured), 3) if measured else None,
        "s",
        "reference (HA core camera.record, lookback = pre-roll)",
        None,
        min=round(min(measured), 3) if measured else None,
        max=round(max(measured), 3) if measured else None,
        triggers=len(core_errors),
        without_lookback=len(core_errors) - len(measured),
        errors=[None if e is None else round(e, 3) for e in core_errors],
    )
    emit(
        "preroll_buffer_steady",
        max(count for count, _ in sizes),
        "files",
        f"<= {PRE_ROLL // 2 + 2} (pre-roll / 2 s + the open one + the one just closed)",
        max(count for count, _ in sizes) <= PRE_ROLL // 2 + 2,
        max_bytes=max(size for _, size in sizes),
        mean_bytes=int(statistics.mean(size for _, size in sizes)),
        bitrate_kbit_s=600,
    )


if __name__ == "__main__":
    asyncio.run(main())
