"""The Trigger recording button: a dashboard shortcut for heldar.trigger on one camera."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import HeldarCameraEntity, async_setup_camera_entities
from .runtime import HeldarConfigEntry

PARALLEL_UPDATES = 0

TRIGGER = ButtonEntityDescription(key="trigger", translation_key="trigger")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Trigger recording button per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [TriggerButton(data, camera, TRIGGER)],
    )


class TriggerButton(HeldarCameraEntity, ButtonEntity):
    """Start or extend an event recording with the camera's post-roll."""

    async def async_press(self) -> None:
        """Trigger the camera, as heldar.trigger would."""
        self._camera.async_trigger(None, "button")
