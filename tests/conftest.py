"""Fixtures shared by every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from .media import FAKE_FFMPEG, RtspCamera, require_media_tools


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/heldar in every test of the HA layer.

    The recorder core's tests (tests/recorder) run without any Home Assistant instance.
    """
    if "recorder" not in request.node.path.parent.parts[-1:]:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def rtsp_camera(socket_enabled: None) -> Iterator[Callable[..., RtspCamera]]:
    """Start real GStreamer RTSP cameras; every one is stopped when the test ends."""
    require_media_tools()
    cameras: list[RtspCamera] = []

    def start(**kwargs: str | int) -> RtspCamera:
        camera = RtspCamera(**kwargs)  # type: ignore[arg-type]
        cameras.append(camera)
        camera.start()
        return camera

    yield start
    for camera in cameras:
        camera.stop()


@pytest.fixture
async def fake_ffmpeg_hass(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    """Configure HA's ffmpeg integration with the fake FFmpeg; starts are logged."""
    monkeypatch.setenv("HELDAR_FAKE_LOG", str(tmp_path / "fake_ffmpeg.log"))
    assert await async_setup_component(hass, "ffmpeg", {"ffmpeg": {"ffmpeg_bin": str(FAKE_FFMPEG)}})
    return FAKE_FFMPEG


@pytest.fixture
async def real_ffmpeg_hass(hass: HomeAssistant) -> None:
    """Configure HA's ffmpeg integration with the system FFmpeg."""
    require_media_tools()
    assert await async_setup_component(hass, "ffmpeg", {})
