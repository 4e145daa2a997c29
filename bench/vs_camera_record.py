"""P2: Heldar's total CPU (HA + FFmpeg) against HA core's ``camera.record`` (PyAV in HA).

One Home Assistant, one 1080p stream from the test camera, the same duration for both:

1. the baseline: HA with Heldar loaded, its camera switched off, the reference camera idle;
2. Heldar records the stream: HA's CPU above the baseline plus its FFmpeg's CPU;
3. ``camera.record`` records the same stream for as long: HA's CPU above the baseline
   (its stream worker thread runs inside HA's process, so it is all in HA's CPU time).

Both are per wall second, so the difference in start-up (Heldar's window starts once it
records; ``camera.record``'s includes connecting) is small against the window.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import tempfile
import time

from common import (
    CpuMeter,
    all_states,
    camera_handles,
    emit,
    ffmpeg_pids,
    heldar_hub,
    home_assistant,
    wait_until,
)
from ha_camera import record, setup_reference_camera, stop_stream

from tests.common import camera_subentry
from tests.media import RtspCamera, duration

TARGET = 1.0


async def measure(camera: RtspCamera, seconds: int) -> dict[str, float]:
    """Return CPU per wall second: baseline, Heldar (HA and FFmpeg), ``camera.record``."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        clips = root / "clips"
        heldar_cam = camera_subentry("Bench", camera.url, segment_seconds=60, record_enabled=False)
        async with (
            home_assistant(root / "config") as hass,
            heldar_hub(hass, root / "rec", heldar_cam) as entry,
        ):
            reference = await setup_reference_camera(hass, camera.url, str(clips))
            await wait_until(lambda: all_states(entry, "disabled"), 30)
            await asyncio.sleep(5)
            idle = CpuMeter()
            idle.begin([])
            await asyncio.sleep(30)
            idle.end()

            handle = camera_handles(entry)[0]
            entry.runtime_data.async_set_record_enabled(handle, enabled=True)
            await wait_until(lambda: all_states(entry, "recording"), 60)
            await asyncio.sleep(5)
            heldar = CpuMeter()
            pids = ffmpeg_pids(entry)
            heldar.begin(pids)
            await asyncio.sleep(seconds)
            assert ffmpeg_pids(entry) == pids, "Heldar's FFmpeg restarted during the window"
            heldar.end()
            entry.runtime_data.async_set_record_enabled(handle, enabled=False)
            await wait_until(lambda: all_states(entry, "disabled"), 30)
            await asyncio.sleep(5)

            clip = clips / "reference.mp4"
            core = CpuMeter()
            core.begin([])
            await record(hass, str(clip), seconds)
            core.end()
            await stop_stream(reference)
            recorded = await asyncio.to_thread(duration, clip)
            assert recorded >= seconds - 5, f"camera.record wrote {recorded:.1f} s"
    base = idle.own / idle.wall
    return {
        "baseline": base,
        "heldar_ha": max(heldar.own / heldar.wall - base, 0.0),
        "heldar_ffmpeg": heldar.children / heldar.wall,
        "camera_record": max(core.own / core.wall - base, 0.0),
        "camera_record_wall": core.wall,
        "camera_record_media": recorded,
    }


async def main() -> None:
    """Measure both on the 1080p stream."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    camera = RtspCamera(width=1920, height=1080, bitrate=4000, fps=25, gop=50)
    camera.start()
    started = time.monotonic()
    try:
        rates = await measure(camera, args.seconds)
    finally:
        camera.stop()
    heldar = rates["heldar_ha"] + rates["heldar_ffmpeg"]
    ratio = heldar / rates["camera_record"]
    emit(
        "P2_heldar_vs_camera_record_cpu",
        round(ratio, 4),
        "ratio",
        f"<= {TARGET}",
        ratio <= TARGET,
        heldar_core_pct=round(heldar * 100, 3),
        heldar_ha_core_pct=round(rates["heldar_ha"] * 100, 3),
        heldar_ffmpeg_core_pct=round(rates["heldar_ffmpeg"] * 100, 3),
        camera_record_core_pct=round(rates["camera_record"] * 100, 3),
        camera_record_media_s=round(rates["camera_record_media"], 1),
        window_s=args.seconds,
        stream="1080p25 H.264, 4 Mbit/s, GOP 2 s",
        bench_s=round(time.monotonic() - started),
    )


if __name__ == "__main__":
    asyncio.run(main())
