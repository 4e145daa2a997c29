"""The camera flow's form schemas, and the conversions between form values and stored data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    DurationSelector,
    DurationSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .camera_settings import default_of
from .const import (
    CONF_ACTIVITY_SENSITIVITY,
    CONF_CAMERA_ENTITY,
    CONF_CONTINUOUS_STREAM,
    CONF_EVENT_RETENTION_HOURS,
    CONF_IDLE_RETENTION_HOURS,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_QUOTA_GB,
    CONF_RECORD_AUDIO,
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_SEGMENT_SECONDS,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
    CONF_TRANSCODE_MJPEG,
    CONF_USERNAME,
    MAX_POST_ROLL_SECONDS,
    MAX_PRE_ROLL_SECONDS,
    MAX_SEGMENT_SECONDS,
)
from .recorder.command import MIN_SEGMENT_SECONDS
from .recorder.modes import RecordMode
from .recorder.source import StreamName

# Form-only keys: retention is entered as a duration (days, hours, minutes), stored in hours.
CONF_RETENTION = "retention"
CONF_EVENT_RETENTION = "event_retention"
CONF_IDLE_RETENTION = "idle_retention"
RETENTION_FIELDS = {
    CONF_RETENTION: CONF_RETENTION_HOURS,
    CONF_EVENT_RETENTION: CONF_EVENT_RETENTION_HOURS,
    CONF_IDLE_RETENTION: CONF_IDLE_RETENTION_HOURS,
}


def _number(maximum: float, unit: str, minimum: float = 0, *, step: float = 1) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement=unit,
        )
    )


def _seconds(maximum: int, minimum: int = 0) -> NumberSelector:
    return _number(maximum, "s", minimum)


def hours_from_form(value: Mapping[str, Any] | None) -> float | None:
    """Return a duration field's value in hours, or None when it is missing or not positive."""
    if not value:
        return None
    try:
        period: timedelta = cv.time_period_dict(dict(value))
    except vol.Invalid:
        return None
    hours = period.total_seconds() / 3600
    return hours if hours > 0 else None


def form_duration(hours: float) -> dict[str, int]:
    """Return stored hours as the duration selector's days, hours and minutes."""
    minutes = round(hours * 60)
    return {"days": minutes // 1440, "hours": minutes % 1440 // 60, "minutes": minutes % 60}


def recording_form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored settings as suggested values of the recording and event forms."""
    values = dict(data)
    for field, key in RETENTION_FIELDS.items():
        if key in data:
            values[field] = form_duration(float(data[key]))
    return values


_DURATION = DurationSelector(DurationSelectorConfig(enable_day=True, enable_second=False))
# How the stream is written (camera_settings' stream fields), with the schema's defaults.
_SEGMENTS = {
    vol.Required(CONF_SEGMENT_SECONDS, default=default_of(CONF_SEGMENT_SECONDS)): _seconds(
        MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS
    ),
    vol.Required(CONF_RECORD_AUDIO, default=default_of(CONF_RECORD_AUDIO)): BooleanSelector(),
    vol.Required(CONF_TRANSCODE_MJPEG, default=default_of(CONF_TRANSCODE_MJPEG)): BooleanSelector(),
}

CONNECTION_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_STREAM_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Optional(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Optional(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
        ),
        vol.Optional(CONF_SUB_STREAM_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        ),
        vol.Required(
            CONF_CONTINUOUS_STREAM, default=default_of(CONF_CONTINUOUS_STREAM)
        ): SelectSelector(
            SelectSelectorConfig(
                options=[stream.value for stream in StreamName],
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_CONTINUOUS_STREAM,
            )
        ),
        **_SEGMENTS,
    }
)


def entity_schema(excluded: list[str]) -> vol.Schema:
    """Return the camera entity form, its picker leaving out the ``excluded`` entities."""
    picker = EntitySelectorConfig(domain="camera", exclude_entities=excluded)
    return vol.Schema(
        {
            vol.Optional(CONF_NAME): TextSelector(),
            vol.Required(CONF_CAMERA_ENTITY): EntitySelector(picker),
            **_SEGMENTS,
        }
    )


# What every mode needs. The event settings follow on their own form, only for trigger modes.
RECORDING_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_RECORD_MODE, default=default_of(CONF_RECORD_MODE)): SelectSelector(
            SelectSelectorConfig(
                options=[mode.value for mode in RecordMode],
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_RECORD_MODE,
            )
        ),
        vol.Required(
            CONF_RETENTION, default=form_duration(default_of(CONF_RETENTION_HOURS))
        ): _DURATION,
        vol.Required(CONF_QUOTA_GB, default=0): _number(100_000, "GB", 0, step=0.1),
        vol.Optional(CONF_IDLE_RETENTION): _DURATION,
        vol.Required(
            CONF_ACTIVITY_SENSITIVITY, default=default_of(CONF_ACTIVITY_SENSITIVITY)
        ): _number(100, "%", 0, step=5),
    }
)

EVENTS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PRE_ROLL_SECONDS, default=default_of(CONF_PRE_ROLL_SECONDS)): _seconds(
            MAX_PRE_ROLL_SECONDS
        ),
        vol.Required(CONF_POST_ROLL_SECONDS, default=default_of(CONF_POST_ROLL_SECONDS)): _seconds(
            MAX_POST_ROLL_SECONDS
        ),
        vol.Required(
            CONF_EVENT_RETENTION, default=form_duration(default_of(CONF_EVENT_RETENTION_HOURS))
        ): _DURATION,
    }
)
