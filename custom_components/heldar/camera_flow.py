"""The camera subentry flow: connection, recording mode and the schedule editor.

Adding a camera walks through connection -> recording -> (schedule, for scheduled modes).
Editing one opens a menu of the same steps and saves once at the end, so only what changed is
applied: a new stream restarts the camera's FFmpeg, a new mode or schedule does not. The steps
are the flow's methods (Home Assistant calls ``async_step_<id>``); what they check and edit
lives in camera_checks.py and schedule_editor.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult

from .camera_checks import (
    ConnectionCheck,
    HubCameras,
    check_entity_camera,
    check_url_camera,
    identity,
    own_camera_entities,
)
from .camera_schemas import (
    CONF_EVENT_RETENTION,
    CONF_IDLE_RETENTION,
    CONF_RETENTION,
    CONNECTION_SCHEMA,
    EVENTS_SCHEMA,
    RECORDING_SCHEMA,
    entity_schema,
    hours_from_form,
    recording_form_values,
)
from .camera_settings import CameraConfig, default_of
from .const import (
    CONF_ACTIVITY_SENSITIVITY,
    CONF_CAMERA_ENTITY,
    CONF_EVENT_RETENTION_HOURS,
    CONF_IDLE_RETENTION_HOURS,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_QUOTA_GB,
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_SCHEDULES,
    CONF_SLUG,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
)
from .recorder.modes import RecordMode
from .schedule_editor import ScheduleEditor
from .schedule_form import window_schema


class CameraSubentryFlow(ConfigSubentryFlow):
    """Add or edit one camera; the stream is tried before anything is saved."""

    def __init__(self) -> None:
        """Start with nothing collected."""
        super().__init__()
        self._data: dict[str, Any] = {}
        self._schedule = ScheduleEditor()
        # A password typed into a form that then failed validation, kept here (never sent
        # back to the browser) so the user does not have to type it again.
        self._typed_password = ""
        self._connection_step = "url"

    def _cameras(self) -> HubCameras:
        """Return the hub's other cameras, which this one must not clash with."""
        return HubCameras(self._get_entry(), self.context.get("subentry_id"))

    # -- adding ---------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera: from a stream URL, or from a camera Home Assistant already has."""
        return self.async_show_menu(step_id="user", menu_options=["url", "entity"])

    async def async_step_url(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera by its stream URL."""
        self._connection_step = "url"
        return await self._async_connection("url", user_input, next_step=self.async_step_recording)

    async def async_step_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a camera by one of Home Assistant's camera entities."""
        self._connection_step = "entity"
        return await self._async_entity("entity", user_input, next_step=self.async_step_recording)

    # -- editing --------------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit a camera: choose what to change, then save."""
        if not self._data:
            self._data = _copy(self._get_reconfigure_subentry().data)
            self._schedule = ScheduleEditor(self._data[CONF_SCHEDULES])
        options = ["connection", "recording"]
        if RecordMode(self._data[CONF_RECORD_MODE]).uses_schedule:
            options.append("schedule")
        options.append("save")
        return self.async_show_menu(
            step_id="reconfigure",
            menu_options=options,
            description_placeholders={"camera": self._get_reconfigure_subentry().title},
        )

    async def async_step_connection(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit how to reach the camera (its URL, or which camera entity)."""
        if self._data.get(CONF_CAMERA_ENTITY):
            return await self._async_entity(
                "connection", user_input, next_step=self.async_step_reconfigure
            )
        return await self._async_connection(
            "connection", user_input, next_step=self.async_step_reconfigure
        )

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Save the edits, and say what the hub does with them."""
        subentry = self._get_reconfigure_subentry()
        before = CameraConfig.from_subentry(subentry)
        self.hass.config_entries.async_update_subentry(
            self._get_entry(),
            subentry,
            data=self._draft(),
            title=self._data[CONF_NAME],
            unique_id=identity(self._data),
        )
        after = CameraConfig.from_subentry(self._get_reconfigure_subentry())
        if after == before:
            reason = "reconfigure_unchanged"
        elif after.needs_restart_from(before):
            reason = "reconfigure_restarted"
        else:
            reason = "reconfigure_applied"
        return self.async_abort(
            reason=reason, description_placeholders={"camera": self._data[CONF_NAME]}
        )

    # -- shared steps ---------------------------------------------------------------------

    async def async_step_recording(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose when the camera records, how long footage is kept and the quota."""
        errors: dict[str, str] = {}
        if user_input is not None:
            retention = hours_from_form(user_input.get(CONF_RETENTION))
            idle = hours_from_form(user_input.get(CONF_IDLE_RETENTION)) or 0.0
            if retention is None:
                errors[CONF_RETENTION] = "retention_required"
            elif idle >= retention:
                errors[CONF_IDLE_RETENTION] = "idle_retention_too_long"
            else:
                mode = RecordMode(str(user_input[CONF_RECORD_MODE]))
                self._data[CONF_RECORD_MODE] = mode.value
                self._data[CONF_RETENTION_HOURS] = retention
                self._data[CONF_QUOTA_GB] = float(user_input[CONF_QUOTA_GB])
                self._data[CONF_IDLE_RETENTION_HOURS] = idle
                self._data[CONF_ACTIVITY_SENSITIVITY] = int(
                    user_input.get(CONF_ACTIVITY_SENSITIVITY, default_of(CONF_ACTIVITY_SENSITIVITY))
                )
                # Stored in every mode, so switching to an event mode later has them.
                for key in _EVENT_SETTINGS:
                    self._data.setdefault(key, default_of(key))
                if mode.takes_triggers(event_stream=bool(self._data.get(CONF_SUB_STREAM_URL))):
                    return await self.async_step_events()
                return await self._async_after_events()
        shown = user_input if user_input is not None else recording_form_values(self._data)
        return self.async_show_form(
            step_id="recording",
            data_schema=self.add_suggested_values_to_schema(RECORDING_SCHEMA, shown),
            errors=errors,
        )

    async def async_step_events(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The event recording settings, asked only in the modes that take triggers."""
        errors: dict[str, str] = {}
        if user_input is not None:
            retention = hours_from_form(user_input.get(CONF_EVENT_RETENTION))
            if retention is None:
                errors[CONF_EVENT_RETENTION] = "retention_required"
            else:
                self._data[CONF_PRE_ROLL_SECONDS] = int(user_input[CONF_PRE_ROLL_SECONDS])
                self._data[CONF_POST_ROLL_SECONDS] = int(user_input[CONF_POST_ROLL_SECONDS])
                self._data[CONF_EVENT_RETENTION_HOURS] = retention
                return await self._async_after_events()
        shown = user_input if user_input is not None else recording_form_values(self._data)
        return self.async_show_form(
            step_id="events",
            data_schema=self.add_suggested_values_to_schema(EVENTS_SCHEMA, shown),
            errors=errors,
        )

    async def _async_after_events(self) -> SubentryFlowResult:
        if RecordMode(self._data[CONF_RECORD_MODE]).uses_schedule:
            return await self.async_step_schedule()
        return await self._async_finish()

    async def _async_finish(self) -> SubentryFlowResult:
        if "subentry_id" in self.context:
            return await self.async_step_reconfigure()
        # Another add flow may have saved a camera with this name, folder or stream meanwhile.
        cameras = self._cameras()
        owner = cameras.name_owner(self._data[CONF_NAME], self._data[CONF_SLUG])
        error = {CONF_NAME: "name_taken"}
        if other := cameras.owner(identity(self._data)):
            owner = other
            key = CONF_CAMERA_ENTITY if self._data.get(CONF_CAMERA_ENTITY) else CONF_STREAM_URL
            error = {key: "already_configured"}
        if owner is not None:
            self._data.pop(CONF_SLUG, None)
            shown = dict(self._data)
            shown.pop(CONF_PASSWORD, None)
            return self._show_connection(
                self._connection_step, shown, ConnectionCheck(errors=error, owner=owner)
            )
        return self.async_create_entry(
            title=self._data[CONF_NAME], data=self._draft(), unique_id=identity(self._data)
        )

    def _draft(self) -> dict[str, Any]:
        """Return the settings to save: the forms' values and the schedule editor's windows."""
        return {**self._data, CONF_SCHEDULES: list(self._schedule.windows)}

    # -- connection forms -----------------------------------------------------------------

    async def _async_connection(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        next_step: Callable[[], Awaitable[SubentryFlowResult]],
    ) -> SubentryFlowResult:
        check = ConnectionCheck()
        if user_input is not None:
            earlier = self._typed_password or str(self._data.get(CONF_PASSWORD) or "")
            self._typed_password = str(user_input.get(CONF_PASSWORD) or "") or self._typed_password
            check = await check_url_camera(
                self.hass, self._cameras(), user_input, self._data, earlier
            )
            if not check.errors:
                self._data.update(check.settings)
                return await next_step()
        shown = dict(user_input if user_input is not None else self._data)
        shown.pop(CONF_PASSWORD, None)  # a password is never sent back to the browser
        return self._show_connection(step_id, shown, check)

    async def _async_entity(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        next_step: Callable[[], Awaitable[SubentryFlowResult]],
    ) -> SubentryFlowResult:
        check = ConnectionCheck()
        if user_input is not None:
            check = await check_entity_camera(self.hass, self._cameras(), user_input, self._data)
            if not check.errors:
                self._data.update(check.settings)
                return await next_step()
        shown = user_input if user_input is not None else self._data
        return self._show_connection(step_id, shown, check)

    def _show_connection(
        self, step_id: str, shown: Mapping[str, Any], check: ConnectionCheck
    ) -> SubentryFlowResult:
        """Show a connection form (URL or camera entity) with what was typed and the errors."""
        by_entity = step_id == "entity" or bool(self._data.get(CONF_CAMERA_ENTITY))
        # Heldar's own camera entities are left out: recording one records a stream twice.
        schema = entity_schema(own_camera_entities(self.hass)) if by_entity else CONNECTION_SCHEMA
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, shown),
            errors=check.errors,
            description_placeholders={"camera": check.owner},
        )

    # -- the schedule editor (its draft lives in ScheduleEditor) ----------------------------

    async def async_step_schedule(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The schedule editor: add, edit or remove windows, then go on."""
        time_zone = self.hass.config.time_zone
        if not self._schedule.windows:
            # Its own text: what having no windows means, instead of an empty list.
            return self.async_show_menu(
                step_id="schedule_empty",
                menu_options=["add_window", "schedule_done"],
                description_placeholders={"time_zone": time_zone},
            )
        return self.async_show_menu(
            step_id="schedule",
            menu_options=["add_window", "edit_window", "remove_windows", "schedule_done"],
            description_placeholders={"windows": self._schedule.summary(), "time_zone": time_zone},
        )

    async def async_step_schedule_empty(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The schedule editor while it has no windows (its own text says what that means)."""
        return await self.async_step_schedule(user_input)

    async def async_step_schedule_done(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Leave the schedule editor."""
        return await self._async_finish()

    async def async_step_add_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add one window."""
        self._schedule.start_adding()
        return await self._async_window_form("add_window", user_input)

    async def async_step_edit_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Pick the window to edit."""
        if user_input is not None:
            self._schedule.start_editing(user_input)
            return await self.async_step_window()
        return self.async_show_form(step_id="edit_window", data_schema=self._schedule.pick_schema())

    async def async_step_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the picked window."""
        return await self._async_window_form("window", user_input)

    async def async_step_remove_windows(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Remove windows."""
        if user_input is not None:
            self._schedule.remove(user_input)
            return await self.async_step_schedule()
        return self.async_show_form(
            step_id="remove_windows", data_schema=self._schedule.remove_schema()
        )

    async def _async_window_form(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._schedule.submit(user_input)
            if not errors:
                return await self.async_step_schedule()
        shown = user_input if user_input is not None else self._schedule.form_values()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(window_schema(), shown),
            errors=errors,
            description_placeholders={"time_zone": self.hass.config.time_zone},
        )


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return an editable copy of stored data (the schedule editor copies the windows)."""
    copied = dict(data)
    copied[CONF_SCHEDULES] = list(data.get(CONF_SCHEDULES) or [])
    for key in _EDITED_ON_THE_RECORDING_FORMS:
        copied.setdefault(key, default_of(key))
    return copied


_EVENT_SETTINGS = (CONF_PRE_ROLL_SECONDS, CONF_POST_ROLL_SECONDS, CONF_EVENT_RETENTION_HOURS)
# Settings an older camera may lack, which the recording and event forms show.
_EDITED_ON_THE_RECORDING_FORMS = (
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_QUOTA_GB,
    *_EVENT_SETTINGS,
)
