"""The camera's binary sensors: Recording now, and Activity.

Recording now is the recorder state reduced to yes or no, for automations and badges that
only ask "is this camera recording right now?"; the Recording enabled switch says whether it
should. Activity is a motion sensor made from the sizes of the frames Heldar already writes
(``recorder/activity.py``), with no decoding: on within about a second of a fragment that
changed more than the camera's sensitivity allows, off after a few quiet seconds.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .data import HeldarConfigEntry
from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.supervisor import RecorderState

# Off only after this long below the threshold: a walker's pauses and the frames just after
# a keyframe must not make the sensor flap (each change is an automation's trigger).
ACTIVITY_HOLD_SECONDS = 5.0

PARALLEL_UPDATES = 0

RECORDING = BinarySensorEntityDescription(
    key="recording",
    # No device class: its own state texts ("Recording", "Not recording") read better than
    # "Running" next to a switch.
    translation_key="recording",
)
ACTIVITY = BinarySensorEntityDescription(
    key="activity",
    translation_key="activity",
    device_class=BinarySensorDeviceClass.MOTION,
    # It is a guess from frame sizes with known blind spots (README, Activity): opt in.
    entity_registry_enabled_default=False,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Recording now and an Activity binary sensor per camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [
            RecordingBinarySensor(data, camera, RECORDING),
            ActivityBinarySensor(data, camera, ACTIVITY),
        ],
    )


class RecordingBinarySensor(HeldarCameraEntity, BinarySensorEntity):
    """On exactly when the recorder state is ``recording``."""

    @property
    def is_on(self) -> bool | None:
        """Return whether media is being recorded."""
        status = self._camera.status
        return status.state is RecorderState.RECORDING if status else None


class ActivityBinarySensor(HeldarCameraEntity, BinarySensorEntity):
    """On while the camera's live activity level is at or over its sensitivity's threshold.

    The level is the last second of frames, scored after each fragment FFmpeg writes; it
    turns the sensor on at once and off only after ``ACTIVITY_HOLD_SECONDS`` below the
    threshold. While the meter learns the camera's picture (about 16 s after FFmpeg starts,
    and after a change of the whole picture) and while nothing is recorded, it is off.
    """

    _attr_is_on = False
    _release: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Follow the live level too (the base follows the status and the settings)."""
        await super().async_added_to_hass()
        self.async_on_remove(self._camera.async_add_activity_listener(self._async_level))
        self.async_on_remove(self._async_cancel_release)

    @callback
    def _async_level(self) -> None:
        threshold = self._camera.config.activity_threshold
        if self._camera.activity_level >= threshold:
            self._async_cancel_release()
            if not self._attr_is_on:
                self._attr_is_on = True
                self.async_write_ha_state()
        elif self._attr_is_on and self._release is None:
            self._release = async_call_later(self.hass, ACTIVITY_HOLD_SECONDS, self._async_off)

    @callback
    def _async_off(self, _now: datetime) -> None:
        self._release = None
        if self._camera.activity_level < self._camera.config.activity_threshold:
            self._attr_is_on = False
            self.async_write_ha_state()

    @callback
    def _async_cancel_release(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None
