"""Heldar's runtime state in Home Assistant: the hub's recorders and one handle per camera.

A ``CameraHandle`` lives as long as its config subentry and outlives recorder restarts, so
entities bind to it once; while its recorder restarts it reports no status and its entities
show unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .const import (
    CONF_CAMERA_ENTITY,
    CONF_EVENT_RETENTION_HOURS,
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
    CONF_TRANSCODE_MJPEG,
    CONF_USERNAME,
    DEFAULT_EVENT_RETENTION_HOURS,
    DEFAULT_POST_ROLL_SECONDS,
    DEFAULT_PRE_ROLL_SECONDS,
    DEFAULT_RETENTION_HOURS,
    DEFAULT_SEGMENT_SECONDS,
    GB,
)
from .recorder.buffer import choose_buffer_dir
from .recorder.events import Event
from .recorder.index import SegmentIndex
from .recorder.manager import ManagerClosedError, RecorderManager
from .recorder.modes import Demand, RecordMode
from .recorder.schedule import Schedule
from .recorder.store import CameraStore, Limits
from .recorder.supervisor import (
    CameraRecorder,
    CameraSpec,
    RecorderState,
    RecorderStatus,
    StaticSource,
    StreamSource,
)
from .recordings import RecordingsManager

if TYPE_CHECKING:
    from .issues import IssueTracker
from .schedule_timer import ScheduleTimer
from .sources import EntitySource

_LOGGER = logging.getLogger(__name__)

type TriggerResult = Literal[
    "started", "extended", "unchanged", "already_continuous", "schedule_only", "recording_disabled"
]


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """A camera subentry's settings, typed."""

    name: str
    slug: str
    stream_url: str = ""
    camera_entity: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    segment_seconds: int = DEFAULT_SEGMENT_SECONDS
    record_audio: bool = False
    transcode_mjpeg: bool = True
    record_enabled: bool = True
    record_mode: RecordMode = RecordMode.CONTINUOUS
    schedules: tuple[Mapping[str, Any], ...] = ()
    pre_roll_seconds: int = DEFAULT_PRE_ROLL_SECONDS
    post_roll_seconds: int = DEFAULT_POST_ROLL_SECONDS
    retention_hours: float = DEFAULT_RETENTION_HOURS
    event_retention_hours: float = DEFAULT_EVENT_RETENTION_HOURS
    quota_gb: float = 0.0

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> CameraConfig:
        """Read a camera subentry's data."""
        data: Mapping[str, Any] = subentry.data
        return cls(
            name=str(data.get(CONF_NAME) or subentry.title),
            slug=str(data[CONF_SLUG]),
            stream_url=str(data.get(CONF_STREAM_URL) or ""),
            camera_entity=str(data.get(CONF_CAMERA_ENTITY) or ""),
            username=str(data.get(CONF_USERNAME) or ""),
            password=str(data.get(CONF_PASSWORD) or ""),
            segment_seconds=int(data.get(CONF_SEGMENT_SECONDS, DEFAULT_SEGMENT_SECONDS)),
            record_audio=bool(data.get(CONF_RECORD_AUDIO, False)),
            transcode_mjpeg=bool(data.get(CONF_TRANSCODE_MJPEG, True)),
            record_enabled=bool(data.get(CONF_RECORD_ENABLED, True)),
            record_mode=RecordMode(data.get(CONF_RECORD_MODE, RecordMode.CONTINUOUS)),
            schedules=tuple(data.get(CONF_SCHEDULES) or ()),
            pre_roll_seconds=int(data.get(CONF_PRE_ROLL_SECONDS, DEFAULT_PRE_ROLL_SECONDS)),
            post_roll_seconds=int(data.get(CONF_POST_ROLL_SECONDS, DEFAULT_POST_ROLL_SECONDS)),
            retention_hours=float(data.get(CONF_RETENTION_HOURS, DEFAULT_RETENTION_HOURS)),
            event_retention_hours=float(
                data.get(CONF_EVENT_RETENTION_HOURS, DEFAULT_EVENT_RETENTION_HOURS)
            ),
            quota_gb=float(data.get(CONF_QUOTA_GB) or 0.0),
        )

    @property
    def limits(self) -> Limits:
        """Return how much of this camera's recordings to keep."""
        return Limits(
            retention_hours=self.retention_hours,
            event_retention_hours=self.event_retention_hours,
            quota_bytes=int(self.quota_gb * GB) if self.quota_gb > 0 else None,
        )

    def needs_restart_from(self, other: CameraConfig) -> bool:
        """Whether going from ``other`` to this config needs a new FFmpeg.

        Only the stream, how it is written, and the pre-roll (which sizes the buffer) do. The
        name labels the device; the switch, the mode, the schedule and the post-roll change
        what the running recorder wants.
        """
        return (
            self.stream_url,
            self.camera_entity,
            self.username,
            self.password,
            self.segment_seconds,
            self.record_audio,
            self.transcode_mjpeg,
            self.slug,
            self.pre_roll_seconds,
        ) != (
            other.stream_url,
            other.camera_entity,
            other.username,
            other.password,
            other.segment_seconds,
            other.record_audio,
            other.transcode_mjpeg,
            other.slug,
            other.pre_roll_seconds,
        )


class CameraHandle:
    """One camera as Home Assistant sees it: settings, live status, schedule and listeners."""

    def __init__(
        self,
        hass: HomeAssistant,
        subentry_id: str,
        config: CameraConfig,
        storage: Path,
        ffprobe: str | None = None,
    ) -> None:
        """Create the handle; the recorder is started by ``HeldarData.async_start_camera``."""
        self.hass = hass
        self.subentry_id = subentry_id
        self.config = config
        self.output_dir = storage / config.slug
        self.store = CameraStore(
            config.slug, config.name, self.output_dir, SegmentIndex(self.output_dir, ffprobe)
        )
        self.store.limits = config.limits
        self.status: RecorderStatus | None = None
        self.recorder: CameraRecorder | None = None
        self.schedule_active = False
        self.next_change: datetime | None = None
        # A trigger window to hand to the next recorder: one that arrived, or was open, while
        # the camera's recorder restarted.
        self.carried_window_end: datetime | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        # Told about every status change too: the hub counts cameras and raises repairs.
        self.hub_listener: Callable[[CameraHandle], None] | None = None
        self._timer = ScheduleTimer(hass, self._async_schedule_changed)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` on every status change; returns the unsubscribe callback."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_set_status(self, status: RecorderStatus | None) -> None:
        """Take a new status from the recorder (None while it restarts) and tell listeners."""
        self.status = status
        self._async_notify()
        if self.hub_listener is not None:
            self.hub_listener(self)

    @callback
    def async_config_changed(self) -> None:
        """Tell the entities that show settings (mode, rolls) to refresh."""
        self._async_notify()

    @callback
    def _async_notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def spec(self, buffer_dir: Path | None) -> CameraSpec:
        """Return what the recorder core needs to record this camera."""
        config = self.config
        source: StreamSource
        if config.camera_entity:
            source = EntitySource(self.hass, config.camera_entity)
        else:
            source = StaticSource(config.stream_url, config.username, config.password)
        return CameraSpec(
            camera_id=config.slug,
            name=config.name,
            source=source,
            output_dir=self.output_dir,
            segment_seconds=config.segment_seconds,
            record_audio=config.record_audio,
            transcode_mjpeg=config.transcode_mjpeg,
            pre_roll_seconds=config.pre_roll_seconds,
            buffer_dir=buffer_dir,
            ffprobe=self.store.index.ffprobe,
        )

    # -- what the recorder should do ------------------------------------------------------

    @callback
    def async_apply_config(self) -> None:
        """Hand the switch, mode and schedule to the running recorder, without a restart."""
        config = self.config
        self.store.limits = config.limits
        if (recorder := self.recorder) is not None:
            recorder.set_enabled(config.record_enabled)
            recorder.set_mode(config.record_mode)
        schedule = (
            Schedule.parse(list(config.schedules)) if config.record_mode.uses_schedule else None
        )
        self._timer.async_set(schedule)

    @callback
    def async_reevaluate_schedule(self) -> None:
        """Evaluate the schedule again, for example after HA's time zone changed."""
        self._timer.async_evaluate()

    @callback
    def _async_schedule_changed(self, active: bool, following: datetime | None) -> None:  # noqa: FBT001
        self.schedule_active = active
        self.next_change = following
        if self.recorder is not None:
            self.recorder.set_schedule_active(active)
        self._async_notify()

    @callback
    def async_shutdown(self) -> None:
        """Stop following the schedule."""
        self._timer.async_cancel()

    @callback
    def async_trigger(self, post_roll: int | None, reason: str) -> dict[str, JsonValueType]:
        """Open or extend the trigger window; return this camera's part of the response."""
        config = self.config
        result: TriggerResult
        if not config.record_enabled:
            result = "recording_disabled"
        elif config.record_mode is RecordMode.CONTINUOUS:
            result = "already_continuous"
        elif not config.record_mode.uses_triggers:
            result = "schedule_only"
        else:
            seconds = config.post_roll_seconds if post_roll is None else post_roll
            result = self._extend(dt_util.utcnow() + timedelta(seconds=seconds), reason)
            # A chattering sensor extends the window on every trigger: only a window that
            # opens is worth an info line.
            _LOGGER.log(
                logging.INFO if result == "started" else logging.DEBUG,
                "Camera %s triggered (%s): %s",
                config.name,
                reason or "no reason",
                result,
            )
        status = self.status
        return {
            "camera": config.name,
            "device_id": None,  # filled in by the service, which knows the registry
            "mode": config.record_mode.value,
            "state": status.state.value if status else None,
            "recording": status is not None and status.state is RecorderState.RECORDING,
            "window_end": status.window_end.isoformat() if status and status.window_end else None,
            "result": result,
        }

    def _extend(self, until: datetime, reason: str) -> TriggerResult:
        now = dt_util.utcnow()
        if (recorder := self.recorder) is None:
            # Restarting: keep the window for the recorder that is about to start.
            current = self.carried_window_end
            if current is not None and until <= current:
                return "unchanged"
            self.carried_window_end = until
            return "extended" if current is not None and current > now else "started"
        current = recorder.status.window_end
        if not recorder.trigger(until, reason):
            return "unchanged"
        return "extended" if current is not None and current > now else "started"


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
    _status_listeners: list[CALLBACK_TYPE] = field(default_factory=list)

    @callback
    def async_add_status_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` when any camera's status changes; returns the unsubscribe."""
        self._status_listeners.append(listener)
        return lambda: self._status_listeners.remove(listener)

    @callback
    def _async_status_changed(self, camera: CameraHandle) -> None:
        if self.issues is not None:
            self.issues.async_camera_changed(camera)
        for listener in list(self._status_listeners):
            listener()

    async def async_start_camera(self, camera: CameraHandle) -> None:
        """Start (or restart) the camera's recorder; its entities are unavailable meanwhile."""
        camera.hub_listener = self._async_status_changed
        if camera.recorder is not None and (window_end := camera.recorder.status.window_end):
            camera.carried_window_end = max(window_end, camera.carried_window_end or window_end)
        camera.async_set_status(None)
        camera.recorder = None
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
