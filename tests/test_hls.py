"""HLS over the segment files as they are: layouts, playlists, path tokens, real players."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import itertools
import json
from pathlib import Path
import subprocess

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.heldar import hls, tokens
from custom_components.heldar.footage import Piece
from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.fmp4 import Fragment, Layout, read_fragments, read_layout
from custom_components.heldar.recorder.segments import read_mp4_shape, segment_name

from .media import require_media_tools
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


def _minute(folder: Path, gop: int, start: float = START) -> Path:
    """Encode one 60 s file as the recorder writes it (10 fps, a keyframe every ``gop`` frames).

    Fragments are at most 1 s long, and a new one starts at every keyframe.
    """
    require_media_tools()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / segment_name(start)
    muxer = [arg for pair in FRAGMENTED_MP4.split(":") for arg in (f"-{pair.split('=')[0]}",
             pair.split("=", 1)[1])]  # fmt: skip
    subprocess.run(
        [
            "ffmpeg",
            *("-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10", "-t", "60"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-g", str(gop), "-pix_fmt", "yuv420p"),
            *("-f", "mp4", *muxer, str(target)),
        ],
        check=True,
    )
    return target


def _piece(path: Path, start: float = START, seconds: float = 60.0) -> Piece:
    return Piece(path.name, path.parent, path.name, start, start + seconds)


def _fragments(path: Path) -> tuple[Layout, list[Fragment]]:
    layout = read_layout(path)
    assert layout is not None
    return layout, read_fragments(path, layout)


def test_a_click_loads_one_keyframe_fragment_first(tmp_path: Path) -> None:
    """The first entry is the keyframe's fragment alone, as is each up to the one holding the start.

    A keyframe every 2 s, fragments of 1 s: a start in the keyframe's fragment is played from
    that one fragment, and what follows is grouped; a start in the next fragment has that one
    as an entry of its own too (a player shows the keyframe, then the clicked instant, loading
    nothing more). A playlist that starts with a whole file starts with its first fragment.
    """
    path = _minute(tmp_path, gop=20)
    layout, fragments = _fragments(path)
    assert [(f.start, f.keyframe) for f in fragments[10:13]] == [
        (10.0, True),
        (11.0, False),
        (12.0, True),
    ]
    whole = _piece(path)
    in_keyframe = whole.cut(START + 10.2, START + 60)
    after_keyframe = whole.cut(START + 11.5, START + 60)
    assert in_keyframe is not None
    assert after_keyframe is not None
    cache = hls.LayoutCache()
    single = [(f.offset, f.size) for f in fragments]
    first, second = hls.plan([in_keyframe], cache)[:2]
    assert (first.offset, first.length) == single[10]
    assert (first.start, first.duration) == (START + 10.0, 1.0)
    assert (second.start, second.duration) == (START + 11.0, 5.0)
    first, second, third = hls.plan([after_keyframe], cache)[:3]
    assert [(p.offset, p.length) for p in (first, second)] == single[10:12]
    assert [p.start for p in (first, second, third)] == [START + 10.0, START + 11.0, START + 12.0]
    assert third.duration == 6.0
    first = hls.plan([whole], cache)[0]
    assert (first.offset, first.length) == (layout.media_offset, fragments[0].size)
    # The same holds in a live playlist, for a file closed before it was asked for.
    live = hls.plan([in_keyframe], cache, split_after=START + 100)[0]
    assert (live.offset, live.length) == single[10]


@pytest.mark.parametrize(
    ("gop", "opening", "later"),
    [
        # 1 s keyframe intervals: 6 of them an entry.
        (10, [1.0] + [6.0] * 9 + [5.0], [6.0] * 10),
        # 2 s: the first interval's rest joins two more; then 3 intervals an entry.
        (20, [1.0, 5.0] + [6.0] * 9, [6.0] * 10),
        # 4 s: two would be 8 s, over the target.
        (40, [1.0, 3.0] + [4.0] * 14, [4.0] * 15),
        # 12 s (over 10 s): each interval cut in two near the target.
        (120, [1.0, 6.0, 5.0] + [6.0] * 8, [6.0] * 10),
    ],
)
def test_entries_group_keyframe_intervals_near_six_seconds(
    tmp_path: Path, gop: int, opening: list[float], later: list[float]
) -> None:
    """After the first entry, keyframe intervals are joined into entries of about 6 s.

    Entries start at keyframes unless an interval is over 10 s (a long-GOP camera), then cut;
    their byte ranges follow each other and cover the file's media exactly, and each entry's
    program date-time is where the one before ended. A whole file after the playlist's first
    is grouped from its first keyframe, alike whether read now or from the cache.
    """
    path = _minute(tmp_path, gop=gop)
    layout, fragments = _fragments(path)
    keyframes = {f.offset for f in fragments if f.keyframe}
    cache = hls.LayoutCache()
    for _ in range(2):
        parts = hls.plan([_piece(path), _piece(path, START + 60)], cache)
        first, second = parts[: len(opening)], parts[len(opening) :]
        assert [round(part.duration, 3) for part in first] == opening
        assert [round(part.duration, 3) for part in second] == later
        for listed in (first, second):
            assert listed[0].offset == layout.media_offset
            assert listed[0].first_of_file
            assert listed[-1].offset + listed[-1].length == layout.media_end
            for before, after in itertools.pairwise(listed):
                assert after.offset == before.offset + before.length
                assert after.start == pytest.approx(before.start + before.duration)
                assert not after.first_of_file
        led = [part.offset in keyframes for part in second]
        assert led == ([True] * len(later) if gop <= 100 else [True, False] * (len(later) // 2))


def test_a_live_playlist_only_appends(tmp_path: Path) -> None:
    """Each reload of an EVENT playlist keeps every line listed before, and adds after them.

    Asked for at 1:00.5: the file closed before is grouped; the file being written then is
    listed one fragment per entry as it grows, and stays so once closed.
    """
    closed = _minute(tmp_path / "a", gop=20)
    source = _minute(tmp_path / "b", gop=20, start=START + 60)
    written = tmp_path / "a" / source.name
    data = source.read_bytes()
    layout, fragments = _fragments(source)
    issued = START + 60.5
    cache = hls.LayoutCache()
    opening = _piece(closed).cut(START + 30.5, START + 60)
    assert opening is not None
    texts = []
    for count in (3, 4, 20, len(fragments)):
        # The file as FFmpeg has written it: complete fragments, then part of the next.
        end = fragments[count].offset + 100 if count < len(fragments) else layout.media_end
        written.write_bytes(data[:end])
        growing = Piece(written.name, written.parent, written.name, START + 60, START + 60 + count)
        growing.growing = True
        texts.append(hls.build_playlist(hls.plan([opening, growing], cache, split_after=issued),
                                        live=True))  # fmt: skip
    written.write_bytes(data)
    filed = hls.plan([opening, _piece(written, START + 60)], cache, split_after=issued)
    texts.append(hls.build_playlist(filed, live=True, ended=True))
    for before, after in itertools.pairwise(texts):
        assert after.startswith(before)
        assert len(after) > len(before)
    assert [part.duration for part in filed if part.name == written.name] == pytest.approx(
        [1.0] * 60
    )
    # Had the file closed before the playlist was asked for, it would be grouped.
    assert len(hls.plan([opening, _piece(written, START + 60)], cache)) < len(filed)


def test_a_day_playlist_stays_small(tmp_path: Path) -> None:
    """A 24 h VOD playlist of one-minute files (a keyframe every second) is at most 3 MB."""
    source = _minute(tmp_path / "scratch", gop=10)
    folder = tmp_path / "day"
    folder.mkdir()
    pieces = []
    for minute in range(1440):
        path = folder / segment_name(START + minute * 60)
        path.hardlink_to(source)
        pieces.append(_piece(path, START + minute * 60))
    parts = hls.plan(pieces, hls.LayoutCache())
    text = hls.build_playlist(parts, live=False)
    assert len(parts) == 1440 * 10 + 1  # 6 s entries; the first minute's first one is split
    assert len(text.encode()) <= 3 * 1024 * 1024
