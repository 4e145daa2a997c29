"""heldar/previews lists a range's sheets; the view makes a missing sheet beside its segment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from yarl import URL

from custom_components.heldar.recorder.previews import preview_path
from tests.review_common import START, fragmented_segments, setup_hub


def iso(timestamp: float) -> str:
    """Return a UTC ISO time."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


async def test_sheets_are_listed_and_made_on_request(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    tmp_path: Path,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    """Every footage segment in the range has a sheet; asking for one makes and keeps it."""
    segments = fragmented_segments(tmp_path / "front", 3)
    (hub,) = await setup_hub(hass, tmp_path, "Front")
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id(
        {
            "type": "heldar/previews",
            "camera": hub.camera_id,
            "start": iso(START + 1),
            "end": iso(START + 3),
        }
    )
    answer = await ws.receive_json()
    assert answer["success"], answer
    result = answer["result"]
    assert (result["step"], result["columns"], result["tile_width"]) == (2.0, 10, 160)
    listed = result["sheets"]
    # The segments overlapping 1 s to 3 s: the first two (each 2 s long, two tiles).
    assert [URL(s["url"]).path.rsplit("/", 1)[1] for s in listed] == [p.name for p in segments[:2]]
    assert [s["tiles"] for s in listed] == [2, 2]
    assert listed[0]["start"] == iso(START)
    assert not preview_path(segments[0]).exists()
    client = await hass_client()
    response = await client.get(URL(listed[0]["url"]).path)
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    body = await response.read()
    assert preview_path(segments[0]).read_bytes() == body
    assert not preview_path(segments[1]).exists()  # made only when asked for


async def test_a_range_too_long_or_backwards_is_refused(
    hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path, hass_ws_client: WebSocketGenerator
) -> None:
    """Over two days (thousands of links to sign), or ending before it starts: an error."""
    fragmented_segments(tmp_path / "front", 1)
    (hub,) = await setup_hub(hass, tmp_path, "Front")
    ws = await hass_ws_client(hass)
    for start, end in ((START, START - 1), (START, START + 3 * 86400)):
        await ws.send_json_auto_id(
            {
                "type": "heldar/previews",
                "camera": hub.camera_id,
                "start": iso(start),
                "end": iso(end),
            }
        )
        answer = await ws.receive_json()
        assert not answer["success"]
        assert answer["error"]["code"] == "invalid_range"
    await ws.send_json_auto_id(
        {"type": "heldar/previews", "camera": "nope", "start": iso(START), "end": iso(START + 9)}
    )
    assert (await ws.receive_json())["error"]["code"] == "not_found"


async def test_each_filed_segment_gets_its_sheet_from_the_hubs_maker(
    hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path
) -> None:
    """The hub hands every camera's filed footage to its one maker, in the entry's tasks."""
    (segment,) = fragmented_segments(tmp_path / "front", 1)
    (hub,) = await setup_hub(hass, tmp_path, "Front")
    maker = hub.entry.runtime_data.previews
    assert maker is not None
    assert hub.camera.store.on_footage == maker.submit
    hub.camera.store.on_footage(segment, 2.0)
    assert maker.queued == 1
    async with asyncio.timeout(30):
        while maker.queued:
            await asyncio.sleep(0.05)
    assert preview_path(segment).read_bytes().startswith(b"\xff\xd8")
