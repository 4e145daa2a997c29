"""The review API over the websocket: cameras, timeline, live updates, playlists, export."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.heldar.const import EVENT_RECORDING_FINISHED, EVENT_RECORDING_STARTED
from custom_components.heldar.recorder import events as ev
from custom_components.heldar.recorder.activity import threshold
from custom_components.heldar.recorder.activity_store import ActivityStore
from custom_components.heldar.recorder.events import Event, EventState
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.recorder.status import RecorderState

from .review_common import START, Hub, fragmented_segments, setup_hub


def iso(timestamp: float) -> str:
    """Return a UTC ISO time."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


@pytest.fixture
async def hubs(hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path) -> list[Hub]:
    """Back: 3 segments. Front: 4 segments, a 20 s hole, 2 segments, and a finished event."""
    fragmented_segments(tmp_path / "back", 3)
    fragmented_segments(tmp_path / "front", 4)
    fragmented_segments(tmp_path / "front" / "later", 2, start=START + 28)
    for path in (tmp_path / "front" / "later").iterdir():
        path.rename(tmp_path / "front" / path.name)
    (tmp_path / "front" / "later").rmdir()
    event = Event("20261124_130001_beef", "front", START + 1, START + 5, ["button"])
    event.state, event.trigger, event.end = EventState.FINISHED, START + 1, START + 5
    event.clip = f"events/{event.id}.mp4"
    event.clip_runs = [[0.0, START + 1, 2.0]]  # inside footage: the footage plays
    (tmp_path / "front" / "events").mkdir()
    fragmented_segments(tmp_path / "clip", 1)[0].rename(tmp_path / "front" / event.clip)
    ev.save(tmp_path / "front", event)
    return await setup_hub(hass, tmp_path, "Back", "Front")


async def test_cameras(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, hubs: list[Hub]
) -> None:
    """Every camera with its device, its entities and HA's time zone."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "heldar/cameras"})
    answer = await client.receive_json()
    assert answer["success"], answer
    result = answer["result"]
    assert result["time_zone"] == "Europe/Amsterdam"
    by_name = {camera["name"]: camera for camera in result["cameras"]}
    assert set(by_name) == {"Back", "Front"}
    front = by_name["Front"]
    assert front["camera"] == hubs[1].camera_id
    device = dr.async_get(hass).async_get(front["device_id"])
    assert device is not None
    assert (("heldar", hubs[1].camera_id)) in device.identifiers
    assert front["entities"]["state"].startswith("sensor.")
    assert front["entities"]["recording"].startswith("switch.")
    assert front["entities"]["trigger"].startswith("button.")
    # A URL camera has Heldar's own camera entity, for the card's live picture.
    assert front["entities"]["camera"] == "camera.front"


async def test_timeline(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hubs: list[Hub],
) -> None:
    """Adjacent segments merge into spans; holes inside the range are gaps; events translated."""
    client = await hass_ws_client(hass)
    front = hubs[1]
    await client.send_json_auto_id(
        {
            "type": "heldar/timeline",
            "camera": front.camera_id,
            "start": iso(START - 10),
            "end": iso(START + 40),
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    result = answer["result"]
    assert result["spans"] == [
        {"start": iso(START), "end": iso(START + 8)},
        {"start": iso(START + 28), "end": iso(START + 32)},
    ]
    assert result["gaps"] == [
        {"start": iso(START - 10), "end": iso(START)},
        {"start": iso(START + 8), "end": iso(START + 28)},
        {"start": iso(START + 32), "end": iso(START + 40)},
    ]
    [event] = result["events"]
    assert event["id"] == "20261124_130001_beef"
    assert event["reason"] == "Trigger button pressed"
    assert (event["start"], event["end"]) == (iso(START + 1), iso(START + 5))
    # One of Home Assistant's signed paths, for this one thumbnail.
    assert event["thumbnail"].startswith(f"/api/heldar/thumbnails/front/{event['id']}?authSig=")
    # An <img> loads it without a header (grabbed from the clip by real FFmpeg)...
    http = await hass_client_no_auth()
    response = await http.get(event["thumbnail"])
    assert response.status == HTTPStatus.OK
    assert (await response.read())[:3] == b"\xff\xd8\xff"
    # ...but not with an altered signature, nor for another camera's path.
    signature = event["thumbnail"].rsplit("=", 1)[1]
    altered = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert (await http.get(event["thumbnail"].replace(signature, altered))).status == 401
    assert (await http.get(event["thumbnail"].replace("/front/", "/back/"))).status == 401
    # Another camera's footage is not mixed in; an unknown camera and a reversed range fail.
    await client.send_json_auto_id(
        {"type": "heldar/timeline", "camera": "nope", "start": iso(START), "end": iso(START + 1)}
    )
    assert (await client.receive_json())["error"]["code"] == "not_found"
    await client.send_json_auto_id(
        {
            "type": "heldar/timeline",
            "camera": front.camera_id,
            "start": iso(START + 10),
            "end": iso(START),
        }
    )
    assert (await client.receive_json())["error"]["code"] == "invalid_range"


async def test_subscribe(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hubs: list[Hub],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A newly indexed segment and an event's start and end are pushed to the subscriber."""
    client = await hass_ws_client(hass)
    back = hubs[0]
    await client.send_json_auto_id({"type": "heldar/subscribe", "camera": back.camera_id})
    answer = await client.receive_json()
    assert answer["success"], answer
    subscription = answer["id"]
    new = fragmented_segments(back.folder / "new", 1, start=START + 6)[0]
    new = new.rename(back.folder / new.name)
    assert await hass.async_add_executor_job(
        back.camera.store.index.add_known, new, START + 6, START + 8
    )
    freezer.tick(3)
    async_fire_time_changed(hass)
    message = await client.receive_json()
    assert message["id"] == subscription
    assert message["event"] == {"segment": {"start": iso(START + 6), "end": iso(START + 8)}}
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("heldar", back.camera_id), back.entry.entry_id
    )
    assert device is not None
    common = {"camera": "Back", "device_id": device.id, "event_id": "e1", "start": iso(START + 7)}
    hass.bus.async_fire(EVENT_RECORDING_STARTED, {**common, "reasons": ["button"]})
    message = await client.receive_json()
    assert message["event"]["event"] == {
        "id": "e1",
        "start": iso(START + 7),
        "end": None,
        "reason": "Trigger button pressed",
        "thumbnail": None,
    }
    # While open, the event is on the timeline too.
    await client.send_json_auto_id(
        {
            "type": "heldar/timeline",
            "camera": back.camera_id,
            "start": iso(START),
            "end": iso(START + 60),
        }
    )
    timeline = await client.receive_json()
    assert [event["id"] for event in timeline["result"]["events"]] == ["e1"]
    hass.bus.async_fire(
        EVENT_RECORDING_FINISHED,
        {**common, "reasons": ["button"], "end": iso(START + 9), "clip_url": None},
    )
    message = await client.receive_json()
    assert message["event"]["event"]["end"] == iso(START + 9)
    await client.send_json_auto_id({"type": "unsubscribe_events", "subscription": subscription})
    assert (await client.receive_json())["success"]


async def test_playlist(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hubs: list[Hub],
) -> None:
    """The playlist URL plays without a header; its start is the first recorded instant."""
    client = await hass_ws_client(hass)
    front = hubs[1]
    await client.send_json_auto_id(
        {
            "type": "heldar/playlist",
            "camera": front.camera_id,
            "start": iso(START + 3),
            "end": iso(START + 30),
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    assert answer["result"]["start"] == iso(START + 3)
    url = answer["result"]["url"]
    assert url.startswith("/api/heldar/hls/")
    assert url.endswith("/playlist.m3u8")
    http = await hass_client_no_auth()
    response = await http.get(url)
    assert response.status == HTTPStatus.OK
    text = await response.text()
    names = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert names == [segment_name(START + s) for s in (2, 4, 6, 28)]
    assert "#EXT-X-ENDLIST" in text
    await client.send_json_auto_id(
        {"type": "heldar/playlist", "camera": front.camera_id, "start": iso(START), "end": None}
    )
    live = await client.receive_json()
    # While the camera records, a live playlist goes on; once it rests (its last file filed
    # away), the playlist ends, so a player stops at its end rather than wait for ever.
    status = front.camera.status
    assert status is not None
    long_ago = datetime.fromtimestamp(START, UTC)
    for state, ends in ((RecorderState.RECORDING, False), (RecorderState.IDLE, True)):
        front.camera.status = replace(status, state=state, since=long_ago)
        response = await http.get(live["result"]["url"])
        text = await response.text()
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text
        assert ("#EXT-X-ENDLIST" in text) is ends, state
    front.camera.status = replace(status, state=RecorderState.IDLE, since=datetime.now(UTC))
    response = await http.get(live["result"]["url"])
    assert "#EXT-X-ENDLIST" not in await response.text()  # its last file may not be filed yet


async def test_export_errors(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, hubs: list[Hub]
) -> None:
    """Reversed, too long and empty ranges get their codes and translated messages."""
    client = await hass_ws_client(hass)
    front = hubs[1]
    cases = {
        "invalid_range": (START + 10, START),
        "too_long": (START, START + 25 * 3600),
        "no_footage": (START + 10, START + 20),
    }
    for code, (start, end) in cases.items():
        await client.send_json_auto_id(
            {
                "type": "heldar/export",
                "camera": front.camera_id,
                "start": iso(start),
                "end": iso(end),
            }
        )
        answer = await client.receive_json()
        assert answer["error"]["code"] == code
        assert "{" not in answer["error"]["message"]
        assert answer["error"]["message"] != code


async def test_timeline_activity(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, hubs: list[Hub], tmp_path: Path
) -> None:
    """The timeline carries the active stretches, judged at the camera's sensitivity."""
    levels = [(int(START) + n, 2) for n in range(40)]
    levels += [(int(START) + n, 90) for n in (3, 4, 5, 20)]
    await hass.async_add_executor_job(ActivityStore(tmp_path / "front").write, levels)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "heldar/timeline",
            "camera": hubs[1].camera_id,
            "start": iso(START - 10),
            "end": iso(START + 40),
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    activity = answer["result"]["activity"]
    assert activity == {
        "join": 5,
        "threshold": threshold(0.5),
        "spans": [[int(START) + 3, int(START) + 6], [int(START) + 20, int(START) + 21]],
    }
    # The other camera has none stored: an empty strip, not an error.
    await client.send_json_auto_id(
        {
            "type": "heldar/timeline",
            "camera": hubs[0].camera_id,
            "start": iso(START - 10),
            "end": iso(START + 40),
        }
    )
    assert (await client.receive_json())["result"]["activity"]["spans"] == []
