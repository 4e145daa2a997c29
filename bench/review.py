"""Review benchmarks in a real HA: the timeline of a busy day, a 24 h playlist, a 1 h export.

- heldar/timeline for a day of 1 440 one-minute segments and 500 events: the server's work
  per request (the command's handler), the first and the median and p99 of 200 requests. Each
  event's thumbnail is one of Home Assistant's signed paths for the asking login: the first
  answer signs them all, later ones reuse them.
- A 24 h HLS playlist over 1 440 real fragmented-MP4 files (60 s, a keyframe every second):
  build time and size. Entries are fragments grouped near 6 s, so the first build reads every
  fragment's ``moof`` (86 400 of them); a reload uses the layout cache.
- Exporting 1 h of one-minute segments (real 640x360 25 fps H.264): wall time / media time
  and FFmpeg's CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import resource
import shutil
import subprocess
import tempfile
import time

from common import Stopwatch, emit, home_assistant, median_ms

from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.segments import segment_name

DAY = 1440
EVENTS = 500


def _option(pair: str) -> tuple[str, str]:
    """Return a ``key=value`` muxer option as FFmpeg's two arguments."""
    key, value = pair.split("=", 1)
    return f"-{key}", value


def one_minute(folder: Path, size: str, rate: int) -> Path:
    """Encode one real 60 s fragmented segment (a keyframe every second)."""
    target = folder / "minute.mp4"
    subprocess.run(
        [
            "ffmpeg",
            *("-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}"),
            *("-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-g", str(rate)),
            *("-b:v", "1M", "-pix_fmt", "yuv420p", "-f", "mp4"),
            # The recorder's muxer options, given to FFmpeg one by one.
            *(part for pair in FRAGMENTED_MP4.split(":") for part in _option(pair)),
            str(target),
        ],
        check=True,
    )
    return target


def lay_out(folder: Path, source: Path, first: float, count: int) -> None:
    """Hard-link ``source`` as ``count`` consecutive minutes, with a ready index cache."""
    folder.mkdir(parents=True)
    cache = {}
    for minute in range(count):
        path = folder / segment_name(first + minute * 60)
        os.link(source, path)
        info = path.stat()
        cache[path.name] = [info.st_size, info.st_mtime, 60.0, "h264"]
    (folder / ".index.json").write_text(json.dumps(cache))


async def main() -> None:  # noqa: PLR0915 - one set-up, three measurements
    """Set up a hub with a day of footage and a camera with an hour, then measure."""
    from homeassistant.setup import async_setup_component  # noqa: PLC0415
    from homeassistant.util import dt as dt_util  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: PLC0415

    from custom_components.heldar import camera_ref, export, footage, hls, review  # noqa: PLC0415
    from custom_components.heldar.camera_ref import CameraKey  # noqa: PLC0415
    from custom_components.heldar.recorder.events import Event, EventState  # noqa: PLC0415
    from custom_components.heldar.review_events import reason_texts  # noqa: PLC0415
    from custom_components.heldar.websocket_api import timeline  # noqa: PLC0415
    from tests.common import camera_subentry  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        small = one_minute(root, "160x90", 10)
        (root / "big").mkdir()
        big = one_minute(root / "big", "640x360", 25)
        midnight = dt_util.start_of_local_day(dt_util.now() - dt_util.dt.timedelta(days=1))
        first = midnight.timestamp()
        lay_out(root / "rec" / "yard", small, first, DAY)
        lay_out(root / "rec" / "gate", big, first, 60)
        async with home_assistant(root / "config") as hass:
            await async_setup_component(hass, "ffmpeg", {})
            await async_setup_component(hass, "http", {})
            await async_setup_component(hass, "media_source", {})
            entry = MockConfigEntry(
                domain="heldar",
                data={"storage_dir": str(root / "rec")},
                subentries_data=[
                    camera_subentry(
                        name, f"rtsp://{name}/s", record_mode="event", pre_roll_seconds=0
                    )
                    for name in ("Yard", "Gate")
                ],
            )
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            for handle in entry.runtime_data.cameras.values():
                while not handle.store.index.ready:
                    await asyncio.sleep(0.05)
            yard = camera_ref.find(hass, "yard", CameraKey.FOLDER)
            gate = camera_ref.find(hass, "gate", CameraKey.FOLDER)
            assert yard is not None
            assert gate is not None
            for number in range(EVENTS):
                start = first + number * 170.0
                event = Event(f"e{number}", "yard", start, start + 40, ["button"])
                event.state, event.end, event.clip = EventState.FINISHED, start + 40, "x.mp4"
                # Its clip lies over the footage (a scheduled + event camera): every event's
                # media is weighed against the footage, which wins.
                event.clip_runs = [[0.0, start, 40.0]]
                yard.handle.store.events[event.id] = event

            # 1. heldar/timeline for the day, as a logged-in user asks for it.
            user = await hass.auth.async_create_user("Bench")
            login = await hass.auth.async_create_refresh_token(user, "https://bench.example/")
            texts = await reason_texts(hass)
            samples = []
            for _ in range(200):
                with Stopwatch() as watch:
                    answer = timeline(hass, yard, first, first + 86400, texts, login.id)
                samples.append(watch.seconds)
            assert len(answer["events"]) == EVENTS
            # The first answer signs every thumbnail; later ones reuse the links (see
            # thumbnail_links.py), as the card's zooms and pans do.
            emit("timeline_day_first", round(samples[0] * 1000, 3), "ms", "-", None, events=EVENTS)
            samples.sort()
            emit("timeline_day_median", median_ms(samples), "ms", "-", None, segments=DAY)
            emit(
                "timeline_day_p99",
                round(samples[int(len(samples) * 0.99) - 1] * 1000, 3),
                "ms",
                "-",
                None,
                events=EVENTS,
                loadavg=[round(x, 2) for x in os.getloadavg()],
            )
            # The same answers without thumbnails (no event has a clip): what the links cost.
            for event in yard.handle.store.events.values():
                event.clip = None
            bare = []
            for _ in range(200):
                with Stopwatch() as watch:
                    timeline(hass, yard, first, first + 86400, texts, login.id)
                bare.append(watch.seconds)
            emit("timeline_day_without_thumbnails_median", median_ms(bare), "ms", "-", None)

            # 2. A 24 h playlist (first build reads box headers; reloads hit the cache).
            pieces = footage.pieces(yard.handle, first, first + 86400, time.time())
            builds = []
            for _ in range(5):
                with Stopwatch() as watch:
                    parts = await hass.async_add_executor_job(
                        lambda: hls.plan(pieces, review.layouts())
                    )
                    text = hls.build_playlist(parts, live=False)
                builds.append(watch.seconds)
            emit(
                "playlist_24h_first_build",
                round(builds[0] * 1000, 1),
                "ms",
                "-",
                None,
                entries=len(parts),
            )
            emit("playlist_24h_rebuild", median_ms(builds[1:]), "ms", "-", None)
            kib = round(len(text.encode()) / 1024, 1)
            emit("playlist_24h_size", kib, "KiB", "<= 3072", kib <= 3072, entries=len(parts))

            # 3. Export 1 h of one-minute segments.
            done: asyncio.Future[float] = hass.loop.create_future()
            hass.bus.async_listen_once(
                export.EVENT_EXPORT_FINISHED,
                lambda _e: hass.loop.call_soon_threadsafe(done.set_result, time.perf_counter()),
            )
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            result = await export.async_start(hass, gate, first, first + 3600)
            finished = await asyncio.wait_for(done, 600)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = finished - started
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            size = Path(result["path"]).stat().st_size  # noqa: ASYNC240 - after the timing
            emit(
                "export_1h_wall_per_media",
                round(wall / 3600, 5),
                "x",
                "-",
                None,
                wall_s=round(wall, 2),
                bytes=size,
            )
            emit("export_1h_cpu", round(cpu, 2), "s", "-", None)
            await hass.config_entries.async_unload(entry.entry_id)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
