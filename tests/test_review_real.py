"""Review against a real RTSP camera: live playlists that only grow, and a 30 s export."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
import json
from pathlib import Path
import time

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.heldar.const import CONF_SEGMENT_SECONDS

from .common import camera_subentry, hub_entry, wait_for_state
from .media import RtspCamera, duration

SENSOR = "sensor.yard_recorder_state"
SEGMENT = 5
KEYFRAME = 1.0  # the test camera's GOP: 25 frames at 25 fps


def iso(timestamp: float) -> str:
    """Return a UTC ISO time."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


async def probe(url: str) -> dict[str, object]:
    """Run ffprobe on a URL without blocking the loop that serves it."""
    process = await asyncio.create_subprocess_exec(
        "ffprobe",
        *("-v", "error", "-count_packets", "-show_entries", "stream=nb_read_packets,codec_name"),
        *("-of", "json", url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err
    result: dict[str, object] = json.loads(out)["streams"][0]
    return result


async def test_live_playlist_and_export_on_a_real_camera(  # noqa: PLR0915 - one recording, many checks
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    tmp_path: Path,
) -> None:
    """Record 5 s segments; play live through the view; export 30 s over segment boundaries."""
    await async_setup_component(hass, "media_source", {})
    camera = rtsp_camera(gop=25, fps=25)
    entry = hub_entry(
        tmp_path, camera_subentry("Yard", camera.url, **{CONF_SEGMENT_SECONDS: SEGMENT})
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, SENSOR, "recording")
    [handle] = entry.runtime_data.cameras.values()
    store = handle.store
    async with asyncio.timeout(30):
        while len(store.index) < 2:
            await asyncio.sleep(0.25)
    began = store.index.segments[0].start

    client = await hass_ws_client(hass)
    http = await hass_client_no_auth()
    await client.send_json_auto_id(
        {"type": "heldar/playlist", "camera": handle.subentry_id, "start": iso(began), "end": None}
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    url = answer["result"]["url"]
    first = await (await http.get(url)).text()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in first
    assert "#EXT-X-ENDLIST" not in first
    current = handle.status.last_segment if handle.status else None
    assert current is not None
    growing = current.strftime("%Y%m%d_%H%M%S.mp4")
    # The segment being written shows up fragment by fragment (1 s each) as FFmpeg writes
    # them out (the test camera's low bit rate fills FFmpeg's 32 kB write buffer slowly).
    async with asyncio.timeout(15):
        while (second := await (await http.get(url)).text()).count(f"\n{growing}\n") < 2:
            await asyncio.sleep(0.5)
    # Reloading only appends: every line listed before is still there, in place.
    assert second.startswith(first.rstrip("\n").rsplit("\n", 1)[0])
    assert len(second) > len(first)
    # FFmpeg follows a live playlist forever; it reads a closed range to the end.
    await client.send_json_auto_id(
        {
            "type": "heldar/playlist",
            "camera": handle.subentry_id,
            "start": iso(began),
            "end": iso(store.index.segments[-1].end),
        }
    )
    closed = (await client.receive_json())["result"]["url"]
    streamed = await probe(str(http.make_url(closed)))
    assert streamed["codec_name"] == "h264"
    assert int(str(streamed["nb_read_packets"])) >= 25 * 2 * SEGMENT * 0.8

    # Export 30 s that starts mid-segment and crosses several boundaries.
    async with asyncio.timeout(90):
        while not store.index.segments or store.index.segments[-1].end < began + 36:
            await asyncio.sleep(0.5)
    start = began + SEGMENT + 2.5
    await client.send_json_auto_id(
        {
            "type": "heldar/export",
            "camera": handle.subentry_id,
            "start": iso(start),
            "end": iso(start + 30),
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    result = answer["result"]
    assert abs(result["seconds"] - 30) < 0.5
    assert "authSig=" in result["url"]
    path = Path(result["path"])
    deadline = time.monotonic() + 60
    while not await hass.async_add_executor_job(path.is_file):
        assert time.monotonic() < deadline, "the export did not finish"
        await asyncio.sleep(0.25)
    seconds = await hass.async_add_executor_job(duration, path)
    assert 30 - 0.2 <= seconds <= 30 + KEYFRAME + 0.2, seconds
    response = await http.get(result["url"])
    assert response.status == 200
    assert len(await response.read()) == path.stat().st_size

    # Up to now: the segment being written is exported as far as FFmpeg has written it.
    now = time.time()
    growing_since = handle.status.last_segment.timestamp() if handle.status else now
    assert growing_since > store.index.segments[-1].start
    await client.send_json_auto_id(
        {
            "type": "heldar/export",
            "camera": handle.subentry_id,
            "start": iso(now - 8),
            "end": iso(now),
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    recent = answer["result"]
    assert recent["seconds"] >= 7
    path = Path(recent["path"])
    deadline = time.monotonic() + 60
    while not await hass.async_add_executor_job(path.is_file):
        assert time.monotonic() < deadline, "the export did not finish"
        await asyncio.sleep(0.25)
    seconds = await hass.async_add_executor_job(duration, path)
    # FFmpeg writes a fragment a second: at most that much of the newest moment is missing.
    assert recent["seconds"] - 1.5 <= seconds <= recent["seconds"] + KEYFRAME + 0.2, seconds
    assert await hass.config_entries.async_unload(entry.entry_id)
