"""The Recording mode select: switch a camera between continuous, scheduled and event."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_RECORD_MODE
from .data import HeldarConfigEntry
from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.modes import RecordMode

PARALLEL_UPDATES = 0

RECORD_MODE = SelectEntityDescription(
    key=CONF_RECORD_MODE,
    translation_key=CONF_RECORD_MODE,
    entity_category=EntityCategory.CONFIG,
    options=[mode.value for mode in RecordMode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Recording mode select per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [RecordModeSelect(data, camera, RECORD_MODE)],
    )


class RecordModeSelect(HeldarCameraEntity, SelectEntity):
    """The camera's recording mode, stored with the camera; changing it restarts nothing."""

    @property
    def current_option(self) -> str:
        """Return the mode."""
        return self._camera.config.record_mode.value

    async def async_select_option(self, option: str) -> None:
        """Store the new mode; the hub applies it to the running recorder."""
        self.update_camera_setting(CONF_RECORD_MODE, option)
