"""The Trigger recording button: a dashboard shortcut for heldar.trigger on one camera."""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.logbook import async_log_entry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN, REASON_BUTTON
from .data import HeldarConfigEntry
from .entity import HeldarCameraEntity, async_setup_camera_entities
from .texts import async_load_texts, result_text

PARALLEL_UPDATES = 0

TRIGGER = ButtonEntityDescription(key="trigger", translation_key="trigger")
# Results that open or extend an event: the recording's own logbook line tells of those.
_RECORDS = {"started", "extended"}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Trigger recording button per camera."""
    await async_load_texts(hass)
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [TriggerButton(data, camera, TRIGGER)],
    )


class TriggerButton(HeldarCameraEntity, ButtonEntity):
    """Start or extend an event recording with the camera's post-roll, and say what it did.

    In a mode where triggers do nothing (continuous without a sub-stream, scheduled) the
    button is unavailable; the recorder state sensor's ``triggers`` attribute says why.
    """

    _last_result: str | None = None

    @property
    def available(self) -> bool:
        """Unavailable while restarting, and in a mode that ignores triggers."""
        return super().available and self._camera.config.takes_triggers

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return what a press does: nothing while recording is off, else the last result."""
        if not self._camera.config.record_enabled:
            return {"press_result": "recording_disabled"}
        return {"press_result": self._last_result} if self._last_result else {}

    async def async_press(self) -> None:
        """Trigger the camera, as heldar.trigger would; a press that does nothing is logged."""
        result = str(self._camera.async_trigger(None, REASON_BUTTON)["result"])
        self._last_result = result
        if result not in _RECORDS:
            async_log_entry(
                self.hass,
                self._camera.config.name,
                result_text(self.hass, result),
                DOMAIN,
                self.entity_id,
            )
        self.async_write_ha_state()
