"""Home Assistant's own recorder for comparison: a camera entity with ``stream`` and PyAV.

``camera.record`` is what an HA user reaches for without Heldar: the ``stream`` integration
pulls RTSP with PyAV inside Home Assistant's process and remuxes it to MP4. The benchmarks run
it on the same stream, in the same Home Assistant, as Heldar.
"""

from __future__ import annotations

import socket

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.components.stream import Stream
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import setup_test_component_platform

ENTITY_ID = "camera.ha_reference"


class StreamCamera(Camera):
    """A camera whose only feature is a stream source, as the generic camera offers."""

    _attr_name = "HA reference"
    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(self, url: str) -> None:
        """Stream ``url``."""
        super().__init__()
        self._url = url

    async def stream_source(self) -> str:
        """Return the RTSP URL."""
        return self._url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def setup_reference_camera(hass: HomeAssistant, url: str, output_dir: str) -> StreamCamera:
    """Set up ``http`` (on a free loopback port), ``stream`` and a camera streaming ``url``."""
    hass.config.allowlist_external_dirs.add(output_dir)
    assert await async_setup_component(
        hass, "http", {"http": {"server_host": ["127.0.0.1"], "server_port": _free_port()}}
    )
    assert await async_setup_component(hass, "stream", {})
    camera = StreamCamera(url)
    setup_test_component_platform(hass, "camera", [camera])
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY_ID) is not None, "the reference camera did not load"
    return camera


async def record(hass: HomeAssistant, filename: str, duration: int, lookback: int = 0) -> None:
    """Call ``camera.record`` and wait for it to finish writing."""
    await hass.services.async_call(
        "camera",
        "record",
        {"entity_id": ENTITY_ID, "filename": filename, "duration": duration, "lookback": lookback},
        blocking=True,
    )


async def stop_stream(camera: StreamCamera) -> None:
    """Stop the camera's stream worker thread, if one was created."""
    stream: Stream | None = camera.stream
    if stream is not None:
        await stream.stop()
