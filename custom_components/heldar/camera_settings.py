"""A camera's settings: one schema, with its defaults, its stored keys and what needs a restart.

Everything else derives from ``CameraConfig``'s fields: reading and writing a subentry's data,
the flow's form defaults and the values it copies from a form, and whether a change needs a
new FFmpeg. A setting added here reaches all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any

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
    CONF_RECORD_ENABLED,
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_SCHEDULES,
    CONF_SEGMENT_SECONDS,
    CONF_SLUG,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
    CONF_TRANSCODE_MJPEG,
    CONF_USERNAME,
    DEFAULT_ACTIVITY_SENSITIVITY,
    DEFAULT_EVENT_RETENTION_HOURS,
    DEFAULT_POST_ROLL_SECONDS,
    DEFAULT_PRE_ROLL_SECONDS,
    DEFAULT_RETENTION_HOURS,
    DEFAULT_SEGMENT_SECONDS,
    GB,
)
from .recorder.activity import threshold
from .recorder.modes import RecordMode
from .recorder.source import StreamName
from .recorder.store import Limits

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry


def _setting(
    key: str,
    default: Any,
    read: Callable[[Any], Any],
    *,
    restart: bool = False,
    stream: bool = False,
    repr_: bool = True,
) -> Any:
    """Declare a setting: its stored key, default, how to read it, and its kind.

    ``restart``: a change needs a new FFmpeg. ``stream``: set on the connection form,
    beside the URL or entity (how the stream is written).
    """
    meta = {"key": key, "read": read, "restart": restart, "stream": stream}
    return field(default=default, repr=repr_, metadata=meta)


def _schedules(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(value)


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """A camera subentry's settings, typed."""

    name: str = _setting(CONF_NAME, "", str)
    slug: str = _setting(CONF_SLUG, "", str, restart=True)
    stream_url: str = _setting(CONF_STREAM_URL, "", str, restart=True)
    camera_entity: str = _setting(CONF_CAMERA_ENTITY, "", str, restart=True)
    username: str = _setting(CONF_USERNAME, "", str, restart=True)
    password: str = _setting(CONF_PASSWORD, "", str, restart=True, repr_=False)
    # A second stream of the same camera (same credentials), and which one records footage;
    # the other records events with their pre-roll.
    sub_stream_url: str = _setting(CONF_SUB_STREAM_URL, "", str, restart=True)
    continuous_stream: StreamName = _setting(  # noqa: RUF009
        CONF_CONTINUOUS_STREAM, StreamName.SUB, StreamName, restart=True
    )
    segment_seconds: int = _setting(
        CONF_SEGMENT_SECONDS, DEFAULT_SEGMENT_SECONDS, int, restart=True, stream=True
    )
    record_audio: bool = _setting(CONF_RECORD_AUDIO, False, bool, restart=True, stream=True)  # noqa: FBT003
    transcode_mjpeg: bool = _setting(CONF_TRANSCODE_MJPEG, True, bool, restart=True, stream=True)  # noqa: FBT003
    record_enabled: bool = _setting(CONF_RECORD_ENABLED, True, bool)  # noqa: FBT003
    record_mode: RecordMode = _setting(CONF_RECORD_MODE, RecordMode.CONTINUOUS, RecordMode)  # noqa: RUF009
    schedules: tuple[Mapping[str, Any], ...] = _setting(CONF_SCHEDULES, (), _schedules)
    # The pre-roll sizes FFmpeg's buffer, so it needs a restart; the post-roll does not.
    pre_roll_seconds: int = _setting(
        CONF_PRE_ROLL_SECONDS, DEFAULT_PRE_ROLL_SECONDS, int, restart=True
    )
    post_roll_seconds: int = _setting(CONF_POST_ROLL_SECONDS, DEFAULT_POST_ROLL_SECONDS, int)
    retention_hours: float = _setting(CONF_RETENTION_HOURS, DEFAULT_RETENTION_HOURS, float)
    event_retention_hours: float = _setting(
        CONF_EVENT_RETENTION_HOURS, DEFAULT_EVENT_RETENTION_HOURS, float
    )
    quota_gb: float = _setting(CONF_QUOTA_GB, 0.0, float)
    # Read when levels are judged, so a change applies at once, to footage already recorded.
    activity_sensitivity: int = _setting(
        CONF_ACTIVITY_SENSITIVITY, DEFAULT_ACTIVITY_SENSITIVITY, int
    )
    idle_retention_hours: float = _setting(CONF_IDLE_RETENTION_HOURS, 0.0, float)

    @property
    def takes_triggers(self) -> bool:
        """Whether ``heldar.trigger`` opens events; a sub-stream has them in continuous mode too."""
        with_stream = bool(self.sub_stream_url) and self.pre_roll_seconds > 0
        return self.record_mode.takes_triggers(event_stream=with_stream)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str = "") -> CameraConfig:
        """Read stored data; a missing or empty value takes the default (the name: ``title``)."""
        values: dict[str, Any] = {}
        for setting in fields(cls):
            raw = data.get(setting.metadata["key"])
            if raw is not None and raw != "":
                values[setting.name] = setting.metadata["read"](raw)
        values.setdefault("name", title)
        if "slug" not in values:
            raise KeyError(CONF_SLUG)  # the folder: a camera without one cannot be recorded
        return cls(**values)

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> CameraConfig:
        """Read a camera subentry's data."""
        return cls.from_data(subentry.data, subentry.title)

    def as_data(self) -> dict[str, Any]:
        """Return the settings as stored in a subentry."""
        data: dict[str, Any] = {}
        for setting in fields(self):
            value = getattr(self, setting.name)
            if isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, tuple):
                value = [dict(item) for item in value]
            data[setting.metadata["key"]] = value
        return data

    @property
    def limits(self) -> Limits:
        """Return how much of this camera's recordings to keep."""
        return Limits(
            retention_hours=self.retention_hours,
            event_retention_hours=self.event_retention_hours,
            quota_bytes=int(self.quota_gb * GB) if self.quota_gb > 0 else None,
            idle_retention_hours=self.idle_retention_hours or None,
            activity_threshold=self.activity_threshold,
        )

    @property
    def activity_threshold(self) -> int:
        """Return the lowest activity level that counts as activity at this sensitivity."""
        return threshold(self.activity_sensitivity / 100)

    def needs_restart_from(self, other: CameraConfig) -> bool:
        """Whether going from ``other`` to this config needs a new FFmpeg.

        Only the stream, how it is written, and the pre-roll (which sizes the buffer) do. The
        name labels the device; the switch, the mode, the schedule and the post-roll change
        what the running recorder wants.
        """
        return any(getattr(self, name) != getattr(other, name) for name in RESTART_FIELDS)


def default_of(key: str) -> Any:
    """Return the stored form of a setting's default."""
    return _DEFAULTS[key]


def stream_settings(form: Mapping[str, Any]) -> dict[str, Any]:
    """Return the settings the connection form sets beside the URL (segments, audio...)."""
    return {key: read(form.get(key, _DEFAULTS[key])) for key, read in STREAM_FIELDS.items()}


RESTART_FIELDS = tuple(f.name for f in fields(CameraConfig) if f.metadata["restart"])
STREAM_FIELDS: dict[str, Callable[[Any], Any]] = {
    f.metadata["key"]: f.metadata["read"] for f in fields(CameraConfig) if f.metadata["stream"]
}
_DEFAULTS = CameraConfig().as_data()
