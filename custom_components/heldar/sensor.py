"""The Recorder state sensor: what the recorder is really doing, as an enum."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.supervisor import RecorderState
from .runtime import HeldarConfigEntry

PARALLEL_UPDATES = 0

RECORDER_STATE = SensorEntityDescription(
    key="recorder_state",
    translation_key="recorder_state",
    device_class=SensorDeviceClass.ENUM,
    options=[state.value for state in RecorderState],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Recorder state sensor per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [RecorderStateSensor(data, camera, RECORDER_STATE)],
    )


class RecorderStateSensor(HeldarCameraEntity, SensorEntity):
    """The recorder's state, with the details that explain it."""

    @property
    def native_value(self) -> str | None:
        """Return the recorder state."""
        status = self._camera.status
        return status.state.value if status else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return reconnects, the last (masked) error and the newest segment's start."""
        status = self._camera.status
        if status is None:
            return {}
        return {
            "mode": status.mode.value,
            "window_end": _iso(status.window_end),
            "next_change": _iso(self._camera.next_change),
            "reconnects": status.reconnects,
            "last_error": status.last_error,
            "last_segment": _iso(status.last_segment),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
