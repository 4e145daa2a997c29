"""One camera as Home Assistant sees it: settings, live status, schedule and listeners.

A ``CameraHandle`` lives as long as its config subentry and outlives recorder restarts, so
entities bind to it once; while its recorder restarts it reports no status and its entities
show unavailable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from pathlib import Path
from typing import Literal

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .camera_settings import CameraConfig
from .listeners import Listeners
from .recorder.index import SegmentIndex
from .recorder.modes import RecordMode
from .recorder.schedule import Schedule
from .recorder.source import CameraSpec, StaticSource, StreamSource
from .recorder.status import RecorderState, RecorderStatus
from .recorder.store import CameraStore
from .recorder.supervisor import CameraRecorder
from .schedule_timer import ScheduleTimer
from .sources import EntitySource

_LOGGER = logging.getLogger(__name__)

type TriggerResult = Literal[
    "started", "extended", "unchanged", "already_continuous", "schedule_only", "recording_disabled"
]


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
        # Entities follow every change; the hub (counts, repairs) follows status changes.
        self._listeners: Listeners[[]] = Listeners()
        self.status_listeners: Listeners[[CameraHandle]] = Listeners()
        # The live activity level after each fragment (recorder/activity.py's level byte).
        self.activity_level = 0
        self._activity_listeners: Listeners[[]] = Listeners()
        self._timer = ScheduleTimer(hass, self._async_schedule_changed)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` on every status change; returns the unsubscribe callback."""
        return self._listeners.add(listener)

    @callback
    def async_set_status(self, status: RecorderStatus | None) -> None:
        """Take a new status from the recorder (None while it restarts) and tell listeners."""
        self.status = status
        self._listeners.notify()
        self.status_listeners.notify(self)

    @callback
    def async_add_activity_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` on every new live activity level; returns the unsubscribe."""
        return self._activity_listeners.add(listener)

    @callback
    def activity_wanted(self) -> bool:
        """Whether anything listens to the live level (the Activity sensor is enabled)."""
        return bool(self._activity_listeners)

    @callback
    def async_set_activity(self, level: int) -> None:
        """Take the live activity level the recorder measured (0: not measured)."""
        self.activity_level = level
        self._activity_listeners.notify()

    @callback
    def async_config_changed(self) -> None:
        """Tell the entities that show settings (mode, rolls) to refresh."""
        self._listeners.notify()

    def spec(self, buffer_dir: Path | None) -> CameraSpec:
        """Return what the recorder core needs to record this camera."""
        config = self.config
        source: StreamSource
        if config.camera_entity:
            source = EntitySource(self.hass, config.camera_entity)
        else:
            source = StaticSource(config.stream_url, config.username, config.password)
        sub_source = None
        if config.sub_stream_url and not config.camera_entity:
            sub_source = StaticSource(config.sub_stream_url, config.username, config.password)
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
            sub_source=sub_source,
            continuous_stream=config.continuous_stream,
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
        self._listeners.notify()

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
        elif not config.takes_triggers:
            continuous = config.record_mode is RecordMode.CONTINUOUS
            result = "already_continuous" if continuous else "schedule_only"
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
