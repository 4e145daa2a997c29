"""What a loaded Heldar hub holds at runtime, and its typed config entry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
import logging
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .camera_handle import CameraHandle
from .issues import IssueTracker
from .listeners import Listeners
from .recorder.buffer import choose_buffer_dir
from .recorder.events import Event
from .recorder.manager import ManagerClosedError, RecorderManager
from .recorder.modes import Demand
from .recorder.previews import PreviewMaker
from .recorder.status import RecorderState, RecorderStatus
from .recordings import RecordingsManager

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class HeldarData:
    """What a loaded hub entry holds at runtime."""

    hass: HomeAssistant
    storage: Path
    manager: RecorderManager
    recordings: RecordingsManager
    on_event: Callable[[CameraHandle, Event, str], None]
    cameras: dict[str, CameraHandle] = field(default_factory=dict)
    ffprobe: str | None = None
    issues: IssueTracker | None = None
    # The hub's settings this runtime was built from; a change means a reload.
    hub_settings: dict[str, Any] = field(default_factory=dict)
    # Serialises reactions to subentry changes, which Home Assistant may deliver back to back.
    update_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _followed: dict[str, CALLBACK_TYPE] = field(default_factory=dict)
    # Told when any camera's status changes: the hub's sensors, and the repair issues.
    status_listeners: Listeners[[CameraHandle]] = field(default_factory=Listeners)
    # Makes each filed segment's scrub preview (recorder/previews.py).
    previews: PreviewMaker | None = None

    @callback
    def async_add_status_listener(self, listener: Callable[[CameraHandle], None]) -> CALLBACK_TYPE:
        """Call ``listener`` with the camera whose status changed; returns the unsubscribe."""
        return self.status_listeners.add(listener)

    async def async_start_camera(self, camera: CameraHandle) -> None:
        """Start (or restart) the camera's recorder; its entities are unavailable meanwhile."""
        if camera.subentry_id not in self._followed:
            self._followed[camera.subentry_id] = camera.status_listeners.add(
                self.status_listeners.notify
            )
        if camera.recorder is not None and (window_end := camera.recorder.status.window_end):
            camera.carried_window_end = max(window_end, camera.carried_window_end or window_end)
        camera.async_set_status(None)
        camera.recorder = None
        if self.previews is not None:
            camera.store.on_footage = self.previews.submit
        camera.async_apply_config()  # evaluates the schedule before FFmpeg is considered
        config = camera.config
        buffer_dir = None
        if config.pre_roll_seconds > 0:
            buffer_dir = await self.hass.async_add_executor_job(
                choose_buffer_dir, camera.output_dir, config.slug, config.pre_roll_seconds
            )
        if (owner := self._folder_owner(camera)) is not None:
            # Two FFmpegs in one folder would overwrite each other's segments.
            reason = f"its folder {camera.output_dir} is already recorded by {owner.config.name}"
            _LOGGER.error("Not recording %s: %s", config.name, reason)
            camera.async_set_status(
                RecorderStatus(
                    RecorderState.ERROR,
                    dt_util.utcnow(),
                    mode=config.record_mode,
                    last_error=reason,
                )
            )
            return
        try:
            recorder = await self.manager.start(
                camera.spec(buffer_dir),
                key=camera.subentry_id,
                enabled=config.record_enabled,
                demand=Demand(config.record_mode, camera.schedule_active),
                listener=camera.async_set_status,
                event_listener=partial(self.on_event, camera),
                store=camera.store,
                make_room=self.recordings.async_make_room,
                activity_listener=camera.async_set_activity,
                activity_wanted=camera.activity_wanted,
            )
        except ManagerClosedError:
            _LOGGER.debug("Not starting %s: Heldar is shutting down", config.name)
            camera.async_shutdown()
            return
        if camera.store.camera_id not in self.recordings.stores:
            await self.recordings.async_add_store(camera.store)
        camera.recorder = recorder
        # The switch, the mode or a schedule boundary may have changed while the old recorder
        # stopped (and this one was created with what was known before): apply them now.
        recorder.set_enabled(camera.config.record_enabled)
        recorder.set_mode(camera.config.record_mode)
        recorder.set_schedule_active(camera.schedule_active)
        if (window_end := camera.carried_window_end) is not None:
            camera.carried_window_end = None
            if window_end > dt_util.utcnow():
                recorder.trigger(window_end)
        camera.async_set_status(recorder.status)

    def _folder_owner(self, camera: CameraHandle) -> CameraHandle | None:
        """Return another camera of the hub that records into this camera's folder."""
        return next(
            (
                other
                for other in self.cameras.values()
                if other is not camera
                and other.recorder is not None
                and other.output_dir == camera.output_dir
            ),
            None,
        )

    async def async_stop_camera(self, camera: CameraHandle) -> None:
        """Stop the camera's recorder and schedule; its entities become unavailable."""
        camera.async_shutdown()
        camera.async_set_status(None)
        if (unfollow := self._followed.pop(camera.subentry_id, None)) is not None:
            unfollow()
        camera.recorder = None
        await self.manager.stop(camera.subentry_id)
        self.recordings.remove_store(camera.store)
        if self.issues is not None:
            self.issues.async_remove_camera(camera)

    async def async_stop_all(self) -> None:
        """Stop every camera: on unload and on Home Assistant shutdown."""
        self.recordings.async_stop()
        if self.issues is not None:
            self.issues.async_stop()
        for camera in self.cameras.values():
            camera.async_shutdown()
        await self.manager.stop_all()
        for store in self.recordings.stores.values():
            await store.index.save()

    @callback
    def async_set_record_enabled(self, camera: CameraHandle, enabled: bool) -> None:  # noqa: FBT001
        """Apply the Recording switch at once; persisting it is the caller's job."""
        camera.config = replace(camera.config, record_enabled=enabled)
        if camera.recorder is not None:
            camera.recorder.set_enabled(enabled)


type HeldarConfigEntry = ConfigEntry[HeldarData]
