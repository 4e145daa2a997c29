"""The Recording enabled switch: lets a user pause and resume a camera's recording."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_RECORD_ENABLED
from .data import HeldarConfigEntry
from .entity import HeldarCameraEntity, async_setup_camera_entities

PARALLEL_UPDATES = 0

RECORDING = SwitchEntityDescription(key="recording", translation_key="recording")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Recording enabled switch per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [RecordingSwitch(data, camera, RECORDING)],
    )


class RecordingSwitch(HeldarCameraEntity, SwitchEntity):
    """Whether the camera should record; stored with the camera so it survives restarts."""

    @property
    def is_on(self) -> bool:
        """Return whether recording is enabled."""
        return self._camera.config.record_enabled

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Resume recording."""
        self._set(enabled=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause recording: FFmpeg finishes its segment and stops."""
        self._set(enabled=False)

    def _set(self, *, enabled: bool) -> None:
        # Applied at once (FFmpeg starts finishing its segment now), then stored.
        self._data.async_set_record_enabled(self._camera, enabled)
        self.update_camera_setting(CONF_RECORD_ENABLED, enabled)
        self.async_write_ha_state()
