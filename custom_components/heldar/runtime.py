"""Heldar's runtime state in Home Assistant: the hub's recorders and one handle per camera.

A ``CameraHandle`` lives as long as its config subentry and outlives recorder restarts, so
entities bind to it once; while its recorder restarts it reports no status and its entities
show unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, callback

from .const import (
    CONF_NAME,
    CONF_PASSWORD,
    CONF_RECORD_AUDIO,
    CONF_RECORD_ENABLED,
    CONF_SEGMENT_SECONDS,
    CONF_SLUG,
    CONF_STREAM_URL,
    CONF_USERNAME,
    DEFAULT_SEGMENT_SECONDS,
)
from .recorder.manager import RecorderManager
from .recorder.supervisor import CameraSpec, RecorderStatus, StaticSource


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """A camera subentry's settings, typed."""

    name: str
    slug: str
    stream_url: str
    username: str = ""
    password: str = field(default="", repr=False)
    segment_seconds: int = DEFAULT_SEGMENT_SECONDS
    record_audio: bool = False
    record_enabled: bool = True

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> CameraConfig:
        """Read a camera subentry's data."""
        data: Mapping[str, Any] = subentry.data
        return cls(
            name=str(data.get(CONF_NAME) or subentry.title),
            slug=str(data[CONF_SLUG]),
            stream_url=str(data[CONF_STREAM_URL]),
            username=str(data.get(CONF_USERNAME) or ""),
            password=str(data.get(CONF_PASSWORD) or ""),
            segment_seconds=int(data.get(CONF_SEGMENT_SECONDS, DEFAULT_SEGMENT_SECONDS)),
            record_audio=bool(data.get(CONF_RECORD_AUDIO, False)),
            record_enabled=bool(data.get(CONF_RECORD_ENABLED, True)),
        )

    def needs_restart_from(self, other: CameraConfig) -> bool:
        """Whether going from ``other`` to this config needs a new FFmpeg.

        The name only labels the device, and the Recording switch pauses FFmpeg in place.
        """
        return replace(self, name=other.name, record_enabled=other.record_enabled) != other


class CameraHandle:
    """One camera as Home Assistant sees it: settings, live status and listeners."""

    def __init__(self, subentry_id: str, config: CameraConfig, storage: Path) -> None:
        """Create the handle; the recorder is started by ``HeldarData.async_start_camera``."""
        self.subentry_id = subentry_id
        self.config = config
        self.output_dir = storage / config.slug
        self.status: RecorderStatus | None = None
        self._listeners: list[CALLBACK_TYPE] = []

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` on every status change; returns the unsubscribe callback."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_set_status(self, status: RecorderStatus | None) -> None:
        """Take a new status from the recorder (None while it restarts) and tell listeners."""
        self.status = status
        for listener in list(self._listeners):
            listener()

    def spec(self) -> CameraSpec:
        """Return what the recorder core needs to record this camera."""
        config = self.config
        return CameraSpec(
            camera_id=config.slug,
            name=config.name,
            source=StaticSource(config.stream_url, config.username, config.password),
            output_dir=self.output_dir,
            segment_seconds=config.segment_seconds,
            record_audio=config.record_audio,
        )


@dataclass(slots=True)
class HeldarData:
    """What a loaded hub entry holds at runtime."""

    storage: Path
    manager: RecorderManager
    cameras: dict[str, CameraHandle] = field(default_factory=dict)
    # Serialises reactions to subentry changes, which Home Assistant may deliver back to back.
    update_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def async_start_camera(self, camera: CameraHandle) -> None:
        """Start (or restart) the camera's recorder; its entities are unavailable meanwhile."""
        camera.async_set_status(None)
        recorder = await self.manager.start(
            camera.spec(),
            enabled=camera.config.record_enabled,
            listener=camera.async_set_status,
        )
        camera.async_set_status(recorder.status)

    async def async_stop_camera(self, camera: CameraHandle) -> None:
        """Stop the camera's recorder; its entities become unavailable."""
        camera.async_set_status(None)
        await self.manager.stop(camera.config.slug)

    @callback
    def async_set_record_enabled(self, camera: CameraHandle, enabled: bool) -> None:  # noqa: FBT001
        """Apply the Recording switch at once; persisting it is the caller's job."""
        camera.config = replace(camera.config, record_enabled=enabled)
        if (recorder := self.manager.get(camera.config.slug)) is not None:
            recorder.set_enabled(enabled)


type HeldarConfigEntry = ConfigEntry[HeldarData]
