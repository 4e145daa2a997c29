"""Recordings play in a real browser: each browser-playable codec cell, in Debian's Chromium.

The camera is the real GStreamer camera, recorded by the real recorder; one whole segment is
served over HTTP on loopback to Chromium, driven by Playwright. ``canPlayType`` must accept
the file's codecs, and the video must play for 3 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import functools
import http.server
from pathlib import Path
import shutil
import threading

import pytest

from custom_components.heldar.recorder.supervisor import (
    Timing,
)
from tests.browser_env import chromium
from tests.media import RtspCamera
from tests.recorder.helpers import record_with_audio

REAL = Timing(poll_connecting=0.25, poll_recording=0.5)
# Cells whose MP4 a browser plays: H.264 (MJPEG is written as H.264) with each audio.
CELLS = [
    (video, audio, codecs)
    for video in ("h264", "mjpeg")
    for audio, codecs in (
        ("none", "avc1.42E01E"),
        ("alaw", "avc1.42E01E, mp4a.40.2"),
        ("mulaw", "avc1.42E01E, mp4a.40.2"),
        ("aac", "avc1.42E01E, mp4a.40.2"),
        ("opus", "avc1.42E01E, opus"),
    )
]


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


@pytest.mark.parametrize(("video", "audio", "codecs"), CELLS)
async def test_recording_plays_in_chromium(
    rtsp_camera: Callable[..., RtspCamera],
    served: tuple[Path, str],
    tmp_path: Path,
    video: str,
    audio: str,
    codecs: str,
) -> None:
    """CanPlayType says yes for the file's codecs, and 3 s of it play."""
    camera = rtsp_camera(codec=video, audio=audio, gop=25, width=320, height=240)
    folder = tmp_path / "rec"
    folder.mkdir()
    files, _ = await record_with_audio(camera.url, folder, segment_seconds=4, files=2, timing=REAL)
    segment = files[0]  # closed when the second opened; it starts on the first keyframe
    www, base = served
    shutil.copy(segment, www / "clip.mp4")
    (www / "index.html").write_text('<video id="v" muted playsinline src="clip.mp4"></video>')
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{base}/index.html")
        verdict = await page.evaluate(
            "t => document.getElementById('v').canPlayType(t)", f'video/mp4; codecs="{codecs}"'
        )
        assert verdict in {"probably", "maybe"}
        await page.evaluate("document.getElementById('v').play()")
        await page.wait_for_function(
            "document.getElementById('v').currentTime >= 3", timeout=15_000
        )
        error = await page.evaluate("document.getElementById('v').error?.code ?? null")
        assert error is None
