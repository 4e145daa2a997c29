"""The Recording now binary sensor: on while media from the camera is reaching the disk.

It is the recorder state reduced to yes or no, for automations and badges that only ask
"is this camera recording right now?"; the Recording enabled switch says whether it should.
"""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import HeldarConfigEntry
from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.supervisor import RecorderState

PARALLEL_UPDATES = 0

RECORDING = BinarySensorEntityDescription(
    key="recording",
    # No device class: its own state texts ("Recording", "Not recording") read better than
    # "Running" next to a switch.
    translation_key="recording",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Recording now binary sensor per camera."""
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
