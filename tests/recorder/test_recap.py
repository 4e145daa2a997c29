"""The daily recap: keyframes only, copied byte for byte, at the chosen speed, gaps said.

Footage is real H.264 fragmented MP4: made by FFmpeg (tests/footage.py) for the shapes a day
can have, and recorded from the GStreamer RTSP camera by the real recorder once. The recap is
checked with ffprobe (every packet a keyframe, a constant 25 frames a second, its length) and
against its sources (each packet byte-identical to a source keyframe: nothing was encoded),
and played in Chromium.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
import functools
import http.server
from pathlib import Path
import shutil
import subprocess
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from custom_components.heldar.recorder.recap import (
    Emphasis,
    RecapSegment,
    day_bounds,
    drop_expression,
    make_recap,
    plan,
)
from custom_components.heldar.recorder.segments import segment_start
from custom_components.heldar.recorder.supervisor import Timing
from tests.browser_env import chromium
from tests.footage import make_segments
from tests.media import RtspCamera, duration, ffprobe, require_media_tools, video_packets

from .helpers import record_with_audio

T0 = 1_800_000_000.0  # 2027-01-15 08:00 UTC


def segments_of(paths: list[Path]) -> list[RecapSegment]:
    """The index's view of real files: start from the name, length from ffprobe."""
    found = []
    for path in paths:
        start = segment_start(path.name)
        assert start is not None
        found.append(RecapSegment(path, start.timestamp(), duration(path)))
    return found


def packet_hashes(path: Path, *, keyframes_only: bool) -> list[str]:
    """Return the MD5 of each video packet's bytes, as stream copy carries them."""
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy"]
    if keyframes_only:
        argv += ["-bsf:v", "noise=drop=not(key)"]
    result = subprocess.run(
        [*argv, "-f", "framemd5", "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return [
        line.rsplit(",", 1)[1].strip() for line in result.stdout.splitlines() if line[:1] != "#"
    ]


def assert_keyframes_at(path: Path, fps: int) -> list[tuple[float, bool]]:
    """Every packet is a keyframe, one every 1/fps seconds from 0."""
    packets = video_packets(path)
    assert packets
    assert all(key for _, key in packets)
    assert [round(pts * fps) for pts, _ in packets] == list(range(len(packets)))
    return packets


async def test_a_day_with_a_gap_plays_at_its_speed(tmp_path: Path) -> None:
    """A 2-minute "day" in 4 s: one keyframe per 1.2 s of footage, the gap said, bytes copied."""
    require_media_tools()
    starts = [T0 + s for s in range(0, 40, 4)] + [T0 + s for s in range(60, 120, 4)]
    paths = make_segments(tmp_path / "cam", starts, seconds=4, gop_seconds=1)
    output = tmp_path / "recap.mp4"

    result = await make_recap("ffmpeg", segments_of(paths), (T0, T0 + 120), output, seconds=4)

    assert result.path == output
    assert result.stride == pytest.approx(1.2)
    packets = assert_keyframes_at(output, 25)
    assert result.frames == len(packets)
    # 100 s of footage at one keyframe (a GOP of 1 s) per 1.2 s: 84 frames, one either way.
    assert abs(len(packets) - 100 / 1.2) <= 2
    assert duration(output) == pytest.approx(result.recap_seconds, abs=0.05)
    assert [(round(a - T0), round(b - T0)) for a, b in result.gaps] == [(40, 60)]
    assert result.covered_seconds == pytest.approx(100, abs=1)
    assert not result.complete
    assert [(round(c.start - T0), round(c.end - T0)) for c in result.chapters] == [
        (0, 40),
        (60, 120),
    ]
    assert result.chapters[1].recap_start == pytest.approx(40 / 1.2 / 25, abs=0.05)
    # Stream copy: each recap frame is, byte for byte, one of the day's keyframes.
    sources = {h for path in paths for h in packet_hashes(path, keyframes_only=True)}
    assert set(packet_hashes(output, keyframes_only=False)) <= sources
    assert result.cpu_seconds is not None
    assert result.bytes_read == sum(p.stat().st_size for p in paths)
    assert not list(tmp_path.glob(".recap*"))  # no partial file or list left


async def test_emphasis_gives_a_stretch_more_frames(tmp_path: Path) -> None:
    """A stretch weighted 3x keeps three times the keyframes (the activity hook)."""
    require_media_tools()
    starts = [T0 + s for s in range(0, 60, 6)]
    paths = make_segments(tmp_path / "cam", starts, seconds=6, gop_seconds=1)
    day = (T0, T0 + 60)
    plain = await make_recap("ffmpeg", segments_of(paths), day, tmp_path / "a.mp4", seconds=0.8)
    busy = [Emphasis(T0 + 20, T0 + 40, 3)]
    weighted = await make_recap(
        "ffmpeg", segments_of(paths), day, tmp_path / "b.mp4", seconds=0.8, emphasis=busy
    )
    # 60 s at a 3 s stride: 20 frames; the 20 s stretch at a 1 s stride gives 20 instead of 7.
    assert abs(plain.frames - 20) <= 1
    assert abs(weighted.frames - 33) <= 2
    assert_keyframes_at(tmp_path / "b.mp4", 25)


async def test_read_limit_paces_the_reading(tmp_path: Path) -> None:
    """At half the footage's size a second, reading it takes two seconds at least."""
    require_media_tools()
    paths = make_segments(tmp_path / "cam", [T0 + s for s in range(0, 24, 6)], seconds=6)
    size = sum(p.stat().st_size for p in paths)
    started = time.monotonic()
    result = await make_recap(
        "ffmpeg", segments_of(paths), (T0, T0 + 24), tmp_path / "r.mp4", read_limit=size // 2
    )
    assert time.monotonic() - started >= 1.8  # a floor: load can only make it slower
    assert result.frames > 0


async def test_a_changed_stream_is_left_out_and_said(tmp_path: Path) -> None:
    """A segment at another resolution cannot share the track: left out, listed, a gap."""
    require_media_tools()
    folder = tmp_path / "cam"
    paths = make_segments(folder, [T0, T0 + 4, T0 + 12], seconds=4)
    paths += make_segments(folder, [T0 + 8], seconds=4, size="160x120")
    output = tmp_path / "recap.mp4"
    result = await make_recap(
        "ffmpeg", segments_of(sorted(paths)), (T0, T0 + 16), output, seconds=0.64
    )
    odd = paths[-1].name
    assert result.skipped == [(odd, "a different stream (size or codec settings)")]
    assert [(round(a - T0), round(b - T0)) for a, b in result.gaps] == [(8, 12)]
    assert_keyframes_at(output, 25)
    assert ffprobe(output)["streams"][0]["codec_name"] == "h264"
    assert set(packet_hashes(output, keyframes_only=False)) <= {
        h for path in paths[:3] for h in packet_hashes(path, keyframes_only=True)
    }  # none from the 160x120 segment


async def test_a_day_without_footage_says_so(tmp_path: Path) -> None:
    """No footage: no file, and the whole day is one gap."""
    result = await make_recap("ffmpeg", [], (T0, T0 + 86400), tmp_path / "recap.mp4")
    assert result.path is None
    assert result.gaps == [(T0, T0 + 86400)]
    assert not (tmp_path / "recap.mp4").exists()


def test_day_bounds_follow_the_time_zone() -> None:
    """A day is midnight to midnight in Home Assistant's zone: 23 h when clocks go forward."""
    berlin = ZoneInfo("Europe/Berlin")
    start, end = day_bounds(date(2027, 3, 28), berlin)
    assert end - start == 23 * 3600
    start, end = day_bounds(date(2027, 1, 15), berlin)
    assert end - start == 86400
    assert start == 1_800_000_000.0 - 9 * 3600  # 08:00 UTC is 09:00 in Berlin


def test_plan_counts_gaps_at_both_ends_and_crossing_midnight() -> None:
    """Footage from 01:00 to 23:00 with a segment running past midnight: two gaps, 22 h covered."""
    day = (T0, T0 + 86400)
    segments = [RecapSegment(Path(f"{i}.mp4"), T0 + 3600 + i * 60, 60) for i in range(1320)]
    late = RecapSegment(Path("late.mp4"), T0 + 86400 - 30, 60)  # in the next day's recap too
    chosen = plan([*segments, late], *day)
    assert chosen.segments[-1] == late
    assert [(a - T0, b - T0) for a, b in chosen.gaps] == [(0, 3600), (82800, 86370)]
    assert chosen.covered_seconds == pytest.approx(22 * 3600 + 30)


def test_drop_expression_keeps_one_keyframe_per_stride() -> None:
    """The expression FFmpeg evaluates: a stride, and a factor inside an emphasised stretch."""
    assert drop_expression(28.8) == (
        "st(1,pts*tb);st(2,28.800000/(1));"
        "if(key*gte(ld(1),ld(0)),st(0,(floor(ld(1)/ld(2))+1)*ld(2))*0,1)"
    )
    assert "+between(ld(1),10.000,20.000)*3" in drop_expression(2.0, [(10, 20, 4)])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve a folder on 127.0.0.1; yield it and its base URL."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


REAL = Timing(poll_connecting=0.25, poll_recording=0.5)


async def test_recap_of_a_real_recording_plays_in_chromium(
    rtsp_camera: Callable[..., RtspCamera], served: tuple[Path, str], tmp_path: Path
) -> None:
    """Recorded from the RTSP camera by the recorder, recapped, then played to its end."""
    camera = rtsp_camera(gop=25, width=640, height=360)
    folder = tmp_path / "rec"
    folder.mkdir()
    files, _ = await record_with_audio(camera.url, folder, segment_seconds=4, files=5, timing=REAL)
    segments = segments_of(sorted(files)[:-1])  # the last one was cut when recording stopped
    start = segments[0].start
    footage = sum(s.duration for s in segments)
    www, base = served
    output = www / "recap.mp4"
    # Every keyframe (one a second) kept: 1 s of footage per frame, 25 times real speed.
    result = await make_recap("ffmpeg", segments, (start, start + 100), output, fps=25, seconds=4)
    assert result.path == output
    packets = assert_keyframes_at(output, 25)
    assert abs(len(packets) - footage) <= 2
    sources = {h for s in segments for h in packet_hashes(s.path, keyframes_only=True)}
    assert set(packet_hashes(output, keyframes_only=False)) <= sources
    (www / "index.html").write_text('<video id="v" muted playsinline src="recap.mp4"></video>')
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{base}/index.html")
        verdict = await page.evaluate(
            "document.getElementById('v').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')"
        )
        assert verdict in {"probably", "maybe"}
        await page.evaluate("document.getElementById('v').play()")
        await page.wait_for_function("document.getElementById('v').ended", timeout=20_000)
        shown = await page.evaluate(
            "(() => { const v = document.getElementById('v');"
            " return [v.error?.code ?? null, v.videoWidth, v.duration,"
            " v.getVideoPlaybackQuality().totalVideoFrames]; })()"
        )
    error, width, length, frames = shown
    assert error is None
    assert width == 640
    assert length == pytest.approx(result.recap_seconds, abs=0.1)
    assert frames >= len(packets) * 0.8  # decoded and shown, not skipped
    shutil.rmtree(folder)
