"""An event camera's recordings play and export like footage (real RTSP camera, real FFmpeg).

Before clips could be listed in a playlist, a finished event's segments were joined into a
plain MP4 and removed, so the timeline showed the event's span but its playlist had no entry
and an export of it found "no footage".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    CONF_SEGMENT_SECONDS,
)
from custom_components.heldar.recorder.events import EventState
from custom_components.heldar.recorder.segments import read_mp4_shape

from .common import camera_subentry, hub_entry, wait_for_state
from .media import RtspCamera, duration
from .test_review_real import probe

SENSOR = "sensor.porch_recorder_state"
KEYFRAME = 1.0  # the test camera's GOP: 25 frames at 25 fps
PRE_ROLL = 4
POST_ROLL = 4


def iso(timestamp: float) -> str:
    """Return a UTC ISO time."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def stamp(text: str) -> float:
    """Read an ISO time."""
    return datetime.fromisoformat(text).timestamp()


async def ask(client: Any, message: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN401 - HA's client
    """Send one websocket command and return its result."""
    await client.send_json_auto_id(message)
    answer = await client.receive_json()
    assert answer["success"], answer
    result: dict[str, Any] = answer["result"]
    return result


def entries(playlist: str) -> list[tuple[float, str]]:
    """Return each entry's program date-time and file name."""
    return [(moment, name) for moment, name, _ in ranged_entries(playlist)]


def ranged_entries(playlist: str) -> list[tuple[float, str, str]]:
    """Return each entry's program date-time, file name and HTTP Range, as a player asks."""
    found, moment, wanted = [], 0.0, ""
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            moment = stamp(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-BYTERANGE:"):
            length, offset = (int(n) for n in line.split(":", 1)[1].split("@"))
            wanted = f"bytes={offset}-{offset + length - 1}"
        elif line and not line.startswith("#"):
            found.append((moment, line, wanted))
    return found


async def test_an_event_plays_while_recording_and_after_its_clip(  # noqa: PLR0915 - one event, many checks
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    tmp_path: Path,
) -> None:
    """Trigger an event camera: its event plays (live, then from the clip) and exports."""
    await async_setup_component(hass, "media_source", {})
    camera = rtsp_camera(gop=25, fps=25)
    settings = {
        CONF_RECORD_MODE: "event",
        CONF_PRE_ROLL_SECONDS: PRE_ROLL,
        CONF_POST_ROLL_SECONDS: POST_ROLL,
        CONF_SEGMENT_SECONDS: 4,
    }
    entry = hub_entry(tmp_path, camera_subentry("Porch", camera.url, **settings))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    [handle] = entry.runtime_data.cameras.values()
    store = handle.store
    client = await hass_ws_client(hass)
    http = await hass_client_no_auth()
    key = handle.subentry_id
    # The buffer fills (its first file, which FFmpeg opened while connecting, is long gone
    # by the trigger): an idle camera shows no footage.
    await asyncio.sleep(PRE_ROLL + 8)
    await wait_for_state(hass, SENSOR, "idle")
    idle = await ask(
        client,
        {
            "type": "heldar/timeline",
            "camera": key,
            "start": iso(time.time() - 60),
            "end": iso(time.time() + 5),
        },
    )
    assert idle["spans"] == []

    triggered = time.time()
    handle.async_trigger(POST_ROLL, "motion")
    await wait_for_state(hass, SENSOR, "recording")
    # While it records: its span grows on the timeline and a live playlist plays it.
    async with asyncio.timeout(20):
        while not any(event.segments for event in store.open_events.values()):
            await asyncio.sleep(0.2)
    recording = await ask(
        client,
        {
            "type": "heldar/timeline",
            "camera": key,
            "start": iso(triggered - 60),
            "end": iso(time.time() + 5),
        },
    )
    [span] = recording["spans"]
    assert stamp(span["start"]) <= triggered - PRE_ROLL + 0.5
    live = await ask(
        client, {"type": "heldar/playlist", "camera": key, "start": span["start"], "end": None}
    )
    playlist = await (await http.get(live["url"])).text()
    assert "#EXT-X-ENDLIST" not in playlist
    listed = ranged_entries(playlist)
    assert listed, playlist
    base = live["url"].rsplit("/", 1)[0]
    # As a player asks: the byte range the playlist lists (of a file the range cuts, a token
    # opens no other bytes).
    _, name, wanted = listed[0]
    response = await http.get(f"{base}/{name}", headers={"Range": wanted})
    assert response.status == 206

    # Its window ends; the clip is made, fragmented with its index up front, and plays.
    async with asyncio.timeout(40):
        while not store.events:
            await asyncio.sleep(0.25)
    [event] = store.events.values()
    assert event.state is EventState.FINISHED
    clip = store.directory / str(event.clip)
    assert read_mp4_shape(clip).boxes[:3] == ("ftyp", "moov", "sidx")
    assert event.clip_runs
    seconds = (event.end or 0) - event.start
    assert seconds - 0.3 <= duration(clip) <= seconds + KEYFRAME + 0.3
    # The live playlist that listed the event ends once the camera rests, entries unchanged.
    async with asyncio.timeout(20):
        while "#EXT-X-ENDLIST" not in (ended := await (await http.get(live["url"])).text()):
            await asyncio.sleep(0.5)
    assert ranged_entries(ended)[: len(listed)] == listed

    finished = await ask(
        client,
        {
            "type": "heldar/timeline",
            "camera": key,
            "start": iso(triggered - 60),
            "end": iso(time.time() + 5),
        },
    )
    [span] = finished["spans"]
    [shown] = finished["events"]
    assert shown["id"] == event.id
    assert stamp(span["start"]) <= event.start + 0.1
    assert stamp(span["end"]) >= (event.end or 0) - 0.5
    # A playlist of the event alone lists the clip, fragment by fragment, on the wall clock.
    vod = await ask(
        client,
        {
            "type": "heldar/playlist",
            "camera": key,
            "start": iso(event.start),
            "end": iso(event.end or 0),
        },
    )
    playlist = await (await http.get(vod["url"])).text()
    listed = entries(playlist)
    assert {name for _, name in listed} == {f"event_{event.id}.mp4"}
    assert event.start - KEYFRAME - 0.3 <= listed[0][0] <= event.start + 0.1
    streamed = await probe(str(http.make_url(vod["url"])))
    assert int(str(streamed["nb_read_packets"])) >= 25 * (seconds - 1)

    # An export over the event's end, from inside it to after it, reaches the clip.
    result = await ask(
        client,
        {
            "type": "heldar/export",
            "camera": key,
            "start": iso(event.start + 2),
            "end": iso((event.end or 0) + 20),
        },
    )
    assert abs(result["seconds"] - (seconds - 2)) < 0.6
    assert result["gaps"]
    path = Path(result["path"])
    assert "porch" in path.name
    async with asyncio.timeout(60):
        while not await hass.async_add_executor_job(path.is_file):
            await asyncio.sleep(0.25)
    exported = await hass.async_add_executor_job(duration, path)
    assert seconds - 2 - 0.3 <= exported <= seconds - 2 + KEYFRAME + 0.3
    assert await hass.config_entries.async_unload(entry.entry_id)
