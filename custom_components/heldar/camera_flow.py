"""The camera subentry flow: connection, recording mode and the schedule editor.

Adding a camera walks through connection -> recording -> (schedule, for scheduled modes).
Editing one opens a menu of the same steps and saves once at the end, so only what changed is
applied: a new stream restarts the camera's FFmpeg, a new mode or schedule does not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import logging
from typing import Any

from homeassistant.config_entries import SubentryFlowResult

from .camera_checks import CameraChecksMixin, identity
from .camera_schemas import (
    CONF_EVENT_RETENTION,
    CONF_RETENTION,
    CONNECTION_SCHEMA,
    ENTITY_SCHEMA,
    EVENTS_SCHEMA,
    RECORDING_SCHEMA,
    hours_from_form,
    recording_form_values,
)
from .camera_settings import CameraConfig, default_of
from .const import (
    CONF_CAMERA_ENTITY,
    CONF_EVENT_RETENTION_HOURS,
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
from .schedule_steps import ScheduleEditorMixin

_LOGGER = logging.getLogger(__name__)


class CameraSubentryFlow(CameraChecksMixin, ScheduleEditorMixin):
    """Add or edit one camera; the stream is tried before anything is saved."""

    def __init__(self) -> None:
        """Start with nothing collected."""
        super().__init__()
        self._data: dict[str, Any] = {}
        # A password typed into a form that then failed validation, kept here (never sent
        # back to the browser) so the user does not have to type it again.
        self._typed_password = ""
        self._connection_step = "url"

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
            data=self._data,
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
            if retention is None:
                errors[CONF_RETENTION] = "retention_required"
            else:
                mode = RecordMode(str(user_input[CONF_RECORD_MODE]))
                self._data[CONF_RECORD_MODE] = mode.value
                self._data[CONF_RETENTION_HOURS] = retention
                self._data[CONF_QUOTA_GB] = float(user_input[CONF_QUOTA_GB])
                self._data.setdefault(CONF_SCHEDULES, [])
                # Stored in every mode, so switching to an event mode later has them.
                for key in (
                    CONF_PRE_ROLL_SECONDS,
                    CONF_POST_ROLL_SECONDS,
                    CONF_EVENT_RETENTION_HOURS,
                ):
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
        owner = self._name_owner(self._data[CONF_NAME], self._data[CONF_SLUG])
        error = {CONF_NAME: "name_taken"}
        if other := self._owner(identity(self._data)):
            owner = other
            key = CONF_CAMERA_ENTITY if self._data.get(CONF_CAMERA_ENTITY) else CONF_STREAM_URL
            error = {key: "already_configured"}
        if owner is not None:
            self._data.pop(CONF_SLUG, None)
            shown = dict(self._data)
            shown.pop(CONF_PASSWORD, None)
            step = self._connection_step
            return self.async_show_form(
                step_id=step,
                data_schema=self.add_suggested_values_to_schema(
                    ENTITY_SCHEMA if step == "entity" else CONNECTION_SCHEMA, shown
                ),
                errors=error,
                description_placeholders={"camera": owner},
            )
        return self.async_create_entry(
            title=self._data[CONF_NAME],
            data=self._data,
            unique_id=identity(self._data),
        )

    async def _async_connection(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        next_step: Callable[[], Awaitable[SubentryFlowResult]],
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        owner = ""
        if user_input is not None:
            connection, errors, owner = await self._async_validate_connection(user_input)
            if not errors:
                self._data.update(connection)
                return await next_step()
        shown = dict(user_input if user_input is not None else self._data)
        shown.pop(CONF_PASSWORD, None)  # a password is never sent back to the browser
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(CONNECTION_SCHEMA, shown),
            errors=errors,
            description_placeholders={"camera": owner},
        )

    async def _async_entity(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        next_step: Callable[[], Awaitable[SubentryFlowResult]],
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        owner = ""
        if user_input is not None:
            connection, errors, owner = await self._async_validate_entity(user_input)
            if not errors:
                self._data.update(connection)
                return await next_step()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                ENTITY_SCHEMA, user_input if user_input is not None else self._data
            ),
            errors=errors,
            description_placeholders={"camera": owner},
        )


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return an editable copy of stored data, schedules included."""
    copied = dict(data)
    copied[CONF_SCHEDULES] = [dict(window) for window in data.get(CONF_SCHEDULES) or []]
    for key in _EDITED_ON_THE_RECORDING_FORMS:
        copied.setdefault(key, default_of(key))
    return copied


# Settings an older camera may lack, which the recording and event forms show.
_EDITED_ON_THE_RECORDING_FORMS = (
    CONF_RECORD_MODE,
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RETENTION_HOURS,
    CONF_EVENT_RETENTION_HOURS,
    CONF_QUOTA_GB,
)


_EVENT_SETTINGS = (CONF_PRE_ROLL_SECONDS, CONF_POST_ROLL_SECONDS, CONF_EVENT_RETENTION_HOURS)
