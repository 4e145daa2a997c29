"""The attack suite against a real Home Assistant: real users, real logins, real cameras.

The fast cases (tests/security/test_*.py) run against pytest-homeassistant's HA; these repeat
what can be set up through Home Assistant's own APIs against ``python -m homeassistant``, over
HTTP and the websocket, as a browser or a script on the network would. Each case shows the
link working for the person it was made for, then the attack refused; each fails on the code
before issue 23. Expiry and a user limited to some entities cannot be arranged from outside
(HA's API sets no clock and makes no custom groups): the fast suite covers those two.
"""

from __future__ import annotations

import base64
import calendar
import json
from pathlib import Path
import time
import urllib.error
import urllib.request

import pytest

from custom_components.heldar.recorder.fmp4 import read_fragments, read_layout

from .conftest import World, closed, event_of, iso, log_in, timeline

pytestmark = pytest.mark.media


def get(world: World, path: str, **headers: str) -> tuple[int, bytes]:
    """GET a path with no login (the link alone); return status and body."""
    request = urllib.request.Request(f"{world.ha.url}{path}", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as err:
        return int(err.code), err.read()


def playlist_url(world: World, who: object, name: str, start: float, end: float | None) -> str:
    """Ask for a playlist URL of a camera as ``who``."""
    answer = world.one(
        who,  # type: ignore[arg-type]
        {
            "type": "heldar/playlist",
            "camera": world.cameras[name],
            "start": iso(start),
            "end": None if end is None else iso(end),
        },
    )
    assert answer["success"], answer
    url: str = answer["result"]["url"]
    return url


def file_start(path: Path) -> float:
    """Return the wall-clock start a segment's name gives."""
    return float(calendar.timegm(time.strptime(path.name, "%Y%m%d_%H%M%S.mp4")))


def test_forged_and_altered_tokens(world: World, socket_enabled: None) -> None:
    """A token made up, or changed in any field under its signature, opens nothing."""
    files = closed(world, "Front")
    url = playlist_url(world, world.owner, "Front", file_start(files[1]), file_start(files[4]))
    assert get(world, url)[0] == 200
    token = url.split("/")[4]
    body, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert fields[0] == "playlist"
    assert len(fields) == 7  # ... and the login it was issued to
    assert get(world, url.replace("playlist.m3u8", files[2].name))[0] in {200, 206}

    def encode(changed: list[object]) -> str:
        text = json.dumps(changed, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).rstrip(b"=").decode()

    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    bad = {
        "bad signature": f"{body}.{flipped}",
        "no signature": body,
        "made up": f"{encode(['playlist', 'x', 0, None, 0, 9e9, 'y'])}.{signature}",
        "other camera": f"{encode([*fields[:1], world.cameras['Back'], *fields[2:]])}.{signature}",
        "wider range": f"{encode([*fields[:2], 0, None, *fields[4:]])}.{signature}",
        "longer life": f"{encode([*fields[:5], fields[5] + 86400, fields[6]])}.{signature}",
    }
    for why, forged in bad.items():
        for path in ("playlist.m3u8", files[2].name):
            status, data = get(world, f"/api/heldar/hls/{forged}/{path}")
            assert status in {403, 404}, why
            assert b"moof" not in data


def test_a_thumbnail_link_opens_its_thumbnail_only(world: World, socket_enabled: None) -> None:
    """The timeline's thumbnail link is not a playlist token (before: a day's key to everything)."""
    event = event_of(world, world.owner)
    assert event is not None
    status, jpeg = get(world, event["thumbnail"])
    assert status == 200
    assert jpeg[:3] == b"\xff\xd8\xff"
    url = event["thumbnail"]
    pieces = [url.split("authSig=")[-1], *url.split("?")[0].split("/")[3:]]
    for token in pieces:
        for path in ("playlist.m3u8", closed(world, "Front")[0].name):
            status, data = get(world, f"/api/heldar/hls/{token}/{path}")
            assert status in {403, 404}, (token, path)
            assert b"#EXTM3U" not in data


def test_bytes_outside_the_grant(world: World, socket_enabled: None) -> None:
    """A range that cuts a file opens that file's fragments inside it, and nothing else of it."""
    files = closed(world, "Front")
    cut = files[2]
    layout = read_layout(cut)
    assert layout is not None
    fragments = read_fragments(cut, layout)
    # From the middle of the file's last fragment: the keyframe is at least one fragment before.
    start = file_start(cut) + fragments[-1].start - fragments[0].start + 0.3
    url = playlist_url(world, world.owner, "Front", start, file_start(files[4]))
    status, text = get(world, url)
    assert status == 200
    segment = url.replace("playlist.m3u8", cut.name)
    data = cut.read_bytes()
    listed = [
        int(line.split("@")[1])
        for line, name in zip(
            text.decode().splitlines(), text.decode().splitlines()[1:], strict=False
        )
        if line.startswith("#EXT-X-BYTERANGE:") and name == cut.name
    ]
    assert listed, text
    assert min(listed) > layout.init_end  # the file's first fragments are not listed
    status, part = get(world, segment, Range=f"bytes={min(listed)}-{layout.media_end - 1}")
    assert (status, part) == (206, data[min(listed) : layout.media_end])
    assert get(world, segment, Range=f"bytes=0-{layout.init_end - 1}")[0] == 206
    first = fragments[0]
    for asked in (
        f"bytes={first.offset}-{first.offset + first.size - 1}",
        f"bytes={layout.init_end}-{min(listed)}",
        f"bytes={min(listed)}-",
        "bytes=-100",
    ):
        assert get(world, segment, Range=asked)[0] == 403, asked
    assert get(world, segment)[0] == 403
    stale = {"If-Range": "Thu, 01 Jan 1970 00:00:00 GMT"}  # FileResponse: the whole file
    status, part = get(world, segment, Range=f"bytes=0-{layout.init_end - 1}", **stale)
    assert (status, part) == (206, data[: layout.init_end])
    assert get(world, segment, Range=f"bytes={first.offset}-{first.offset + 9}", **stale)[0] == 403


def test_another_cameras_paths_and_escapes(world: World, socket_enabled: None) -> None:
    """Front's token reaches none of Back's files; ``..`` and links out of the folder fail."""
    front, back = closed(world, "Front"), closed(world, "Back")
    url = playlist_url(world, world.owner, "Front", file_start(front[0]), None)
    base = url.rsplit("/", 1)[0]
    assert get(world, f"{base}/{front[1].name}")[0] == 200
    secret = world.folders.parent.parent / "configuration.yaml"
    link = world.folders / "front" / "linked.mp4"
    link.symlink_to(back[0])
    swapped = world.folders / "front" / front[0].name
    try:
        for path in (
            f"{base}/{back[1].name}" if back[1].name not in {f.name for f in front} else None,
            f"{base}/..%2Fback%2F{back[1].name}",
            f"{base}/..%2F..%2F..%2Fconfiguration.yaml",
            f"{base}/linked.mp4",
        ):
            if path is None:
                continue
            status, data = get(world, path)
            assert status in {400, 403, 404}, path
            assert b"moof" not in data
        owner = {"Authorization": f"Bearer {world.owner.access_token}"}
        for path in (
            "/api/heldar/recordings/front/linked.mp4",
            "/api/heldar/recordings/front/..%2F..%2F..%2Fconfiguration.yaml",
            f"/api/heldar/recordings/front/..%2Fback%2F{back[1].name}",
        ):
            status, data = get(world, path, **owner)
            assert status in {400, 403, 404}, path
            assert secret.read_bytes()[:20] not in data
        # An indexed segment swapped for a link to another camera's file.
        swapped.unlink()
        swapped.symlink_to(back[1])
        status, data = get(world, f"{base}/{front[0].name}")
        assert status == 403
        assert b"moof" not in data
    finally:
        link.unlink(missing_ok=True)


def test_twenty_exports_at_once(world: World, socket_enabled: None) -> None:
    """Two run, four wait, the other fourteen are refused with export_queue_full.

    First of the exporting cases, so no earlier export is still in the queue.
    """
    files = closed(world, "Front")
    export = {
        "type": "heldar/export",
        "camera": world.cameras["Front"],
        "start": iso(file_start(files[0])),
        "end": iso(file_start(files[-1])),
    }
    answers = world.ws(world.owner, [export] * 20)
    refused = [a["error"]["code"] for a in answers if not a["success"]]
    assert len(answers) - len(refused) == 6, answers
    assert set(refused) == {"export_queue_full"}


def test_a_non_admin_may_not_export(world: World, socket_enabled: None) -> None:
    """A child's or guest's account may watch, not make copies (over the websocket or REST)."""
    kid = world.user("Kid")
    files = closed(world, "Front")
    export = {
        "type": "heldar/export",
        "camera": world.cameras["Front"],
        "start": iso(file_start(files[0])),
        "end": iso(file_start(files[1])),
    }
    assert world.one(kid, {"type": "heldar/cameras"})["success"]  # may watch
    assert world.one(kid, export)["error"]["code"] == "unauthorized"
    device = world.one(kid, {"type": "heldar/cameras"})["result"]["cameras"][0]["device_id"]
    data = {"camera": device, "start": export["start"], "end": export["end"]}
    assert world.call(kid, "export", data)[0] == 401
    assert world.one(world.owner, export)["success"]


def test_links_die_with_their_login_and_their_user(world: World, socket_enabled: None) -> None:
    """Logging out (the refresh token deleted) or the user removed ends every link they had."""
    files = closed(world, "Front")

    def links(who: object) -> list[str]:
        url = playlist_url(world, who, "Front", file_start(files[0]), file_start(files[3]))
        event = event_of(world, who)  # type: ignore[arg-type]
        assert event is not None
        return [url, url.replace("playlist.m3u8", files[1].name), event["thumbnail"]]

    leaving = world.user("Leaving")
    held = links(leaving)
    assert [get(world, link)[0] for link in held] == [200, 200, 200]
    # Signed out of that device from another one (the profile page's "delete" on a token).
    other = log_in(world.ha, leaving.user_id, "leaving")
    tokens = world.one(other, {"type": "auth/refresh_tokens"})["result"]
    first = next(token["id"] for token in tokens if not token["is_current"])
    answer = world.one(other, {"type": "auth/delete_refresh_token", "refresh_token_id": first})
    assert answer["success"], answer
    assert world.one(other, {"type": "heldar/cameras"})["success"]  # that login still stands
    assert [get(world, link)[0] in {401, 403} for link in held] == [True] * 3

    removed = world.user("Removed")
    held = links(removed)
    assert [get(world, link)[0] for link in held] == [200, 200, 200]
    answer = world.one(world.owner, {"type": "config/auth/delete", "user_id": removed.user_id})
    assert answer["success"], answer
    assert [get(world, link)[0] in {401, 403} for link in held] == [True] * 3


def test_a_revoked_share_link(world: World, socket_enabled: None) -> None:
    """A shared clip opens without a login until it is revoked; then never again."""
    event = event_of(world, world.owner)
    assert event is not None
    media_id = f"media-source://heldar/gate/events/{event['id']}"
    status, shared = world.call(world.owner, "share", {"media_content_id": media_id})
    assert status == 200
    assert shared is not None
    clip, data = get(world, shared["path"])
    assert clip == 200
    assert data[4:8] == b"ftyp"
    assert world.call(world.owner, "unshare", {"share_id": shared["share_id"]})[0] == 200
    assert get(world, shared["path"])[0] == 404


def test_an_export_larger_than_the_free_space(world: World, socket_enabled: None) -> None:
    """With the hub's floor set above what the disk has to spare, the export is refused.

    Last: the floor, set through the hub's reconfigure flow, makes retention free space.
    """
    files = closed(world, "Front")
    export = {
        "type": "heldar/export",
        "camera": world.cameras["Front"],
        "start": iso(file_start(files[0])),
        "end": iso(file_start(files[-1])),
    }
    ha = world.ha
    flow = ha.request(
        "POST", "/api/config/config_entries/flow", {"handler": "heldar", "entry_id": world.entry_id}
    )
    result = ha.request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "storage_dir": str(world.folders),
            "min_free_gb": 100_000,
            "mirror_retention": {"days": 7},
        },
    )
    assert result.get("reason") == "reconfigure_successful", result
    deadline = time.monotonic() + 60
    while (answer := world.one(world.owner, export)).get("error", {}).get("code") in {
        "not_found",
        "no_footage",
    }:
        assert time.monotonic() < deadline, answer
        time.sleep(1)
    assert answer["error"]["code"] == "export_no_space", answer
    assert "free-space floor is 100000.00 GB" in answer["error"]["message"]
    assert timeline(world, world.owner, "Front")["success"]
