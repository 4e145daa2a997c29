"""Repair issues that follow the recorders: raised while a problem lasts, cleared after.

- a camera entity that is gone or has no stream (per camera);
- a camera that refuses its login (per URL camera; fixable by entering new credentials);
- a camera that has not recorded for more than ten minutes while it should (per camera);
- storage that cannot be written, and FFmpeg that is missing or older than 5 (for the hub).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .camera_handle import CameraHandle
from .const import DOMAIN
from .recorder.probe import FFmpegVersion
from .recorder.status import Problem, RecorderState

FAILING_FOR = timedelta(minutes=10)
MIN_FFMPEG_MAJOR = 5
_FAILING_STATES = {RecorderState.OFFLINE, RecorderState.ERROR}


class IssueTracker:
    """Raise and clear Heldar's repair issues from the cameras' statuses.

    It follows the hub's status listeners (``async_camera_changed``) and knows nothing of the
    hub itself, so nothing above the cameras is imported here.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, storage: str) -> None:
        """Track issues for one hub."""
        self.hass = hass
        self.entry_id = entry_id
        self.storage = storage
        self._failing_since: dict[str, datetime] = {}
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._problems: dict[str, Problem | None] = {}
        self._cameras: dict[str, CameraHandle] = {}
        self._binary = ""

    @callback
    def async_check_ffmpeg(self, binary: str, version: FFmpegVersion | None) -> None:
        """Raise an issue if FFmpeg cannot be run or is too old for RTSP's socket timeout."""
        self._binary = binary
        self._issue(
            "ffmpeg_missing",
            version is None,
            translation_key="ffmpeg_missing",
            placeholders={"binary": binary},
            severity=ir.IssueSeverity.ERROR,
        )
        too_old = (
            version is not None and version.major is not None and version.major < MIN_FFMPEG_MAJOR
        )
        self._issue(
            "ffmpeg_too_old",
            too_old,
            translation_key="ffmpeg_too_old",
            placeholders={"binary": binary, "version": version.text if version else ""},
            severity=ir.IssueSeverity.ERROR,
        )

    @callback
    def async_camera_changed(self, camera: CameraHandle) -> None:
        """Look at a camera's new status."""
        status = camera.status
        key = camera.subentry_id
        if status is None:
            # Restarting with new settings (new credentials, say): what failed before may be
            # fixed, so the next verdict starts afresh.
            self._problems.pop(key, None)
            return
        self._cameras[key] = camera
        if status.state is RecorderState.CONNECTING:
            # A retry is under way: keep the verdict of the last attempt, so a repair stays
            # raised (and fixable) while the same problem lasts, rather than flap per retry.
            problem = self._problems.get(key)
        else:
            problem = status.problem if status.state in _FAILING_STATES else None
        self._problems[key] = problem
        name = camera.config.name
        self._issue(
            f"camera_source_{key}",
            problem is Problem.SOURCE and bool(camera.config.camera_entity),
            translation_key="camera_source",
            placeholders={"camera": name, "entity": camera.config.camera_entity},
        )
        self._issue(
            f"camera_auth_{key}",
            problem is Problem.AUTH,
            translation_key="camera_auth",
            placeholders={"camera": name},
            fixable=not camera.config.camera_entity,
            data={"entry_id": self.entry_id, "subentry_id": key},
        )
        self._issue(
            "storage_not_writable",
            any(p is Problem.STORAGE for p in self._problems.values()),
            translation_key="storage_not_writable",
            placeholders={"path": self.storage},
            severity=ir.IssueSeverity.ERROR,
        )
        if any(p is Problem.FFMPEG for p in self._problems.values()):
            self._issue(
                "ffmpeg_missing",
                True,  # noqa: FBT003
                translation_key="ffmpeg_missing",
                placeholders={"binary": self._binary or status.last_error or ""},
                severity=ir.IssueSeverity.ERROR,
            )
        self._track_failing(camera, status.state)

    @callback
    def async_remove_camera(self, camera: CameraHandle) -> None:
        """Forget a deleted camera and its issues."""
        key = camera.subentry_id
        self._cancel_timer(key)
        self._failing_since.pop(key, None)
        self._problems.pop(key, None)
        self._cameras.pop(key, None)
        for issue in ("camera_source", "camera_auth", "camera_failing"):
            ir.async_delete_issue(self.hass, DOMAIN, f"{issue}_{key}")

    @callback
    def async_stop(self) -> None:
        """Cancel the pending ten-minute checks."""
        for key in list(self._timers):
            self._cancel_timer(key)

    # -- ten minutes of failure -----------------------------------------------------------

    def _track_failing(self, camera: CameraHandle, state: RecorderState) -> None:
        key = camera.subentry_id
        if state in _FAILING_STATES:
            since = self._failing_since.setdefault(key, dt_util.utcnow())
            if key not in self._timers and not self._has(f"camera_failing_{key}"):
                delay = (since + FAILING_FOR - dt_util.utcnow()).total_seconds()
                self._timers[key] = async_call_later(
                    self.hass, max(delay, 0), partial(self._async_failing_check, key)
                )
        elif state is not RecorderState.CONNECTING:
            # Recording again (or paused, or idle on purpose): the clock starts over.
            self._failing_since.pop(key, None)
            self._cancel_timer(key)
            ir.async_delete_issue(self.hass, DOMAIN, f"camera_failing_{key}")

    @callback
    def _async_failing_check(self, key: str, _now: datetime) -> None:
        self._timers.pop(key, None)
        camera = self._cameras.get(key)
        since = self._failing_since.get(key)
        if camera is None or since is None or camera.status is None:
            return
        minutes = int((dt_util.utcnow() - since).total_seconds() // 60)
        self._issue(
            f"camera_failing_{key}",
            True,  # noqa: FBT003
            translation_key="camera_failing",
            placeholders={
                "camera": camera.config.name,
                "minutes": str(minutes),
                "error": camera.status.last_error or "",
            },
        )

    # -- plumbing -------------------------------------------------------------------------

    def _cancel_timer(self, key: str) -> None:
        if (cancel := self._timers.pop(key, None)) is not None:
            cancel()

    def _has(self, issue_id: str) -> bool:
        return ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id) is not None

    def _issue(
        self,
        issue_id: str,
        active: bool,  # noqa: FBT001
        *,
        translation_key: str,
        placeholders: dict[str, str],
        severity: ir.IssueSeverity = ir.IssueSeverity.WARNING,
        fixable: bool = False,
        data: dict[str, str | int | float | None] | None = None,
    ) -> None:
        if not active:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=fixable,
            severity=severity,
            translation_key=translation_key,
            translation_placeholders=placeholders,
            data=data,
        )
