"""The one-shot stream check tells refused, not found, timed out and unauthorised apart.

Against real FFmpeg: the GStreamer RTSP camera (with basic auth), a closed port, a socket that
listens but never answers, and an HTTP server answering 404 and 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

from aiohttp import web
import pytest

from custom_components.heldar.recorder.probe import (
    ProbeOutcome,
    classify_probe_output,
    probe_stream,
)
from custom_components.heldar.recorder.urls import with_credentials
from tests.media import RtspCamera, closed_port, require_media_tools, silent_port

USER, PASSWORD = "admin", "p@ss/w:rd%21"
SECONDS = 3.0


@pytest.fixture
def silent(socket_enabled: None) -> Iterator[int]:
    """A port that accepts connections but never says a word."""
    with silent_port() as port:
        yield port


@pytest.fixture
async def http_camera(socket_enabled: None) -> AsyncIterator[str]:
    """An HTTP server whose /locked answers 401 and every other path 404; yields its base URL."""

    async def locked(_: web.Request) -> web.Response:
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="camera"'})

    app = web.Application()
    app.router.add_get("/locked", locked)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_rtsp_outcomes(rtsp_camera: Callable[..., RtspCamera]) -> None:
    """The right login reads video; a wrong one, a wrong path and a closed port each say so."""
    camera = rtsp_camera(user=USER, password=PASSWORD)
    right = with_credentials(camera.url, USER, PASSWORD)
    assert (await probe_stream("ffmpeg", right, SECONDS)).outcome is ProbeOutcome.OK

    wrong = await probe_stream("ffmpeg", with_credentials(camera.url, USER, "wrong"), SECONDS)
    assert wrong.outcome is ProbeOutcome.INVALID_AUTH
    assert "401" in wrong.detail
    assert "wrong" not in wrong.detail  # FFmpeg echoes the URL: its password is masked
    anonymous = await probe_stream("ffmpeg", camera.url, SECONDS)
    assert anonymous.outcome is ProbeOutcome.INVALID_AUTH

    path = with_credentials(camera.url.replace("/stream", "/nosuch"), USER, PASSWORD)
    missing = await probe_stream("ffmpeg", path, SECONDS)
    assert missing.outcome is ProbeOutcome.NOT_FOUND
    assert "404" in missing.detail

    # A Hikvision path names channel 4 "401": a closed port there is refused, not a login error.
    closed = f"rtsp://127.0.0.1:{closed_port()}/Streaming/Channels/401"
    refused = await probe_stream("ffmpeg", closed, SECONDS)
    assert refused.outcome is ProbeOutcome.REFUSED, refused.detail


async def test_a_silent_rtsp_server_times_out(silent: int) -> None:
    """FFmpeg gives up after the timeout with only "Invalid data": that is a timeout."""
    require_media_tools()
    result = await probe_stream("ffmpeg", f"rtsp://127.0.0.1:{silent}/stream", SECONDS)
    assert result.outcome is ProbeOutcome.TIMEOUT, result.detail


async def test_a_silent_http_server_times_out(silent: int) -> None:
    """FFmpeg has no timeout of its own for HTTP here: the probe's own limit stops it."""
    require_media_tools()
    result = await probe_stream("ffmpeg", f"http://127.0.0.1:{silent}/video", 1.0)
    assert result.outcome is ProbeOutcome.TIMEOUT, result.detail


async def test_http_outcomes(http_camera: str) -> None:
    """An HTTP camera's 404 and 401 are the same outcomes as RTSP's."""
    require_media_tools()
    missing = await probe_stream("ffmpeg", f"{http_camera}/nosuch", SECONDS)
    assert missing.outcome is ProbeOutcome.NOT_FOUND, missing.detail
    locked = await probe_stream("ffmpeg", f"{http_camera}/locked", SECONDS)
    assert locked.outcome is ProbeOutcome.INVALID_AUTH, locked.detail


@pytest.mark.parametrize(
    ("detail", "waited", "outcome"),
    [
        ("rtsp://cam/s: Server returned 403 Forbidden (access denied)", False, "invalid_auth"),
        ("method DESCRIBE failed: 401 Authorization Required", False, "invalid_auth"),
        ("method DESCRIBE failed: 404 Stream Not Found", False, "not_found"),
        # The tcp line carries "?timeout=" in its URL: still refused, and no route is no timeout.
        ("Connection to tcp://cam:554?timeout=3000000 failed: Connection refused", False,
         "refused"),
        ("Connection to tcp://cam:554?timeout=3000000 failed: No route to host", False,
         "cannot_connect"),
        ("Connection to tcp://cam:554?timeout=3000000 failed: Connection timed out", False,
         "timeout"),
        ("rtsp://cam/s: Invalid data found when processing input", True, "timeout"),
        ("rtsp://cam/s: Invalid data found when processing input", False, "cannot_connect"),
        ("Failed to resolve hostname cam: Name or service not known", False, "cannot_connect"),
        ("rtsp://cam:404/s: Invalid data found when processing input", False, "cannot_connect"),
    ],
)  # fmt: skip
def test_classification(detail: str, *, waited: bool, outcome: str) -> None:
    """Phrases, never numbers alone: a port or a path in FFmpeg's echo of the URL is no status."""
    assert classify_probe_output(detail, waited_the_timeout=waited) == outcome
