"""Live view: the camera entity's stream source, and its picture from disk or from the stream."""

from __future__ import annotations

from pathlib import Path
import subprocess
import time

from homeassistant.components import camera
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.const import (
    CONF_CAMERA_ENTITY,
    CONF_PASSWORD,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    CONF_STREAM_URL,
    CONF_USERNAME,
)
from custom_components.heldar.frames import frame_grabber
from custom_components.heldar.recorder.grabber import FrameSource
from custom_components.heldar.recorder.index import SegmentIndex

from .common import camera_subentry, hub_entry
from .media import RtspCamera
from .recorder.test_index import real_segments

# Event mode without pre-roll: no FFmpeg records, so the test controls every segment.
QUIET = {CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}


def frame_at(segment: Path, seconds: float) -> bytes:
    """Return the frame at ``seconds`` as FFmpeg encodes a still (for comparison)."""
    return subprocess.run(
        [
            "ffmpeg",
            *("-v", "error", "-ss", str(seconds), "-i", str(segment), "-frames:v", "1"),
            *("-q:v", "3", "-f", "image2", "-c:v", "mjpeg", "pipe:1"),
        ],
        capture_output=True,
        check=True,
    ).stdout


@pytest.fixture
async def hub(hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path) -> MockConfigEntry:
    """A hub with a URL camera that has a login, and a camera taken from another entity."""
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front",
            "rtsp://front.local:554/live",
            **{CONF_USERNAME: "admin", CONF_PASSWORD: "p@ss/w:rd", **QUIET},
        ),
        camera_subentry("Porch", "", **{CONF_CAMERA_ENTITY: "camera.porch_doorbell", **QUIET}),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_url_cameras_get_a_camera_entity(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """The URL camera has one, named after its device, streaming its URL with the login."""
    cameras = [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), hub.entry_id)
        if e.domain == "camera"
    ]
    assert cameras == ["camera.front"]
    state = hass.states.get("camera.front")
    assert state is not None
    assert state.attributes["friendly_name"] == "Front"
    source = await camera.async_get_stream_source(hass, "camera.front")
    assert source == "rtsp://admin:p%40ss%2Fw%3Ard@front.local:554/live"
    assert CONF_STREAM_URL not in state.attributes
    assert "p@ss" not in str(state.attributes)


def count_grabs(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> list[FrameSource]:
    """Return the list every grab's source is appended to (the grabber runs them as usual)."""
    grabber = frame_grabber(hass)
    runs: list[FrameSource] = []
    real = grabber.run

    async def counted(source: FrameSource, bound: float) -> bytes | None:
        runs.append(source)
        return await real(source, bound)

    monkeypatch.setattr(grabber, "run", counted)
    return runs


async def test_picture_is_the_newest_recent_keyframe_on_disk(
    hass: HomeAssistant, hub: MockConfigEntry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While footage is recent, the picture is the newest segment's last keyframe, once each."""
    runs = count_grabs(hass, monkeypatch)
    index: SegmentIndex = next(iter(hub.runtime_data.cameras.values())).store.index
    made = real_segments(tmp_path / "made", 2, start=time.time() - 6)
    index.camera_dir.mkdir(parents=True, exist_ok=True)
    first, second = (index.camera_dir / path.name for path in made)
    made[0].rename(first)
    await index.rebuild()
    image = await camera.async_get_image(hass, "camera.front")
    assert image.content_type == "image/jpeg"
    assert image.content == frame_at(first, 1.0)
    await camera.async_get_image(hass, "camera.front")
    assert [source.label for source in runs] == [first.name]  # cached until a newer one

    made[1].rename(second)
    await index.rebuild()
    image = await camera.async_get_image(hass, "camera.front")
    assert image.content == frame_at(second, 1.0)
    assert [source.label for source in runs] == [first.name, second.name]


async def test_an_unreachable_camera_has_no_picture_and_is_not_hammered(
    hass: HomeAssistant, hub: MockConfigEntry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old footage is not shown as live; the stream does not answer: no picture, one try."""
    runs = count_grabs(hass, monkeypatch)
    index: SegmentIndex = next(iter(hub.runtime_data.cameras.values())).store.index
    (old,) = real_segments(tmp_path / "made", 1, start=time.time() - 3600)
    index.camera_dir.mkdir(parents=True, exist_ok=True)
    old.rename(index.camera_dir / old.name)
    await index.rebuild()
    for _ in range(2):
        with pytest.raises(HomeAssistantError):
            await camera.async_get_image(hass, "camera.front")
    (tried,) = runs  # the second ask, within 10 s, starts no FFmpeg
    assert tried.before[:4] == ("-rtsp_transport", "tcp", "-timeout", "5000000")
    assert "p@ss" not in tried.label


@pytest.mark.media
async def test_an_idle_event_camera_is_pictured_from_its_stream(
    hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path, socket_enabled: None
) -> None:
    """An event camera with nothing recorded takes its picture from the live stream."""
    rtsp = RtspCamera()
    rtsp.start()
    try:
        entry = hub_entry(tmp_path, camera_subentry("Idle", rtsp.url, **QUIET))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        image = await camera.async_get_image(hass, "camera.idle")
        assert image.content[:2] == b"\xff\xd8"
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        rtsp.stop()
