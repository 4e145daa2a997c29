"""One camera settings schema: what CameraConfig declares reaches storage, forms, restarts."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest

from custom_components.heldar.camera_schemas import CONNECTION_SCHEMA, entity_schema
from custom_components.heldar.camera_settings import (
    RESTART_FIELDS,
    STREAM_FIELDS,
    CameraConfig,
    default_of,
    stream_settings,
)
from custom_components.heldar.recorder.activity import threshold
from custom_components.heldar.recorder.modes import RecordMode
from custom_components.heldar.recorder.source import StreamName

# A value different from the default, for each field.
CHANGED: dict[str, Any] = {
    "name": "Gate",
    "slug": "gate_2",
    "stream_url": "rtsp://camera.local/stream",
    "camera_entity": "camera.gate",
    "username": "admin",
    "password": "secret",
    "sub_stream_url": "rtsp://camera.local/sub",
    "continuous_stream": StreamName.MAIN,
    "segment_seconds": 30,
    "record_audio": True,
    "transcode_mjpeg": False,
    "record_enabled": False,
    "record_mode": RecordMode.EVENT,
    "schedules": ({"days": ["mon"], "start": "08:00:00", "end": "18:00:00"},),
    "pre_roll_seconds": 7,
    "post_roll_seconds": 9,
    "retention_hours": 12.0,
    "event_retention_hours": 48.0,
    "quota_gb": 2.5,
    "activity_sensitivity": 80,
    "idle_retention_hours": 6.0,
}
NEEDS_RESTART = {
    "slug", "stream_url", "camera_entity", "username", "password", "segment_seconds",
    "record_audio", "transcode_mjpeg", "pre_roll_seconds", "sub_stream_url", "continuous_stream",
}  # fmt: skip


def test_every_field_has_a_changed_value() -> None:
    """The table above covers every setting, so a new one cannot slip past these tests."""
    assert {f.name for f in fields(CameraConfig)} == set(CHANGED)


def test_stored_data_round_trips() -> None:
    """``as_data`` writes every setting under its key, and ``from_data`` reads it back."""
    config = CameraConfig(**CHANGED)
    assert CameraConfig.from_data(config.as_data()) == config
    base = CameraConfig(slug="gate")
    assert CameraConfig.from_data({"slug": "gate"}, "Gate") == replace(base, name="Gate")


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_which_changes_restart_ffmpeg(name: str) -> None:
    """The stream, how it is written, the folder and the pre-roll restart FFmpeg; nothing else."""
    before = CameraConfig(slug="gate")
    after = replace(before, **{name: CHANGED[name]})
    assert after.needs_restart_from(before) is (name in NEEDS_RESTART)
    assert (name in RESTART_FIELDS) is (name in NEEDS_RESTART)


@pytest.mark.parametrize("schema", [CONNECTION_SCHEMA, entity_schema([])], ids=["url", "entity"])
def test_stream_settings_are_on_both_connection_forms(schema: Any) -> None:  # noqa: ANN401
    """A stream setting (``transcode_mjpeg`` say) is asked beside a URL and an entity alike."""
    defaults = {str(key): key.default() for key in schema.schema if str(key) in STREAM_FIELDS}
    assert defaults == {key: default_of(key) for key in STREAM_FIELDS}
    assert stream_settings({}) == defaults


def test_sub_stream_settings_are_stored_as_plain_values() -> None:
    """The sub-stream URL and the footage stream's choice are stored as text, read back typed."""
    config = CameraConfig(slug="gate", sub_stream_url="rtsp://cam/sub")
    data = config.as_data()
    assert data["sub_stream_url"] == "rtsp://cam/sub"
    assert data["continuous_stream"] == "sub"
    assert type(data["continuous_stream"]) is str
    read = CameraConfig.from_data({**data, "continuous_stream": "main"})
    assert read.continuous_stream is StreamName.MAIN


def test_activity_settings_reach_the_limits() -> None:
    """The idle-footage tier and the sensitivity's threshold are what retention judges by."""
    config = CameraConfig(**CHANGED)
    assert config.limits.idle_retention_hours == 6.0
    assert config.limits.activity_threshold == threshold(0.8) == config.activity_threshold
    default = CameraConfig(slug="gate")
    assert default.limits.idle_retention_hours is None  # 0: idle footage kept like the rest
    assert default.activity_threshold == threshold(0.5)
    assert not CameraConfig(**CHANGED).needs_restart_from(replace(config, activity_sensitivity=5))
