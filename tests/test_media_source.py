"""Browsing and playing recordings: the media source and the authenticated file view."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from http import HTTPStatus
import json
from pathlib import Path

from homeassistant.components import media_source
from homeassistant.components.media_player import BrowseError
from homeassistant.components.media_source import BrowseMediaSource
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.heldar.const import CONF_PRE_ROLL_SECONDS, CONF_RECORD_MODE
from custom_components.heldar.frames import frame_grabber
from custom_components.heldar.recorder import events as ev
from custom_components.heldar.recorder.activity_store import ActivityStore
from custom_components.heldar.recorder.events import Event, EventState
from custom_components.heldar.recorder.grabber import FrameSource

from .common import camera_subentry, hub_entry
from .recorder.test_index import real_segments

type Recordings = tuple[MockConfigEntry, Path, Event]
START = datetime(2026, 11, 24, 13, 0, 0, tzinfo=UTC).timestamp()


@pytest.fixture
async def recordings(hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path) -> Recordings:
    """A hub with one idle event camera whose folder holds real footage and one event clip.

    The camera never starts FFmpeg (event mode, no pre-roll): the real binary is there for
    ffprobe and for grabbing thumbnails.
    """
    await async_setup_component(hass, "media_source", {})
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    folder = tmp_path / "front"
    real_segments(folder, 4, start=START, seconds=60)
    clip = real_segments(tmp_path / "clips", 1, start=START + 30)[0]
    event = Event("20261124_130030_beef", "Front", START + 30, START + 40, ["motion", "door"])
    event.state, event.trigger, event.end = EventState.FINISHED, START + 32, START + 40
    (folder / "events").mkdir()
    clip.rename(folder / "events" / f"{event.id}.mp4")
    event.clip = f"events/{event.id}.mp4"
    event.clip_bytes = (folder / event.clip).stat().st_size
    ev.save(folder, event)
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front", "rtsp://front/s", **{CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    store = entry.runtime_data.recordings.stores["front"]
    async with asyncio.timeout(20):
        while not store.index.ready:
            await asyncio.sleep(0.05)
    return entry, folder, event


async def browse(hass: HomeAssistant, identifier: str) -> BrowseMediaSource:
    """Browse a Heldar node."""
    return await media_source.async_browse_media(hass, f"media-source://heldar{identifier}")


async def test_browse_tree(hass: HomeAssistant, recordings: Recordings) -> None:
    """Heldar, then the camera, then the local day, then events and hours, then segments."""
    _, _, event = recordings
    root = await browse(hass, "")
    assert [child.title for child in root.children] == ["Front"]
    camera = await browse(hass, "/front")
    assert [child.title for child in camera.children] == ["Tue 24 Nov 2026"]
    day = await browse(hass, "/front/day/2026-11-24")
    titles = [child.title for child in day.children]
    # 13:00 UTC is 14:00 in Amsterdam; the event (trigger 14:00:32) comes first.
    # Titles lead with what tells tiles apart (tiles cut long titles), then camera and date.
    assert titles == [
        "14:00:32 motion, door (10 s) · Front, Tue 24 Nov 2026",
        "14:00-15:00 · Front, Tue 24 Nov 2026",
    ]
    assert day.children[0].can_play
    assert day.children[0].thumbnail == f"/api/heldar/thumbnails/front/{event.id}"
    # The hour tile plays the whole hour (HLS) and opens on its segments.
    assert day.children[1].can_play
    assert day.children[1].can_expand
    assert day.children[1].media_content_type == "application/x-mpegURL"
    hour = await browse(hass, "/front/hour/2026-11-24T14")
    # The whole hour first, then the segments newest first, each titled with camera and date
    # (the player shows the title) and with the thumbnail of its first keyframe.
    assert [child.title for child in hour.children] == [
        "14:00-15:00 (whole hour) · Front, Tue 24 Nov 2026",
        "14:03:00 · Front, Tue 24 Nov 2026",
        "14:02:00 · Front, Tue 24 Nov 2026",
        "14:01:00 · Front, Tue 24 Nov 2026",
        "14:00:00 · Front, Tue 24 Nov 2026",
    ]
    assert hour.children[1].thumbnail == "/api/heldar/segment_thumbnails/front/20261124_130300.mp4"
    for missing in ("/nowhere", "/front/day/yesterday", "/front/hour/xx", "/front/week/1"):
        with pytest.raises(BrowseError):
            await browse(hass, missing)


async def test_resolve(hass: HomeAssistant, recordings: Recordings) -> None:
    """Clips and segments resolve to the recordings view, as MP4."""
    _, _, event = recordings
    played = await media_source.async_resolve_media(
        hass, f"media-source://heldar/front/events/{event.id}", None
    )
    assert played.mime_type == "video/mp4"
    assert played.url.startswith(f"/api/heldar/recordings/front/events/{event.id}.mp4")
    hour = await browse(hass, "/front/hour/2026-11-24T14")
    segment = await media_source.async_resolve_media(hass, hour.children[-1].media_content_id, None)
    assert "/api/heldar/recordings/front/20261124_130000.mp4" in segment.url
    whole = await media_source.async_resolve_media(hass, hour.children[0].media_content_id, None)
    assert whole.mime_type == "application/x-mpegURL"
    assert whole.url.startswith("/api/heldar/hls/")
    assert whole.url.endswith("/playlist.m3u8")
    for unknown in (
        "front/events/nope",
        "front/segment/nope.mp4",
        "back/events/x",
        "front",
        "front/hour/2026-11-25T14",
        "front/hour/2026-11-24T25",
        "front/range/1-99999",
    ):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_resolve_media(hass, f"media-source://heldar/{unknown}", None)


async def test_view_streams_with_ranges(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, recordings: Recordings
) -> None:
    """Whole files and byte ranges, with the MP4 type; nothing is left marked as playing."""
    entry, folder, event = recordings
    client = await hass_client()
    clip = folder / event.clip
    body = clip.read_bytes()
    response = await client.get(f"/api/heldar/recordings/front/{event.clip}")
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"] == "video/mp4"
    assert await response.read() == body
    response = await client.get(
        f"/api/heldar/recordings/front/{event.clip}", headers={"Range": "bytes=100-299"}
    )
    assert response.status == HTTPStatus.PARTIAL_CONTENT
    assert response.headers["Content-Range"] == f"bytes 100-299/{len(body)}"
    assert await response.read() == body[100:300]
    async with asyncio.timeout(2):  # the server finishes its send just after the client reads
        while entry.runtime_data.recordings.in_use:
            await asyncio.sleep(0.01)


async def test_view_refuses_escapes(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    recordings: Recordings,
    tmp_path: Path,
) -> None:
    """Paths out of the camera folder, hidden files, links and unknown cameras are refused."""
    _, folder, event = recordings
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"not yours")
    (folder / "link.mp4").symlink_to(outside)
    (folder / "up").symlink_to(tmp_path)
    client = await hass_client()
    refused = {HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND}
    cases = {
        # Climbing out: whatever normalises the URL, the answer is a refusal, never the file.
        "front/%2e%2e/secret.mp4": refused,
        "front/events%2F..%2F..%2Fsecret.mp4": refused,
        "front/.index.json": {HTTPStatus.FORBIDDEN},
        "front/events/" + event.id + ".json": {HTTPStatus.FORBIDDEN},
        "front/link.mp4": {HTTPStatus.FORBIDDEN},
        "front/up/secret.mp4": {HTTPStatus.FORBIDDEN},
        "front/%2Fetc%2Fpasswd.mp4": refused,
        "front/missing.mp4": {HTTPStatus.NOT_FOUND},
        "back/" + event.clip: {HTTPStatus.NOT_FOUND},
    }
    for path, expected in cases.items():
        response = await client.get(URL(f"/api/heldar/recordings/{path}", encoded=True))
        assert response.status in expected, path
        assert b"not yours" not in await response.read()
    anonymous = await hass_client_no_auth()
    response = await anonymous.get(f"/api/heldar/recordings/front/{event.clip}")
    assert response.status == HTTPStatus.UNAUTHORIZED


async def test_thumbnail_is_grabbed_once(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    recordings: Recordings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first request grabs a JPEG from the clip (real FFmpeg); later ones reuse it."""
    _, folder, event = recordings
    grabber = frame_grabber(hass)
    runs: list[FrameSource] = []
    real = grabber.run

    async def counted(source: FrameSource, bound: float) -> bytes | None:
        runs.append(source)
        return await real(source, bound)

    monkeypatch.setattr(grabber, "run", counted)
    before = sorted(path.name for path in folder.rglob("*"))
    client = await hass_client()
    response = await client.get(f"/api/heldar/thumbnails/front/{event.id}")
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"] == "image/jpeg"
    jpeg = await response.read()
    assert jpeg[:3] == b"\xff\xd8\xff"
    grabs = len(runs)
    assert 1 <= grabs <= 2  # the trigger's keyframe, else the clip's first
    response = await client.get(f"/api/heldar/thumbnails/front/{event.id}")
    assert await response.read() == jpeg
    assert len(runs) == grabs
    assert sorted(path.name for path in folder.rglob("*")) == before  # kept in memory only
    response = await client.get("/api/heldar/thumbnails/front/nope")
    assert response.status == HTTPStatus.NOT_FOUND


async def test_segment_thumbnail(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, recordings: Recordings
) -> None:
    """A segment's first keyframe as a JPEG (real FFmpeg), kept in memory, not on disk."""
    _, folder, _ = recordings
    client = await hass_client()
    before = sorted(path.name for path in folder.rglob("*"))
    url = "/api/heldar/segment_thumbnails/front/20261124_130100.mp4"
    response = await client.get(url)
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"] == "image/jpeg"
    jpeg = await response.read()
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert (await (await client.get(url)).read()) == jpeg
    assert sorted(path.name for path in folder.rglob("*")) == before
    for missing in ("front/20261124_990000.mp4", "front/.index.json", "back/20261124_130100.mp4"):
        response = await client.get(f"/api/heldar/segment_thumbnails/{missing}")
        assert response.status == HTTPStatus.NOT_FOUND


async def test_titles_say_which_stream(hass: HomeAssistant, recordings: Recordings) -> None:
    """A camera with a sub-stream: footage and clips are titled with the stream they hold."""
    entry, folder, event = recordings
    store = entry.runtime_data.recordings.stores["front"]
    # The index cache keeps each segment's stream: mark the newest one as the sub-stream's.
    cache = folder / ".index.json"
    records = json.loads(cache.read_text())
    newest = store.index.segments[-1].name
    records[newest] = [*records[newest][:4], "sub"]
    cache.write_text(json.dumps(records))
    await store.index.rebuild()
    assert store.index.get(newest).stream == "sub"  # type: ignore[union-attr]
    store.events[event.id].stream = "main"
    day = await browse(hass, "/front/day/2026-11-24")
    assert (
        day.children[0].title
        == "14:00:32 motion, door (10 s), main stream · Front, Tue 24 Nov 2026"
    )
    hour = await browse(hass, "/front/hour/2026-11-24T14")
    assert hour.children[1].title == "14:03:00, sub-stream · Front, Tue 24 Nov 2026"
    assert hour.children[2].title == "14:02:00 · Front, Tue 24 Nov 2026"


async def test_hour_titles_mark_active_stretches(
    hass: HomeAssistant, recordings: Recordings
) -> None:
    """An hour's tile names the five-minute stretches its stored activity levels mark."""
    _, folder, _ = recordings
    store = ActivityStore(folder)
    idle = [(int(START) + n, 2) for n in range(240)]  # measured and quiet
    active = [(int(START) + n, 120) for n in (10, 11, 12, 200)]  # 14:00:10 and 14:03:20
    await hass.async_add_executor_job(store.write, idle + active)
    day = await browse(hass, "/front/day/2026-11-24")
    assert day.children[1].title == "14:00-15:00, active 14:00 · Front, Tue 24 Nov 2026"
    # A later burst in another stretch is marked too, in time order.
    await hass.async_add_executor_job(store.write, [(int(START) + 400, 200)])  # 14:06:40
    day = await browse(hass, "/front/day/2026-11-24")
    assert day.children[1].title == "14:00-15:00, active 14:00, 14:05 · Front, Tue 24 Nov 2026"
