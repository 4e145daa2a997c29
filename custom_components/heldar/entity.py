"""The base of every Heldar entity: one device per camera (and one for the hub), pushed state."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .camera_handle import CameraHandle
from .const import DOMAIN, SIGNAL_CAMERA_ADDED
from .data import HeldarConfigEntry, HeldarData


class HeldarCameraEntity(Entity):
    """An entity of one camera's device, updated whenever its recorder reports."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, data: HeldarData, camera: CameraHandle, description: EntityDescription
    ) -> None:
        """Bind the entity to ``camera`` for its whole life."""
        self.entity_description = description
        self._data = data
        self._camera = camera
        self._attr_unique_id = f"{camera.subentry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, camera.subentry_id)},
            name=camera.config.name,
            manufacturer="Heldar",
            model="FFmpeg recorder",
        )

    @property
    def available(self) -> bool:
        """Unavailable while the camera's recorder is (re)starting."""
        return self._camera.status is not None

    async def async_added_to_hass(self) -> None:
        """Follow the camera's status."""
        await super().async_added_to_hass()
        self.async_on_remove(self._camera.async_add_listener(self.async_write_ha_state))

    @callback
    def update_camera_setting(self, key: str, value: object) -> None:
        """Store one camera setting in its subentry; the hub's update listener applies it."""
        entry = self.platform.config_entry
        if entry is not None and (subentry := entry.subentries.get(self._camera.subentry_id)):
            self.hass.config_entries.async_update_subentry(
                entry, subentry, data={**subentry.data, key: value}
            )


class HeldarHubEntity(Entity):
    """An entity of the hub itself (figures for all cameras), on the hub's own device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: HeldarConfigEntry, description: EntityDescription) -> None:
        """Bind the entity to the hub entry."""
        self.entity_description = description
        self._entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="Heldar",
            model="Recorder hub",
            entry_type=DeviceEntryType.SERVICE,
        )


def async_setup_camera_entities(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[HeldarData, CameraHandle], Iterable[Entity]],
) -> None:
    """Add ``build``'s entities for every camera now and for every camera added later."""
    data = entry.runtime_data

    @callback
    def add_camera(camera: CameraHandle) -> None:
        async_add_entities(build(data, camera), config_subentry_id=camera.subentry_id)

    for camera in data.cameras.values():
        add_camera(camera)
    entry.async_on_unload(
        async_dispatcher_connect(hass, SIGNAL_CAMERA_ADDED.format(entry.entry_id), add_camera)
    )
