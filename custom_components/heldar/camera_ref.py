"""One Heldar camera, however a caller names it: the one reference and the one lookup.

Outside the recorder, a camera goes by one of three keys:

- its config **subentry** id: the review API, playlist tokens and share links name it so;
- its **folder** (the slug its files live under): file URLs, media-source ids and the
  recorder core's ``Event.camera``;
- its **device** id: actions and the ``heldar_*`` bus events.

``find`` turns whichever key a caller has into a ``CameraRef``, and ``of`` makes one from a
camera the caller already holds; nothing else makes one. Whether the asking user may see the
camera is not its job: callers ask access.py with the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .camera_handle import CameraHandle
from .const import DOMAIN
from .data import HeldarData
from .recorder.store import CameraStore


class CameraKey(StrEnum):
    """Which of a camera's keys a caller has."""

    SUBENTRY = "subentry"
    FOLDER = "folder"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class CameraRef:
    """A loaded camera: its handle (settings, status, store) and the hub that holds it."""

    handle: CameraHandle
    hub: HeldarData = field(compare=False)  # the handle belongs to one hub
    entry_id: str

    @property
    def subentry_id(self) -> str:
        """Return the camera's config subentry id (its device's identifier too)."""
        return self.handle.subentry_id

    @property
    def folder(self) -> str:
        """Return the name of the folder its files live in (URLs and media ids use it)."""
        return self.handle.store.camera_id

    @property
    def store(self) -> CameraStore:
        """Return what is on its disk: the segment index and the events."""
        return self.handle.store

    @property
    def name(self) -> str:
        """Return the camera's name."""
        return self.handle.config.name

    @callback
    def device(self) -> dr.DeviceEntry | None:
        """Return the camera's device, once it is registered."""
        return dr.async_get(self.handle.hass).async_get_device_by_identifier(
            (DOMAIN, self.subentry_id), self.entry_id
        )


@callback
def of(hub: HeldarData, handle: CameraHandle) -> CameraRef:
    """Return the reference of a camera the caller already holds, with its hub."""
    return CameraRef(handle, hub, hub.recordings.entry_id)


@callback
def every(hass: HomeAssistant) -> list[CameraRef]:
    """Return every loaded camera."""
    return [
        of(entry.runtime_data, handle)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        for handle in entry.runtime_data.cameras.values()
    ]


@callback
def find(hass: HomeAssistant, key: str, *kinds: CameraKey) -> CameraRef | None:
    """Return the loaded camera ``key`` names, trying each kind of key in turn; else None."""
    for kind in kinds:
        if (found := _FINDERS[kind](hass, key)) is not None:
            return found
    return None


@callback
def require(hass: HomeAssistant, key: str, *kinds: CameraKey) -> CameraRef:
    """Return the camera ``key`` names, or raise the translated "not a Heldar camera" error."""
    if (found := find(hass, key, *kinds)) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_camera",
            translation_placeholders={"targets": key},
        )
    return found


def _by_subentry(hass: HomeAssistant, subentry_id: str) -> CameraRef | None:
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        hub: HeldarData = entry.runtime_data
        if (handle := hub.cameras.get(subentry_id)) is not None:
            return of(hub, handle)
    return None


def _by_folder(hass: HomeAssistant, folder: str) -> CameraRef | None:
    """Return the camera recording into ``folder``: the one whose store the hub indexes."""
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        hub: HeldarData = entry.runtime_data
        named = [h for h in hub.cameras.values() if h.store.camera_id == folder]
        # Two cameras set to one folder: the one recording there (data.py refuses the other).
        indexed = hub.recordings.stores.get(folder)
        named.sort(key=lambda handle: handle.store is not indexed)
        if named:
            return of(hub, named[0])
    return None


def _by_device(hass: HomeAssistant, device_id: str) -> CameraRef | None:
    if (device := dr.async_get(hass).async_get(device_id)) is None:
        return None
    return next(
        (
            found
            for domain, ident in device.identifiers
            if domain == DOMAIN and (found := _by_subentry(hass, ident)) is not None
        ),
        None,
    )


_FINDERS = {
    CameraKey.SUBENTRY: _by_subentry,
    CameraKey.FOLDER: _by_folder,
    CameraKey.DEVICE: _by_device,
}
