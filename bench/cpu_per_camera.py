"""P1: Home Assistant CPU added per recording camera, as a fraction of that camera's FFmpeg.

A real HA runs Heldar with N cameras (N = 1, then 8) on the test camera's 720p stream. HA's own
CPU is measured with every camera's Recording switch off (the baseline: HA and Heldar idle),
then with all N recording; the difference per camera is divided by one FFmpeg's CPU over the
same window. Everything Heldar does per camera in HA's process counts: supervision polls,
progress parsing, segment bookkeeping, the index, entity updates.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import tempfile

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

from tests.common import camera_subentry
from tests.media import RtspCamera

TARGET = 0.05


async def measure(camera: RtspCamera, count: int, seconds: float) -> dict[str, float]:
    """Return HA CPU per second idle and recording, and FFmpeg CPU per second, for N cameras."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cameras = [
            camera_subentry(
                f"Cam {i}",
                f"{camera.url}?n={i}",
                segment_seconds=60,
                record_enabled=False,
            )
            for i in range(count)
        ]
        async with (
            home_assistant(root / "config") as hass,
            heldar_hub(hass, root / "rec", *cameras) as entry,
        ):
            await wait_until(lambda: all_states(entry, "disabled"), 30)
            await asyncio.sleep(5)  # let setup's one-off work settle
            idle = CpuMeter()
            idle.begin([])
            await asyncio.sleep(seconds)
            idle.end()

            for handle in camera_handles(entry):
                entry.runtime_data.async_set_record_enabled(handle, enabled=True)
            await wait_until(lambda: all_states(entry, "recording"), 60)
            await asyncio.sleep(10)  # past the first segment's probing and the index's first look
            busy = CpuMeter()
            pids = ffmpeg_pids(entry)
            assert len(pids) == count
            busy.begin(pids)
            await asyncio.sleep(seconds)
            assert ffmpeg_pids(entry) == pids, "an FFmpeg restarted during the window"
            busy.end()
    return {
        "ha_idle": idle.own / idle.wall,
        "ha_recording": busy.own / busy.wall,
        "ffmpeg": busy.children / busy.wall,
    }


async def main() -> None:
    """Measure N = 1 and N = 8."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    camera = RtspCamera(width=1280, height=720, bitrate=2000, fps=25, gop=50)
    camera.start()
    try:
        for count in (1, 8):
            rates = await measure(camera, count, args.seconds)
            added = max(rates["ha_recording"] - rates["ha_idle"], 0.0) / count
            per_ffmpeg = rates["ffmpeg"] / count
            ratio = added / per_ffmpeg
            emit(
                f"P1_ha_cpu_per_camera_n{count}",
                round(ratio, 4),
                "ratio",
                f"<= {TARGET}",
                ratio <= TARGET,
                ha_added_core_pct=round(added * 100, 4),
                ffmpeg_core_pct=round(per_ffmpeg * 100, 4),
                ha_idle_core_pct=round(rates["ha_idle"] * 100, 4),
                window_s=args.seconds,
                stream="720p25 H.264, 2 Mbit/s, GOP 2 s",
            )
    finally:
        camera.stop()


if __name__ == "__main__":
    asyncio.run(main())
