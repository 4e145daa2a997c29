"""The one camera reference and the one lookup: each key a caller may hold finds the same camera."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar import camera_ref
from custom_components.heldar.camera_ref import CameraKey
from custom_components.heldar.const import CONF_PRE_ROLL_SECONDS, CONF_RECORD_MODE, DOMAIN

from .common import camera_subentry, hub_entry

_QUIET = {CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}  # no FFmpeg until triggered


@pytest.fixture
async def hub(hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path) -> MockConfigEntry:
    """A loaded hub with two cameras."""
    entry = hub_entry(
        tmp_path,
        camera_subentry("Front Door", "rtsp://front/s", **_QUIET),
        camera_subentry("Yard", "rtsp://yard/s", **_QUIET),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _keys(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> tuple[str, str, str]:
    """Return a camera's subentry id, folder and device id, read from HA's own records."""
    subentry_id = next(k for k, s in entry.subentries.items() if s.title == name)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, subentry_id), entry.entry_id
    )
    assert device is not None
    folder = entry.subentries[subentry_id].data["slug"]
    return subentry_id, folder, device.id


async def test_each_key_finds_the_same_camera(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Subentry id, folder and device id all resolve to one reference, with all its keys."""
    subentry_id, folder, device_id = _keys(hass, hub, "Front Door")
    by_subentry = camera_ref.find(hass, subentry_id, CameraKey.SUBENTRY)
    by_folder = camera_ref.find(hass, folder, CameraKey.FOLDER)
    by_device = camera_ref.find(hass, device_id, CameraKey.DEVICE)
    assert by_subentry is not None
    assert by_subentry == by_folder == by_device
    assert by_subentry.handle is hub.runtime_data.cameras[subentry_id]
    assert by_subentry.hub is hub.runtime_data
    assert by_subentry.entry_id == hub.entry_id
    assert (by_subentry.subentry_id, by_subentry.folder) == (subentry_id, "front_door")
    assert by_subentry.store.directory.name == "front_door"
    assert by_subentry.name == "Front Door"
    device = by_subentry.device()
    assert device is not None
    assert device.id == device_id


async def test_keys_are_not_confused(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """A key is only looked up as the kinds the caller names; another camera stays another."""
    subentry_id, folder, device_id = _keys(hass, hub, "Front Door")
    yard = camera_ref.find(hass, "yard", CameraKey.FOLDER)
    assert yard is not None
    assert yard.subentry_id != subentry_id
    assert camera_ref.find(hass, folder, CameraKey.SUBENTRY, CameraKey.DEVICE) is None
    assert camera_ref.find(hass, subentry_id, CameraKey.FOLDER, CameraKey.DEVICE) is None
    assert camera_ref.find(hass, device_id, CameraKey.SUBENTRY, CameraKey.FOLDER) is None
    # Kinds are tried in turn: what the export action does with its camera field.
    found = camera_ref.find(hass, device_id, CameraKey.SUBENTRY, CameraKey.DEVICE)
    assert found is not None
    assert found.subentry_id == subentry_id
    assert sorted(ref.name for ref in camera_ref.every(hass)) == ["Front Door", "Yard"]


async def test_unknown_keys_find_nothing(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Unknown ids, a device of another integration: None, or the translated error."""
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "front_door")}
    )
    every_kind = tuple(CameraKey)
    for key in ("nope", "", "../front_door", foreign.id):
        assert camera_ref.find(hass, key, *every_kind) is None
    with pytest.raises(ServiceValidationError) as raised:
        camera_ref.require(hass, "nope", *every_kind)
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "not_a_camera"
    assert raised.value.translation_placeholders == {"targets": "nope"}
    subentry_id = _keys(hass, hub, "Yard")[0]
    assert camera_ref.require(hass, subentry_id, CameraKey.SUBENTRY).folder == "yard"


async def test_an_unloaded_hub_has_no_cameras(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Once the hub unloads, no key finds its cameras: nothing serves a stopped camera."""
    subentry_id, folder, device_id = _keys(hass, hub, "Yard")
    assert await hass.config_entries.async_unload(hub.entry_id)
    await hass.async_block_till_done()
    assert camera_ref.find(hass, subentry_id, *CameraKey) is None
    assert camera_ref.find(hass, folder, *CameraKey) is None
    assert camera_ref.find(hass, device_id, *CameraKey) is None
    assert camera_ref.every(hass) == []
