"""HLS over the segment files as they are: layouts, playlists, path tokens, real players."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import itertools
import json
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.heldar import hls, tokens
from custom_components.heldar.recorder.fmp4 import read_fragments, read_layout
from custom_components.heldar.recorder.segments import read_mp4_shape, segment_name

from .review_common import START, Hub, fragmented_segments, login_of, setup_hub


@pytest.fixture
def login(hass: HomeAssistant, hass_access_token: str) -> str:
    """Return an administrator's login (refresh token id), which playlist tokens are bound to."""
    return login_of(hass, hass_access_token)


@pytest.fixture
async def hubs(hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path) -> list[Hub]:
    """Back: 2 segments; Front: 3 segments, a 20 s hole, 2 segments (2 s each, 10 fps)."""
    fragmented_segments(tmp_path / "back", 2, start=START + 100)
    fragmented_segments(tmp_path / "front", 3)
    for path in fragmented_segments(tmp_path / "later", 2, start=START + 26):
        path.rename(tmp_path / "front" / path.name)
    (tmp_path / "later").rmdir()
    (tmp_path / "front" / "notes.mp4").write_bytes(b"not footage")
    return await setup_hub(hass, tmp_path, "Back", "Front")


def test_layout_points_into_the_file(tmp_path: Path) -> None:
    """Init is ftyp+moov; media is the fragments, without the trailing mfra; tfdt gives times."""
    path = fragmented_segments(tmp_path, 1, gop=5)[0]
    shape = read_mp4_shape(path)
    assert shape.boxes[:2] == ("ftyp", "moov")
    assert shape.boxes[-1] == "mfra"
    layout = read_layout(path)
    assert layout is not None
    data = path.read_bytes()
    assert data[layout.init_end + 4 : layout.init_end + 8] == b"moof"
    assert data[layout.media_end + 4 : layout.media_end + 8] == b"mfra"
    assert layout.timescale > 0
    fragments = read_fragments(path, layout)
    assert [round(f.start, 3) for f in fragments] == [0.0, 0.5, 1.0, 1.5]
    assert fragments[0].offset == layout.init_end
    for before, after in itertools.pairwise(fragments):
        assert before.offset + before.size == after.offset
    assert fragments[-1].offset + fragments[-1].size == layout.media_end
    # A file cut short (being written) lists only its complete fragments.
    growing = tmp_path / "growing.mp4"
    growing.write_bytes(data[: fragments[2].offset + 20])
    short = read_layout(growing)
    assert short is not None
    assert len(read_fragments(growing, short)) == 2
    assert read_layout(tmp_path / "growing.mp4") is not None
    (tmp_path / "junk.mp4").write_bytes(b"junk")
    assert read_layout(tmp_path / "junk.mp4") is None


def test_playlist_text() -> None:
    """Every file starts with a discontinuity (timestamps restart) and its own map."""
    parts = [
        hls.Part("a.mp4", START, 2.0, 800, 1000, 800, first_of_file=True),
        hls.Part("b.mp4", START + 2, 1.5, 800, 900, 800, first_of_file=True),
        hls.Part("b.mp4", START + 3.5, 0.5, 1700, 300, 800, first_of_file=False),
    ]
    text = hls.build_playlist(parts, live=False)
    lines = text.splitlines()
    assert lines[:7] == [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-DISCONTINUITY-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    assert lines[7:12] == [
        '#EXT-X-MAP:URI="a.mp4",BYTERANGE="800@0"',
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T13:00:00.000+00:00",
        "#EXTINF:2.000,",
        "#EXT-X-BYTERANGE:1000@800",
        "a.mp4",
    ]
    assert lines.count("#EXT-X-DISCONTINUITY") == 1
    assert lines.count("#EXT-X-PROGRAM-DATE-TIME:2026-11-24T13:00:03.500+00:00") == 1
    assert lines[-1] == "#EXT-X-ENDLIST"
    live = hls.build_playlist(parts, live=True)
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in live
    assert "#EXT-X-ENDLIST" not in live


async def test_playlist_and_segments_through_the_view(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hubs: list[Hub],
    login: str,
) -> None:
    """The token opens the playlist and the byte ranges it names, and nothing else."""
    back, front = hubs
    token = tokens.issue(hass, front.camera_id, START + 1, START + 40, login)
    http = await hass_client_no_auth()
    response = await http.get(f"/api/heldar/hls/{token}/playlist.m3u8")
    assert response.status == HTTPStatus.OK
    assert response.content_type == hls.MIME_HLS
    lines = (await response.text()).splitlines()
    names = [line for line in lines if line and not line.startswith("#")]
    assert names == [segment_name(START + s) for s in (0, 2, 4, 26, 28)]
    assert lines.count("#EXT-X-DISCONTINUITY") == 4
    assert sum(line.startswith("#EXT-X-PROGRAM-DATE-TIME:") for line in lines) == 5
    ranges = [line.split(":")[1] for line in lines if line.startswith("#EXT-X-BYTERANGE:")]
    length, offset = (int(part) for part in ranges[0].split("@"))
    first = front.folder / names[0]
    response = await http.get(
        f"/api/heldar/hls/{token}/{names[0]}",
        headers={"Range": f"bytes={offset}-{offset + length - 1}"},
    )
    assert response.status == HTTPStatus.PARTIAL_CONTENT
    assert await response.read() == first.read_bytes()[offset : offset + length]

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    expired = tokens.issue(hass, front.camera_id, START, START + 40, login, ttl=-1)
    other = tokens.issue(hass, back.camera_id, START, START + 200, login)
    narrow = tokens.issue(hass, front.camera_id, START + 26, START + 40, login)
    cases: dict[str, HTTPStatus | set[HTTPStatus]] = {
        f"{forged}/playlist.m3u8": HTTPStatus.FORBIDDEN,
        f"{expired}/playlist.m3u8": HTTPStatus.FORBIDDEN,
        f"{forged}/{names[0]}": HTTPStatus.FORBIDDEN,
        f"{expired}/{names[0]}": HTTPStatus.FORBIDDEN,
        "nottoken/playlist.m3u8": HTTPStatus.NOT_FOUND,
        # Another camera's token does not open this camera's files...
        f"{other}/{names[0]}": HTTPStatus.NOT_FOUND,
        # ...nor does a token open footage outside its range, or anything but a segment.
        f"{narrow}/{names[0]}": HTTPStatus.FORBIDDEN,
        f"{token}/notes.mp4": HTTPStatus.FORBIDDEN,
        f"{token}/.index.json": HTTPStatus.FORBIDDEN,
        f"{token}/%2e%2e%2Fback%2F{segment_name(START + 100)}": {
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.NOT_FOUND,
        },
        f"{token}/{segment_name(START + 300)}": HTTPStatus.NOT_FOUND,
    }
    for path, status in cases.items():
        response = await http.get(URL(f"/api/heldar/hls/{path}", encoded=True))
        assert response.status in (status if isinstance(status, set) else {status}), path
        assert b"moof" not in await response.read()
    async with asyncio.timeout(2):
        while front.entry.runtime_data.recordings.in_use:
            await asyncio.sleep(0.01)


async def test_a_range_plays_for_exactly_its_length(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hubs: list[Hub],
    login: str,
) -> None:
    """A playlist of 1 s to 5 s lasts 4 s: files cut to their keyframe fragments at both ends.

    Whole files were listed before, so a media browser "five-minute" stretch lasted 5:10.
    """
    front = hubs[1]
    token = tokens.issue(hass, front.camera_id, START + 1, START + 5, login)
    http = await hass_client_no_auth()
    text = await (await http.get(f"/api/heldar/hls/{token}/playlist.m3u8")).text()
    lasting = [float(line[8:-1]) for line in text.splitlines() if line.startswith("#EXTINF:")]
    assert sum(lasting) == pytest.approx(4.0, abs=0.01)
    starts = [line[25:] for line in text.splitlines() if line.startswith("#EXT-X-PROGRAM-DATE")]
    assert starts[0] == "2026-11-24T13:00:01.000+00:00"  # the keyframe at the range's start
    # One init section per file, even when a file is listed fragment by fragment.
    assert text.count("#EXT-X-MAP:") == 3


async def test_ffmpeg_plays_the_playlist(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hubs: list[Hub],
    socket_enabled: None,
    login: str,
) -> None:
    """Real FFmpeg reads every packet of every file through the view, with the token alone."""
    front = hubs[1]
    token = tokens.issue(hass, front.camera_id, START, START + 40, login)
    http = await hass_client_no_auth()
    url = str(http.make_url(f"/api/heldar/hls/{token}/playlist.m3u8"))
    process = await asyncio.create_subprocess_exec(
        "ffprobe",
        *("-v", "error", "-count_packets", "-show_entries", "stream=nb_read_packets"),
        *("-of", "json", url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err
    packets = int(json.loads(out)["streams"][0]["nb_read_packets"])
    assert packets == 5 * 20  # five 2 s files at 10 fps
