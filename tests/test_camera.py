"""Live view: the camera entity's stream source and its picture from the newest keyframe."""

from __future__ import annotations

from pathlib import Path
import subprocess

from homeassistant.components import camera
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar import stills
from custom_components.heldar.const import (
    CONF_CAMERA_ENTITY,
    CONF_PASSWORD,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    CONF_STREAM_URL,
    CONF_USERNAME,
)
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.segments import segment_name

from .common import camera_subentry, hub_entry
from .recorder.test_index import T0, real_segments

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


def test_last_keyframe_is_the_newest(tmp_path: Path) -> None:
    """Of a segment with keyframes at 0 s and 1 s, the picture is the one at 1 s."""
    (segment,) = real_segments(tmp_path, 1)
    still = stills.last_keyframe("ffmpeg", segment)
    assert still is not None
    assert still.startswith(b"\xff\xd8")
    assert still == frame_at(segment, 1.0)
    assert still != frame_at(segment, 0.0)


def test_no_still_from_a_broken_file(tmp_path: Path) -> None:
    """A file FFmpeg cannot read, or no FFmpeg at all, gives no picture (and no exception)."""
    real_segments(tmp_path / "warm-up", 1)  # fails under CI=true without FFmpeg
    broken = tmp_path / segment_name(T0)
    broken.write_bytes(b"not an mp4")
    assert stills.last_keyframe("ffmpeg", broken) is None
    assert stills.last_keyframe(str(tmp_path / "no-ffmpeg"), broken) is None


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


async def test_picture_is_the_newest_keyframe_on_disk(
    hass: HomeAssistant, hub: MockConfigEntry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No picture before a segment; then the newest segment's last keyframe, once each."""
    with pytest.raises(HomeAssistantError):
        await camera.async_get_image(hass, "camera.front")

    runs: list[Path] = []
    extract = stills.last_keyframe

    def counted(ffmpeg: str, segment: Path, timeout: float = 20.0) -> bytes | None:
        runs.append(segment)
        return extract(ffmpeg, segment, timeout)

    monkeypatch.setattr(stills, "last_keyframe", counted)
    index: SegmentIndex = next(iter(hub.runtime_data.cameras.values())).store.index
    made = real_segments(tmp_path / "made", 2)
    index.camera_dir.mkdir(parents=True, exist_ok=True)
    first, second = (index.camera_dir / path.name for path in made)
    made[0].rename(first)
    await index.rebuild()
    image = await camera.async_get_image(hass, "camera.front")
    assert image.content_type == "image/jpeg"
    assert image.content == frame_at(first, 1.0)
    await camera.async_get_image(hass, "camera.front")
    assert runs == [first]  # cached until a newer segment closes

    made[1].rename(second)
    await index.rebuild()
    image = await camera.async_get_image(hass, "camera.front")
    assert image.content == frame_at(second, 1.0)
    assert runs == [first, second]
