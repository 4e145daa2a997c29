"""The Recording binary sensor: on while media from the camera is reaching the disk."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.supervisor import RecorderState
from .runtime import HeldarConfigEntry

PARALLEL_UPDATES = 0

RECORDING = BinarySensorEntityDescription(
    key="recording",
    translation_key="recording",
    device_class=BinarySensorDeviceClass.RUNNING,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Recording binary sensor per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [RecordingBinarySensor(data, camera, RECORDING)],
    )


class RecordingBinarySensor(HeldarCameraEntity, BinarySensorEntity):
    """On exactly when the recorder state is ``recording``."""

    @property
    def is_on(self) -> bool | None:
        """Return whether media is being recorded."""
        status = self._camera.status
        return status.state is RecorderState.RECORDING if status else None
