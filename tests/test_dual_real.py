"""End to end: a camera with a sub-stream in Home Assistant, with real FFmpeg and camera."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from homeassistant.core import HomeAssistant

from custom_components.heldar.const import (
    CONF_PASSWORD,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    CONF_SUB_STREAM_URL,
    CONF_USERNAME,
    DOMAIN,
)

from .common import camera_subentry, hub_entry, wait_for_state
from .media import RtspCamera, processes_with

PASSWORD = "p@ss/w:rd%21"
SENSOR = "sensor.yard_recorder_state"


async def test_sub_stream_camera_in_home_assistant(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
) -> None:
    """The settings reach the recorder: one FFmpeg per stream, the sensor shows each."""
    camera = rtsp_camera(user="admin", password=PASSWORD, sub_path="/sub")
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Yard",
            camera.url,
            **{
                CONF_USERNAME: "admin",
                CONF_PASSWORD: PASSWORD,
                CONF_SUB_STREAM_URL: camera.sub_url,
                # The typical set-up: sub-stream 24/7, main-stream events, no schedule needed.
                CONF_RECORD_MODE: "continuous",
                CONF_PRE_ROLL_SECONDS: 4,
            },
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    state = await wait_for_state(
        hass,
        SENSOR,
        lambda s: (
            s.state == "recording"
            and s.attributes.get("streams") == {"sub": "recording", "main": "recording"}
        ),
        timeout=40,
    )
    assert "main: h264 copied" in state.attributes["media"]
    folder = tmp_path / "yard"
    async with asyncio.timeout(20):
        while len(list(folder.glob("*.mp4"))) < 2:
            await asyncio.sleep(0.25)
    # One FFmpeg per stream, each with its own URL, each writing its own folder.
    recording = processes_with(str(folder / "%Y%m%d_%H%M%S.mp4"))
    readers = processes_with(f"127.0.0.1:{camera.port}/")  # every reader of the camera
    assert len(recording) == 1
    assert len(readers) == 2  # the footage FFmpeg and the buffer's
    urls = {pid: _urls(pid) for pid in readers}
    assert urls[recording[0]] == ["/sub"]
    assert sorted(path for paths in urls.values() for path in paths) == ["/stream", "/sub"]
    # With a sub-stream a continuous camera takes triggers: events come from the main stream.
    response = await hass.services.async_call(
        DOMAIN, "trigger", {"entity_id": SENSOR}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    assert response["cameras"][0]["result"] == "started"
    assert response["cameras"][0]["window_end"] is not None
    assert processes_with(f"127.0.0.1:{camera.port}/") == readers  # the same two FFmpeg
    for found in hass.states.async_all():
        assert PASSWORD not in str(found)
        assert "p%40ss" not in str(found)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert processes_with(str(tmp_path)) == []


def _urls(pid: int) -> list[str]:
    """The paths of the stream URLs in a process's command line (credentials left out)."""
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return ["/" + arg.decode().rsplit("/", 1)[-1] for arg in args if arg.startswith(b"rtsp://")]
