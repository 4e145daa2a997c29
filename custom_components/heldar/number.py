"""Pre-roll and post-roll as number entities, for adjusting event recording from a dashboard."""

from __future__ import annotations

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    MAX_POST_ROLL_SECONDS,
    MAX_PRE_ROLL_SECONDS,
)
from .data import HeldarConfigEntry
from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.modes import RecordMode

PARALLEL_UPDATES = 0

ROLLS = (
    NumberEntityDescription(
        key=CONF_PRE_ROLL_SECONDS,
        translation_key=CONF_PRE_ROLL_SECONDS,
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        native_min_value=0,
        native_max_value=MAX_PRE_ROLL_SECONDS,
        native_step=1,
        mode=NumberMode.BOX,
    ),
    NumberEntityDescription(
        key=CONF_POST_ROLL_SECONDS,
        translation_key=CONF_POST_ROLL_SECONDS,
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        native_min_value=0,
        native_max_value=MAX_POST_ROLL_SECONDS,
        native_step=1,
        mode=NumberMode.BOX,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the pre-roll and post-roll numbers per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [RollNumber(data, camera, description) for description in ROLLS],
    )


class RollNumber(HeldarCameraEntity, NumberEntity):
    """A roll length, stored with the camera. A new pre-roll resizes the buffer (a restart).

    Unavailable in a mode that records no events (continuous without a sub-stream, and
    scheduled): the recorder state sensor's ``triggers`` attribute says why.
    """

    @property
    def available(self) -> bool:
        """Unavailable while restarting, and where the camera records no events."""
        config = self._camera.config
        events = config.record_mode.uses_triggers or bool(
            config.sub_stream_url and config.record_mode is RecordMode.CONTINUOUS
        )
        return super().available and events

    @property
    def native_value(self) -> float:
        """Return the seconds."""
        return float(getattr(self._camera.config, self.entity_description.key))

    async def async_set_native_value(self, value: float) -> None:
        """Store the new length; the hub applies it."""
        self.update_camera_setting(self.entity_description.key, int(value))
