"""Playlist and thumbnail links: each opens what it was made for, for its login, for its time.

Every case first shows the link working for the person it was made for, then the attack
failing; each fails on the code before issue 23 (see the commit that added this suite).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import partial
import hashlib
import hmac
import json
import os
from pathlib import Path
import subprocess
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from yarl import URL

from custom_components.heldar.recorder import events as ev
from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.events import Event, EventState
from custom_components.heldar.recorder.fmp4 import Fragment, read_fragments, read_layout
from custom_components.heldar.recorder.segments import segment_name
from tests.review_common import START

from .conftest import Fetch, Person, Site

OK = {200, 206}


def iso(timestamp: float) -> str:
    """Return a UTC ISO time."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


async def ask(
    hass: HomeAssistant, ws: WebSocketGenerator, who: Person, message: dict[str, Any]
) -> dict[str, Any]:
    """Send one websocket command as ``who``; return the whole answer."""
    client = await ws(hass, who.access)
    await client.send_json_auto_id(message)
    answer: dict[str, Any] = await client.receive_json()
    await client.close()
    return answer


async def playlist(
    hass: HomeAssistant,
    ws: WebSocketGenerator,
    who: Person,
    camera: str,
    start: float,
    end: float | None,
) -> str:
    """Ask for a playlist URL as ``who``."""
    answer = await ask(
        hass,
        ws,
        who,
        {
            "type": "heldar/playlist",
            "camera": camera,
            "start": iso(start),
            "end": None if end is None else iso(end),
        },
    )
    assert answer["success"], answer
    url: str = answer["result"]["url"]
    return url


def token_of(url: str) -> str:
    """Return the path token of a playlist URL."""
    return url.split("/")[4]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fields_of(token: str) -> list[Any]:
    """Return what a token's body says."""
    decoded: list[Any] = json.loads(_unb64(token.split(".", maxsplit=1)[0]))
    return decoded


def with_fields(token: str, fields: list[Any]) -> str:
    """Return ``token`` with its body replaced and its signature kept (an altered token)."""
    body = json.dumps(fields, separators=(",", ":")).encode()
    return f"{_b64(body)}.{token.split('.')[1]}"


def segments_listed(text: str) -> list[tuple[str, int, int]]:
    """Return (file, offset, length) of every media entry of a playlist."""
    entries = []
    byterange = None
    for line in text.splitlines():
        if line.startswith("#EXT-X-BYTERANGE:"):
            length, offset = line.split(":")[1].split("@")
            byterange = (int(offset), int(length))
        elif line and not line.startswith("#") and byterange is not None:
            entries.append((line, *byterange))
    return entries


def starts_on_keyframe(path: Path, fragment: Fragment) -> bool:
    """Whether a fragment's first video packet is a keyframe, as ffprobe reports it."""
    argv = ["ffprobe", "-v", "error", "-select_streams", "v", "-of", "json"]
    argv += ["-show_entries", "packet=pos,flags", str(path)]
    packets = json.loads(subprocess.run(argv, check=True, capture_output=True).stdout)["packets"]
    end = fragment.offset + fragment.size
    inside = [p for p in packets if fragment.offset <= int(p["pos"]) < end]
    return min(inside, key=lambda p: int(p["pos"]))["flags"].startswith("K")


async def test_every_link_names_its_login_and_a_forged_one_is_refused(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """A playlist token is a playlist token of one camera and one login; forgeries get 403."""
    url = await playlist(hass, hass_ws_client, site.kid, site.front.camera_id, START, START + 8)
    token = token_of(url)
    kind, camera, *_, login = fields_of(token)
    assert (kind, camera, login) == ("playlist", site.front.camera_id, site.kid.refresh.id)
    assert (await fetch(url))[0] == 200
    first = segment_name(START)
    random_signature = f"{token.split('.')[0]}.{_b64(os.urandom(16))}"
    guessed_key = hmac.digest(b"\0" * 32, _unb64(token.split(".")[0]), hashlib.sha256)[:16]
    guessed = f"{token.split('.')[0]}.{_b64(guessed_key)}"
    made_up = f"{_b64(os.urandom(120))}.{_b64(os.urandom(16))}"
    for forged in (random_signature, guessed, made_up, "x.y"):
        for path in ("playlist.m3u8", first):
            status, body = await fetch(f"/api/heldar/hls/{forged}/{path}")
            assert status == 403, (forged, path)
            assert b"moof" not in body


async def test_an_altered_token_is_refused(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """Another camera, a wider range, a later expiry or another login: the signature fails."""
    url = await playlist(hass, hass_ws_client, site.kid, site.front.camera_id, START, START + 4)
    token = token_of(url)
    fields = fields_of(token)
    assert len(fields) == 7, fields  # kind, camera, start, end, issued, expires, login
    assert (await fetch(url))[0] == 200
    changes = {
        1: site.back.camera_id,
        2: START - 3600,
        3: START + 86400,
        5: fields[5] + 86400,
        6: site.admin.refresh.id,
    }
    for index, value in changes.items():
        altered = with_fields(token, [*fields[:index], value, *fields[index + 1 :]])
        assert (await fetch(f"/api/heldar/hls/{altered}/playlist.m3u8"))[0] == 403, index
        assert (await fetch(f"/api/heldar/hls/{altered}/{segment_name(START)}"))[0] == 403


async def test_an_expired_token_is_refused(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    site: Site,
    fetch: Fetch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A playlist token lives 6 hours, a thumbnail 24 hours; then both are refused."""
    url = await playlist(hass, hass_ws_client, site.kid, site.front.camera_id, START, START + 8)
    timeline = await ask(
        hass,
        hass_ws_client,
        site.kid,
        {
            "type": "heldar/timeline",
            "camera": site.front.camera_id,
            "start": iso(START - 10),
            "end": iso(START + 40),
        },
    )
    thumbnail = timeline["result"]["events"][0]["thumbnail"]
    assert (await fetch(url))[0] == 200
    assert (await fetch(thumbnail))[0] == 200
    freezer.tick(timedelta(hours=6, seconds=1))
    assert (await fetch(url))[0] == 403
    assert (await fetch(url.replace("playlist.m3u8", segment_name(START))))[0] == 403
    assert (await fetch(thumbnail))[0] == 200
    freezer.tick(timedelta(hours=18))
    assert (await fetch(thumbnail))[0] in {401, 403}


async def _links_of(
    hass: HomeAssistant, ws: WebSocketGenerator, site: Site, who: Person
) -> list[str]:
    """Return a playlist, one of its segments and an event thumbnail, all working for ``who``."""
    url = await playlist(hass, ws, who, site.front.camera_id, START, START + 8)
    timeline = await ask(
        hass,
        ws,
        who,
        {
            "type": "heldar/timeline",
            "camera": site.front.camera_id,
            "start": iso(START - 10),
            "end": iso(START + 40),
        },
    )
    return [
        url,
        url.replace("playlist.m3u8", segment_name(START + 4)),
        timeline["result"]["events"][0]["thumbnail"],
    ]


async def test_a_link_dies_with_its_refresh_token(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """Logging out (the refresh token revoked) ends every link that login was given."""
    links = await _links_of(hass, hass_ws_client, site, site.kid)
    for link in links:
        assert (await fetch(link))[0] in OK, link
    hass.auth.async_remove_refresh_token(site.kid.refresh)
    for link in links:
        assert (await fetch(link))[0] in {401, 403}, link


async def test_a_link_dies_with_its_user(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """A deactivated user's links stop; so do a removed user's."""
    links = await _links_of(hass, hass_ws_client, site, site.kid)
    for link in links:
        assert (await fetch(link))[0] in OK, link
    await hass.auth.async_update_user(site.kid.user, is_active=False)
    for link in links:
        assert (await fetch(link))[0] in {401, 403}, link
    # Removed: the guest's links, made while there, stop too.
    guest = await playlist(hass, hass_ws_client, site.back_only, site.back.camera_id, 0, None)
    assert (await fetch(guest))[0] == 200
    await hass.auth.async_remove_user(site.back_only.user)
    assert (await fetch(guest))[0] == 403


async def test_a_thumbnail_link_is_not_a_playlist_link(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """A timeline's thumbnail opens that one JPEG: not a playlist, not another thumbnail.

    Before, every thumbnail carried a 24-hour token for all of the camera's footage.
    """
    timeline = await ask(
        hass,
        hass_ws_client,
        site.kid,
        {
            "type": "heldar/timeline",
            "camera": site.front.camera_id,
            "start": iso(START - 10),
            "end": iso(START + 40),
        },
    )
    thumbnail = timeline["result"]["events"][0]["thumbnail"]
    status, jpeg = await fetch(thumbnail)
    assert status == 200
    assert jpeg[:3] == b"\xff\xd8\xff"
    parsed = URL(thumbnail)
    tokens = list(parsed.query.values()) + list(parsed.parts[1:])
    for token in tokens:
        for path in ("playlist.m3u8", segment_name(START)):
            status, body = await fetch(URL(f"/api/heldar/hls/{token}/{path}", encoded=False))
            assert status in {403, 404}, (token, path)
            assert b"#EXTM3U" not in body
            assert b"moof" not in body
    # The signature is for that one path: another event, another camera, or the clip itself.
    signature = parsed.query["authSig"]
    for other in (
        f"/api/heldar/thumbnails/front/20261124_130001_dead?authSig={signature}",
        f"/api/heldar/thumbnails/back/{parsed.parts[-1]}?authSig={signature}",
        f"/api/heldar/recordings/front/events/{parsed.parts[-1]}.mp4?authSig={signature}",
    ):
        assert (await fetch(other))[0] == 401, other


async def test_bytes_outside_the_grant_are_refused(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """A range cutting a file opens the fragments inside it (from the keyframe before) only.

    Refused: bytes of fragments before or after the range, the trailing index, an unranged
    request for a cut file. ``If-Range`` (with which ``FileResponse`` sends the whole file when it
    does not match) gets the checked range, never more.
    """
    folder = site.front.folder
    names = sorted(path.name for path in folder.glob("2026*.mp4"))
    # The first file with a second keyframe and a fragment after it that starts on none
    # (keyframes as ffprobe sees the packets, not as Heldar reads the boxes).
    for cut in names:
        layout = read_layout(folder / cut)
        assert layout is not None
        fragments = read_fragments(folder / cut, layout)
        keyframes = [f for f in fragments if starts_on_keyframe(folder / cut, f)]
        if len(keyframes) > 1 and fragments[-1] not in keyframes:
            break
    late, keyframe = fragments[-1], keyframes[-1]
    base = datetime.strptime(cut, "%Y%m%d_%H%M%S.mp4").replace(tzinfo=UTC).timestamp()
    start = base + late.start - fragments[0].start + 0.05  # inside ``late``
    end = START + 100
    url = await playlist(hass, hass_ws_client, site.kid, site.front.camera_id, start, end)
    status, text = await fetch(url)
    assert status == 200
    listed = [entry for entry in segments_listed(text.decode()) if entry[0] == cut]
    assert listed, text
    # Listed: from the keyframe's fragment at or before the start, not the whole file.
    assert listed[0][1] == keyframe.offset
    segment = url.replace("playlist.m3u8", cut)
    data = (folder / cut).read_bytes()

    async def ranged(low: int, high: int, **headers: str) -> int:
        status, body = await fetch(segment, Range=f"bytes={low}-{high - 1}", **headers)
        if status == 206:
            assert body == data[low:high]
        return status

    assert await ranged(0, layout.init_end) == 206
    assert await ranged(keyframe.offset, layout.media_end) == 206
    assert await ranged(fragments[0].offset, fragments[0].offset + fragments[0].size) == 403
    assert await ranged(layout.init_end, keyframe.offset + 10) == 403
    assert await ranged(keyframe.offset, len(data)) == 403  # with the mfra index
    stale = {"If-Range": "Thu, 01 Jan 1970 00:00:00 GMT"}  # would send the whole file
    assert await ranged(0, layout.init_end, **stale) == 206
    assert await ranged(fragments[0].offset, fragments[0].offset + 10, **stale) == 403
    assert (await fetch(segment, Range="bytes=-64"))[0] == 403
    assert (await fetch(segment, Range="bytes=0-"))[0] == 403
    assert (await fetch(segment))[0] == 403
    # A file wholly inside the range is open whole.
    inside = url.replace("playlist.m3u8", names[-1])
    assert (await fetch(inside))[0] == 200


async def test_an_event_clips_bytes_outside_the_grant_are_refused(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """An event clip is scoped as a segment is: a range inside it opens its fragments only.

    Before, a playlist token opened the whole clip of any event its range touched.
    """
    folder = site.front.folder
    event = Event("20261124_130500_c1ip", "front", START + 300, START + 306, ["button"])
    event.state, event.trigger, event.end = EventState.FINISHED, START + 300, START + 306
    event.clip = f"events/{event.id}.mp4"
    event.clip_runs = [[0.0, START + 300, 6.0]]  # no footage of the camera lies there
    clip = folder / event.clip
    argv = [
        *("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10"),
        *("-t", "6", "-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p", "-f", "mp4"),
        *(arg for option in FRAGMENTED_MP4.split(":") for arg in _flag(option)),
        str(clip),
    ]
    await hass.async_add_executor_job(partial(subprocess.run, argv, check=True))
    await hass.async_add_executor_job(ev.save, folder, event)
    site.front.camera.store.event_finished(event)
    layout = read_layout(clip)
    assert layout is not None
    fragments = read_fragments(clip, layout)
    assert len(fragments) >= 5
    url = await playlist(
        hass, hass_ws_client, site.kid, site.front.camera_id, START + 303.5, START + 400
    )
    status, text = await fetch(url)
    assert status == 200
    name = f"event_{event.id}.mp4"
    listed = [entry for entry in segments_listed(text.decode()) if entry[0] == name]
    assert listed, text
    first = next(f for f in fragments if f.offset == listed[0][1])
    assert first.start - fragments[0].start == 3.0  # the keyframe before 3.5 s into the clip
    link = url.replace("playlist.m3u8", name)
    for offset, length in ((0, layout.init_end), (listed[0][1], listed[0][2])):
        assert (await fetch(link, Range=f"bytes={offset}-{offset + length - 1}"))[0] == 206
    before = fragments[0]
    wanted = f"bytes={before.offset}-{before.offset + before.size - 1}"
    assert (await fetch(link, Range=wanted))[0] == 403
    assert (await fetch(link, Range="bytes=0-"))[0] == 403
    assert (await fetch(link))[0] == 403


def _flag(option: str) -> tuple[str, str]:
    key, value = option.split("=", 1)
    return f"-{key}", value


async def test_another_cameras_footage_is_refused(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, site: Site, fetch: Fetch
) -> None:
    """Front's token opens no file of Back's; a user who may see Back only, none of Front's."""
    url = await playlist(hass, hass_ws_client, site.admin, site.front.camera_id, START, START + 8)
    back_file = segment_name(START + 100)
    assert (await fetch(url.replace("playlist.m3u8", segment_name(START))))[0] == 200
    for path in (back_file, f"..%2Fback%2F{back_file}", f"..%2F..%2Fback%2F{back_file}"):
        status, body = await fetch(URL(url.replace("playlist.m3u8", path), encoded=True))
        assert status in {400, 403, 404}, path
        assert b"moof" not in body
    guest = site.back_only.access
    assert (await fetch(f"/api/heldar/recordings/back/{back_file}", guest))[0] == 200
    for path in (
        f"/api/heldar/recordings/front/{segment_name(START)}",
        "/api/heldar/recordings/front/events/20261124_130001_beef.mp4",
        "/api/heldar/thumbnails/front/20261124_130001_beef",
        f"/api/heldar/segment_thumbnails/front/{segment_name(START)}",
    ):
        status, body = await fetch(path, guest)
        assert status == 403, path
        assert b"moof" not in body
        assert body[:3] != b"\xff\xd8\xff"


async def test_dot_dot_and_symbolic_links_are_refused(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    site: Site,
    fetch: Fetch,
    tmp_path: Path,
) -> None:
    """``..`` in any spelling, and links out of the folder, even in a segment's place."""
    admin = site.admin.access
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"\0\0\0\x18ftypisomSECRET")
    back_file = site.back.folder / segment_name(START + 100)
    (site.front.folder / "linked.mp4").symlink_to(secret)
    (site.front.folder / "outside").symlink_to(tmp_path)
    for path in (
        "/api/heldar/recordings/front/linked.mp4",
        "/api/heldar/recordings/front/outside/secret.mp4",
        "/api/heldar/recordings/front/..%2Fsecret.mp4",
        "/api/heldar/recordings/front/%2e%2e/secret.mp4",
        f"/api/heldar/recordings/front/..%2Fback%2F{back_file.name}",
        "/api/heldar/recordings/front/%2Fetc%2Fpasswd",
    ):
        status, body = await fetch(URL(path, encoded=True), admin)
        assert status in {400, 403, 404}, path
        assert b"SECRET" not in body
        assert b"moof" not in body
    # A segment the index knows, swapped for a link to another camera's file.
    url = await playlist(hass, hass_ws_client, site.admin, site.front.camera_id, START, START + 8)
    swapped = site.front.folder / segment_name(START + 2)
    assert (await fetch(url.replace("playlist.m3u8", swapped.name)))[0] == 200
    swapped.unlink()
    swapped.symlink_to(back_file)
    status, body = await fetch(url.replace("playlist.m3u8", swapped.name))
    assert status == 403
    assert b"moof" not in body
