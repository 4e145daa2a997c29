"""Media browser response time for a day of 1 440 one-minute segments, in a real HA."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import tempfile
import time

from common import Stopwatch, emit, home_assistant, median_ms
from retention_10k import BODY

from custom_components.heldar.recorder.segments import segment_name


async def main() -> None:
    """Index a day of footage, then time the day node and an hour node."""
    from homeassistant.components import media_source  # noqa: PLC0415
    from homeassistant.setup import async_setup_component  # noqa: PLC0415
    from homeassistant.util import dt as dt_util  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: PLC0415

    from tests.common import camera_subentry  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        folder = root / "rec" / "yard"
        folder.mkdir(parents=True)
        midnight = dt_util.start_of_local_day(dt_util.now() - dt_util.dt.timedelta(days=1))
        first = midnight.timestamp()
        cache = {}
        for minute in range(1440):
            path = folder / segment_name(first + minute * 60)
            path.write_bytes(BODY)
            info = path.stat()
            cache[path.name] = [info.st_size, info.st_mtime, 60.0, "h264"]
        # As after any earlier start: the index cache knows every file, nothing is probed.
        (folder / ".index.json").write_text(json.dumps(cache))
        async with home_assistant(root / "config") as hass:
            await async_setup_component(hass, "ffmpeg", {})
            await async_setup_component(hass, "media_source", {})
            entry = MockConfigEntry(
                domain="heldar",
                data={"storage_dir": str(root / "rec")},
                subentries_data=[
                    camera_subentry(
                        "Yard", "rtsp://yard/s", record_mode="event", pre_roll_seconds=0
                    )
                ],
            )
            entry.add_to_hass(hass)
            start = time.perf_counter()  # setup included: the cache may load during it
            await hass.config_entries.async_setup(entry.entry_id)
            store = entry.runtime_data.recordings.stores["yard"]
            while not store.index.ready:
                await asyncio.sleep(0.05)
            indexed = time.perf_counter() - start
            day = f"media-source://heldar/yard/day/{midnight.date().isoformat()}"
            hour = f"media-source://heldar/yard/hour/{midnight.date().isoformat()}T12"
            timings: dict[str, list[float]] = {"day": [], "hour": [], "camera": []}
            for _ in range(20):
                for name, node in (
                    ("day", day),
                    ("hour", hour),
                    ("camera", "media-source://heldar/yard"),
                ):
                    with Stopwatch() as watch:
                        await media_source.async_browse_media(hass, node)
                    timings[name].append(watch.seconds)
            emit(
                "browse_day_1440_segments",
                median_ms(timings["day"]),
                "ms",
                "-",
                None,
                segments=len(store.index),
            )
            emit("browse_hour_60_segments", median_ms(timings["hour"]), "ms", "-", None)
            emit("browse_camera_days", median_ms(timings["camera"]), "ms", "-", None)
            emit("index_load_1440_from_cache", round(indexed * 1000, 1), "ms", "-", None)
            await hass.config_entries.async_unload(entry.entry_id)


if __name__ == "__main__":
    asyncio.run(main())
