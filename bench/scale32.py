"""P8 and P7's memory: 32 recording cameras in one Home Assistant.

Two runs of a real HA with a hub of 32 cameras on the test camera's stream (one shared
encoder serves them all). P7's loop lag is measured against a control in ``overhead.py``.

- P8: all 32 record for ``--seconds``, then HA stops (``hass.async_stop``, as on a
  restart): the time until no FFmpeg remains, and whether every camera's last segment
  (every file, in fact) plays in ffprobe.
- P7 memory, in a second run with ``tracemalloc`` (it slows everything, so not during
  P8): Python memory allocated from just before the hub is set up to after all 32
  have recorded for a while, divided by 32. It includes Heldar's import and one-off setup,
  so it overstates the per-camera cost. The resident-set growth is reported beside it.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import tempfile
import time
import tracemalloc

from common import all_states, emit, heldar_hub, home_assistant, rss_bytes, wait_until
from homeassistant.config_entries import ConfigSubentryData

from custom_components.heldar.recorder.segments import QUARANTINE_DIR
from tests.common import camera_subentry
from tests.media import RtspCamera, duration, processes_with

CAMERAS = 32
MEMORY_TARGET_MB = 2.0
STOP_TARGET_S = 3.0
SEGMENT = 60  # Heldar's default


def cameras(url: str) -> list[ConfigSubentryData]:
    """Return 32 camera subentries on the same stream (distinct URLs, one mount)."""
    return [
        camera_subentry(f"Cam {i:02d}", f"{url}?cam={i}", segment_seconds=SEGMENT)
        for i in range(CAMERAS)
    ]


async def stop(url: str, seconds: float) -> None:
    """P8: stop HA with 32 recording cameras."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        storage = root / "rec"
        async with home_assistant(root / "config") as hass:
            async with heldar_hub(hass, storage, *cameras(url)) as entry:
                await wait_until(lambda: all_states(entry, "recording"), 120)
                await asyncio.sleep(10)
                await asyncio.sleep(seconds)
                assert all_states(entry, "recording"), "a camera stopped recording"
                running = processes_with(str(storage) + "/")
                assert len(running) == CAMERAS, f"{len(running)} FFmpeg for {CAMERAS} cameras"
                stopping = time.monotonic()
                await hass.async_stop()
                gone = await wait_until(lambda: not processes_with(str(storage) + "/"), 30, 0.01)
            every = sorted(storage.rglob("*.mp4"))
            stubs = [path for path in every if QUARANTINE_DIR in path.parts]
            files = [path for path in every if QUARANTINE_DIR not in path.parts]
            folders = {path.parent for path in files}
            stub_seconds = [await asyncio.to_thread(duration, path) for path in stubs]
            unplayable = []
            for path in files:
                try:
                    if await asyncio.to_thread(duration, path) <= 0:
                        unplayable.append(path.name)
                except Exception:  # noqa: BLE001 - a file ffprobe cannot read is the finding
                    unplayable.append(path.name)
    stop_s = gone - stopping
    emit(
        "P8_stop_32_cameras_until_no_ffmpeg",
        round(stop_s, 3),
        "s",
        f"<= {STOP_TARGET_S}",
        stop_s <= STOP_TARGET_S,
    )
    emit(
        "P8_files_playable_after_stop",
        len(files) - len(unplayable),
        "files",
        f"all ({len(files)}), every camera ({CAMERAS})",
        not unplayable and len(folders) == CAMERAS,
        unplayable=unplayable,
        cameras_with_files=len(folders),
        quarantined_stubs=len(stubs),
        quarantined_max_s=max(stub_seconds, default=0.0),
        segment_s=SEGMENT,
    )


async def memory(url: str, seconds: float) -> None:
    """P7 memory: Python allocations and RSS growth per recording camera."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        async with home_assistant(root / "config") as hass:
            tracemalloc.start()
            rss0 = rss_bytes()
            traced0 = tracemalloc.get_traced_memory()[0]
            async with heldar_hub(hass, root / "rec", *cameras(url)) as entry:
                await wait_until(lambda: all_states(entry, "recording"), 180)
                await asyncio.sleep(seconds)
                traced = tracemalloc.get_traced_memory()[0] - traced0
                rss = rss_bytes() - rss0
                top = tracemalloc.take_snapshot().statistics("filename")[:5]
            tracemalloc.stop()
    per_camera = traced / CAMERAS / 2**20
    emit(
        "P7_python_memory_per_camera",
        round(per_camera, 4),
        "MB",
        f"<= {MEMORY_TARGET_MB}",
        per_camera <= MEMORY_TARGET_MB,
        rss_growth_per_camera_mb=round(rss / CAMERAS / 2**20, 3),
        top_allocators=[f"{stat.traceback[0].filename}: {stat.size // 1024} kB" for stat in top],
        note="includes Heldar's import and one-off setup, spread over the 32 cameras",
    )


async def main() -> None:
    """Run the stop run, then the memory run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    camera = RtspCamera()
    camera.start()
    try:
        await stop(camera.url, args.seconds)
        await memory(camera.url, args.seconds)
    finally:
        camera.stop()


if __name__ == "__main__":
    asyncio.run(main())
