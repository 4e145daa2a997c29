"""Sensors: each camera's recorder state and storage, and the hub's disk and totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .camera_handle import CameraHandle
from .const import SIGNAL_STORAGE_UPDATED
from .data import HeldarConfigEntry, HeldarData
from .entity import HeldarCameraEntity, HeldarHubEntity, async_setup_camera_entities
from .recorder.modes import RecordMode
from .recorder.supervisor import RecorderState

PARALLEL_UPDATES = 0

RECORDER_STATE = SensorEntityDescription(
    key="recorder_state",
    translation_key="recorder_state",
    device_class=SensorDeviceClass.ENUM,
    options=[state.value for state in RecorderState],
)


@dataclass(frozen=True, kw_only=True)
class CameraStorageDescription(SensorEntityDescription):
    """A sensor computed from one camera's recordings."""

    value: Callable[[CameraHandle], float | int | datetime | None]


@dataclass(frozen=True, kw_only=True)
class HubDescription(SensorEntityDescription):
    """A sensor computed from the whole hub."""

    value: Callable[[HeldarData], float | int | None]


# Bytes, shown by HA's unit conversion: recordings in MB with one decimal, so 4.8 MB reads
# "4.8 MB" and 48 GB "48,000.0 MB" (each entity's unit can be changed in its settings); a
# disk's free space in GB.
_BYTES = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.BYTES,
    "suggested_unit_of_measurement": UnitOfInformation.MEGABYTES,
    "suggested_display_precision": 1,
    "state_class": SensorStateClass.MEASUREMENT,
}
_DISK_BYTES = {**_BYTES, "suggested_unit_of_measurement": UnitOfInformation.GIGABYTES}


@dataclass(frozen=True, kw_only=True)
class CameraStatusDescription(SensorEntityDescription):
    """A diagnostic figure from a camera's recorder status."""

    value: Callable[[CameraHandle], float | int | datetime | None]


CAMERA_STATUS = (
    CameraStatusDescription(
        key="reconnects",
        translation_key="reconnects",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda camera: camera.status.reconnects if camera.status else None,
    ),
    CameraStatusDescription(
        key="last_segment",
        translation_key="last_segment",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # A new value every segment: useful when debugging, noise in the logbook otherwise.
        entity_registry_enabled_default=False,
        value=lambda camera: camera.status.last_segment if camera.status else None,
    ),
)

CAMERA_STORAGE = (
    CameraStorageDescription(
        key="storage_used",
        translation_key="storage_used",
        value=lambda camera: camera.store.used_bytes(),
        **_BYTES,  # type: ignore[arg-type]
    ),
    CameraStorageDescription(
        key="oldest_recording",
        translation_key="oldest_recording",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda camera: (
            dt_util.utc_from_timestamp(oldest)
            if (oldest := camera.store.oldest()) is not None
            else None
        ),
    ),
    CameraStorageDescription(
        key="gaps_24h",
        translation_key="gaps_24h",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda camera: camera.store.index.gap_count(),
    ),
)

HUB_SENSORS = (
    HubDescription(
        key="free_space",
        translation_key="free_space",
        value=lambda data: data.recordings.free_bytes,
        **_DISK_BYTES,  # type: ignore[arg-type]
    ),
    HubDescription(
        key="total_storage",
        translation_key="total_storage",
        value=lambda data: sum(c.store.used_bytes() for c in data.cameras.values()),
        **_BYTES,  # type: ignore[arg-type]
    ),
    HubDescription(
        key="cameras_recording",
        translation_key="cameras_recording",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda data: sum(
            1
            for camera in data.cameras.values()
            if camera.status is not None and camera.status.state is RecorderState.RECORDING
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the camera sensors per camera and the hub sensors once."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [
            RecorderStateSensor(data, camera, RECORDER_STATE),
            *(CameraStorageSensor(data, camera, description) for description in CAMERA_STORAGE),
            *(CameraStatusSensor(data, camera, description) for description in CAMERA_STATUS),
        ],
    )
    async_add_entities(HubSensor(entry, description) for description in HUB_SENSORS)


class RecorderStateSensor(HeldarCameraEntity, SensorEntity):
    """The recorder's state, with the details that explain it."""

    @property
    def native_value(self) -> str | None:
        """Return the recorder state."""
        status = self._camera.status
        return status.state.value if status else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return mode, triggers, windows, reconnects, why it is not recording, the newest segment.

        ``streams`` says, for a camera recording a sub-stream beside its main one, which of
        the two is recording, stalled or failed.

        ``reason`` is a short translated word; ``last_error`` keeps FFmpeg's own (masked)
        words, as the diagnostics do.
        """
        status = self._camera.status
        if status is None:
            return {}
        attributes = {
            "mode": status.mode.value,
            "triggers": triggers(self._camera),
            "window_end": _iso(status.window_end),
            "next_change": _iso(self._camera.next_change),
            "reconnects": status.reconnects,
            "reason": status.reason.value if status.reason else None,
            "media": status.media,
            # A camera with a sub-stream: each stream's own state ({"main": ..., "sub": ...}).
            "streams": dict(status.streams) if status.streams else None,
            "last_error": status.last_error,
            "last_segment": _iso(status.last_segment),
        }
        # An attribute with nothing to say is left out, not shown as "Unknown".
        return {key: value for key, value in attributes.items() if value is not None}


class CameraStatusSensor(HeldarCameraEntity, SensorEntity):
    """A diagnostic figure of the recorder, pushed with every status change."""

    entity_description: CameraStatusDescription

    @property
    def native_value(self) -> float | int | datetime | None:
        """Return the figure."""
        return self.entity_description.value(self._camera)


class CameraStorageSensor(HeldarCameraEntity, SensorEntity):
    """How much a camera keeps on disk, and since when; updated after each housekeeping run."""

    entity_description: CameraStorageDescription

    @property
    def native_value(self) -> float | int | datetime | None:
        """Return the figure."""
        return self.entity_description.value(self._camera)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the index's counts on the storage sensor."""
        if self.entity_description.key != "storage_used":
            return None
        index = self._camera.store.index
        return {
            "segments": len(index),
            "events": len(self._camera.store.events),
            "quarantined": index.quarantined,
        }

    async def async_added_to_hass(self) -> None:
        """Also follow housekeeping."""
        await super().async_added_to_hass()
        entry_id = self.platform.config_entry.entry_id if self.platform.config_entry else ""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_STORAGE_UPDATED.format(entry_id), self.async_write_ha_state
            )
        )


class HubSensor(HeldarHubEntity, SensorEntity):
    """A figure for the whole hub, on the hub's own device."""

    entity_description: HubDescription

    @property
    def native_value(self) -> float | int | None:
        """Return the figure."""
        return self.entity_description.value(self._entry.runtime_data)

    async def async_added_to_hass(self) -> None:
        """Follow housekeeping and every camera's state."""
        data = self._entry.runtime_data
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_STORAGE_UPDATED.format(self._entry.entry_id),
                self.async_write_ha_state,
            )
        )
        if self.entity_description.key == "cameras_recording":
            self.async_on_remove(data.async_add_status_listener(self._async_camera_changed))

    @callback
    def _async_camera_changed(self, _camera: CameraHandle) -> None:
        self.async_write_if_changed()


def triggers(camera: CameraHandle) -> str:
    """Say whether ``heldar.trigger`` opens events, or why it does nothing, in this mode."""
    config = camera.config
    if config.takes_triggers:
        return "accepted"
    return "already_continuous" if config.record_mode is RecordMode.CONTINUOUS else "schedule_only"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
