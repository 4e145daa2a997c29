"""A hub whose camera folder holds real fragmented-MP4 footage, as the recorder writes it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
import shutil
import subprocess

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.camera_handle import CameraHandle
from custom_components.heldar.const import CONF_PRE_ROLL_SECONDS, CONF_RECORD_MODE
from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.segments import segment_name

from .common import camera_subentry, hub_entry
from .media import require_media_tools

START = datetime(2026, 11, 24, 13, 0, 0, tzinfo=UTC).timestamp()


def fragmented_segments(
    folder: Path,
    count: int,
    start: float = START,
    seconds: float = 2.0,
    gop: int = 10,
    *,
    fragmented: bool = True,
) -> list[Path]:
    """Encode ``count`` 2 s H.264 segments (10 fps), ``seconds`` apart, named as FFmpeg would.

    ``fragmented``: in the recorder's fragmented MP4 (else a plain MP4).
    """
    require_media_tools()
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / "scratch"
    scratch.mkdir()
    subprocess.run(
        [
            "ffmpeg",
            *("-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10"),
            *("-t", str(2 * count), "-c:v", "libx264", "-g", str(gop), "-pix_fmt", "yuv420p"),
            *("-f", "segment", "-segment_time", "2", "-reset_timestamps", "1"),
            *("-segment_format", "mp4"),
            *(("-segment_format_options", FRAGMENTED_MP4) if fragmented else ()),
            str(scratch / "%03d.mp4"),
        ],
        check=True,
    )
    paths = []
    for number, source in enumerate(sorted(scratch.glob("*.mp4"))):
        target = folder / segment_name(start + number * seconds)
        source.rename(target)
        paths.append(target)
    shutil.rmtree(scratch)
    return paths


def login_of(hass: HomeAssistant, access_token: str) -> str:
    """Return the refresh token id (the login) behind an access token, for playlist tokens."""
    refresh_token = hass.auth.async_validate_access_token(access_token)
    assert refresh_token is not None
    return refresh_token.id


@dataclass
class Hub:
    """The hub entry, its camera and the camera's folder."""

    entry: MockConfigEntry
    camera: CameraHandle
    folder: Path

    @property
    def camera_id(self) -> str:
        """Return the camera's subentry id (the review API's key)."""
        return self.camera.subentry_id


async def setup_hub(hass: HomeAssistant, storage: Path, *names: str) -> list[Hub]:
    """Set up a hub of idle event cameras (no FFmpeg runs) and wait for their indexes."""
    await async_setup_component(hass, "media_source", {})
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    entry = hub_entry(
        storage,
        *(
            camera_subentry(
                name, f"rtsp://{name}/s", **{CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}
            )
            for name in names
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    hubs = []
    for camera in entry.runtime_data.cameras.values():
        async with asyncio.timeout(20):
            while not camera.store.index.ready:
                await asyncio.sleep(0.05)
        hubs.append(Hub(entry, camera, camera.output_dir))
    return sorted(hubs, key=lambda hub: hub.camera.config.name)
