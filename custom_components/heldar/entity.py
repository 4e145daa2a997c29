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


class WriteOnChange(Entity):
    """Write the state only when what the entity shows changed.

    A recorder reports often (a trigger storm moves ``window_end`` many times a second), and
    each report reaches every entity of the camera; most reports change nothing an entity
    shows, and building a state to find that out costs the event loop a write each time.
    """

    _shown: tuple[object, ...] | None = None

    def _what_is_shown(self) -> tuple[object, ...]:
        return (self.available, self.state, self.extra_state_attributes)

    @callback
    def _async_write_ha_state(self) -> None:
        """Write the state, remembering what it shows (HA's hook for every write)."""
        self._shown = self._what_is_shown()
        super()._async_write_ha_state()

    @callback
    def async_write_if_changed(self) -> None:
        """Write the state unless it would show exactly what was written last."""
        if self._shown is None or self._what_is_shown() != self._shown:
            self.async_write_ha_state()


class HeldarCameraEntity(WriteOnChange):
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
        self.async_on_remove(self._camera.async_add_listener(self.async_write_if_changed))

    @callback
    def update_camera_setting(self, key: str, value: object) -> None:
        """Store one camera setting in its subentry; the hub's update listener applies it."""
        entry = self.platform.config_entry
        if entry is not None and (subentry := entry.subentries.get(self._camera.subentry_id)):
            self.hass.config_entries.async_update_subentry(
                entry, subentry, data={**subentry.data, key: value}
            )


class HeldarHubEntity(WriteOnChange):
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
