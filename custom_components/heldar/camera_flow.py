"""The camera subentry flow: connection, recording mode and the schedule editor.

Adding a camera walks through connection -> recording -> (schedule, for scheduled modes).
Editing one opens a menu of the same steps and saves once at the end, so only what changed is
applied: a new stream restarts the camera's FFmpeg, a new mode or schedule does not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
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
from homeassistant.util import slugify
import probatio as vol

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
    CONF_USERNAME,
    DEFAULT_EVENT_RETENTION_HOURS,
    DEFAULT_POST_ROLL_SECONDS,
    DEFAULT_PRE_ROLL_SECONDS,
    DEFAULT_RETENTION_HOURS,
    DEFAULT_SEGMENT_SECONDS,
    MAX_POST_ROLL_SECONDS,
    MAX_PRE_ROLL_SECONDS,
    MAX_SEGMENT_SECONDS,
    MIN_SEGMENT_SECONDS,
    PROBE_TIMEOUT_SECONDS,
)
from .recorder.modes import RecordMode
from .recorder.probe import ProbeOutcome, probe_stream
from .recorder.supervisor import SourceUnavailableError
from .recorder.urls import InvalidStreamUrlError, parse_stream_url, with_credentials
from .schedule_form import (
    CONF_WINDOWS,
    form_values,
    summary,
    window_choices,
    window_from_form,
    window_schema,
)
from .sources import EntitySource

CONF_WINDOW = "window"


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


CONNECTION_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_STREAM_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Optional(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Optional(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
        ),
        vol.Required(CONF_SEGMENT_SECONDS, default=DEFAULT_SEGMENT_SECONDS): _seconds(
            MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS
        ),
        vol.Required(CONF_RECORD_AUDIO, default=False): BooleanSelector(),
    }
)

ENTITY_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_NAME): TextSelector(),
        vol.Required(CONF_CAMERA_ENTITY): EntitySelector(EntitySelectorConfig(domain="camera")),
        vol.Required(CONF_SEGMENT_SECONDS, default=DEFAULT_SEGMENT_SECONDS): _seconds(
            MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS
        ),
        vol.Required(CONF_RECORD_AUDIO, default=False): BooleanSelector(),
    }
)

RECORDING_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_RECORD_MODE, default=RecordMode.CONTINUOUS.value): SelectSelector(
            SelectSelectorConfig(
                options=[mode.value for mode in RecordMode],
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_RECORD_MODE,
            )
        ),
        vol.Required(CONF_POST_ROLL_SECONDS, default=DEFAULT_POST_ROLL_SECONDS): _seconds(
            MAX_POST_ROLL_SECONDS
        ),
        vol.Required(CONF_PRE_ROLL_SECONDS, default=DEFAULT_PRE_ROLL_SECONDS): _seconds(
            MAX_PRE_ROLL_SECONDS
        ),
        vol.Required(CONF_RETENTION_HOURS, default=DEFAULT_RETENTION_HOURS): _number(
            87_600, "h", 1
        ),
        vol.Required(CONF_EVENT_RETENTION_HOURS, default=DEFAULT_EVENT_RETENTION_HOURS): _number(
            87_600, "h", 1
        ),
        vol.Required(CONF_QUOTA_GB, default=0): _number(100_000, "GB", 0, step=0.1),
    }
)


class CameraSubentryFlow(ConfigSubentryFlow):
    """Add or edit one camera; the stream is tried before anything is saved."""

    def __init__(self) -> None:
        """Start with nothing collected."""
        super().__init__()
        self._data: dict[str, Any] = {}
        # A password typed into a form that then failed validation, kept here (never sent
        # back to the browser) so the user does not have to type it again.
        self._typed_password = ""
        self._editing: int | None = None

    @property
    def _schedules(self) -> list[dict[str, Any]]:
        schedules: list[dict[str, Any]] = self._data.setdefault(CONF_SCHEDULES, [])
        return schedules

    # -- adding ---------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera: from a stream URL, or from a camera Home Assistant already has."""
        return self.async_show_menu(step_id="user", menu_options=["url", "entity"])

    async def async_step_url(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera by its stream URL."""
        return await self._async_connection("url", user_input, next_step=self.async_step_recording)

    async def async_step_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a camera by one of Home Assistant's camera entities."""
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
        return self.async_show_menu(step_id="reconfigure", menu_options=options)

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
        """Save the edits; the hub restarts this camera's FFmpeg only if the stream changed."""
        subentry = self._get_reconfigure_subentry()
        self.hass.config_entries.async_update_subentry(
            self._get_entry(),
            subentry,
            data=self._data,
            title=self._data[CONF_NAME],
            unique_id=_identity(self._data),
        )
        return self.async_abort(reason="reconfigure_successful")

    # -- shared steps ---------------------------------------------------------------------

    async def async_step_recording(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose when the camera records, and the event roll lengths."""
        if user_input is not None:
            self._data[CONF_RECORD_MODE] = str(user_input[CONF_RECORD_MODE])
            self._data[CONF_POST_ROLL_SECONDS] = int(user_input[CONF_POST_ROLL_SECONDS])
            self._data[CONF_PRE_ROLL_SECONDS] = int(user_input[CONF_PRE_ROLL_SECONDS])
            self._data[CONF_RETENTION_HOURS] = float(user_input[CONF_RETENTION_HOURS])
            self._data[CONF_EVENT_RETENTION_HOURS] = float(user_input[CONF_EVENT_RETENTION_HOURS])
            self._data[CONF_QUOTA_GB] = float(user_input[CONF_QUOTA_GB])
            self._data.setdefault(CONF_SCHEDULES, [])
            if RecordMode(self._data[CONF_RECORD_MODE]).uses_schedule:
                return await self.async_step_schedule()
            return await self._async_finish()
        return self.async_show_form(
            step_id="recording",
            data_schema=self.add_suggested_values_to_schema(RECORDING_SCHEMA, self._data),
        )

    async def async_step_schedule(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The schedule editor: add, edit or remove windows, then go on."""
        options = ["add_window"]
        if self._schedules:
            options += ["edit_window", "remove_windows"]
        options.append("schedule_done")
        return self.async_show_menu(
            step_id="schedule",
            menu_options=options,
            description_placeholders={"windows": summary(self._schedules) or "-"},
        )

    async def async_step_schedule_done(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Leave the schedule editor."""
        return await self._async_finish()

    async def async_step_add_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add one window."""
        self._editing = None
        return await self._async_window_form("add_window", user_input)

    async def async_step_edit_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Pick the window to edit."""
        if user_input is not None:
            self._editing = int(user_input[CONF_WINDOW])
            return await self.async_step_window()
        return self.async_show_form(
            step_id="edit_window",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_WINDOW): SelectSelector(
                        SelectSelectorConfig(
                            options=window_choices(self._schedules), mode=SelectSelectorMode.LIST
                        )
                    )
                }
            ),
        )

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
            drop = {int(index) for index in user_input.get(CONF_WINDOWS, [])}
            self._data[CONF_SCHEDULES] = [w for i, w in enumerate(self._schedules) if i not in drop]
            return await self.async_step_schedule()
        return self.async_show_form(
            step_id="remove_windows",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_WINDOWS, default=[]): SelectSelector(
                        SelectSelectorConfig(
                            options=window_choices(self._schedules),
                            multiple=True,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    # -- helpers --------------------------------------------------------------------------

    async def _async_window_form(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            window, errors = window_from_form(user_input)
            if window is not None:
                if self._editing is None:
                    self._schedules.append(window)
                else:
                    self._schedules[self._editing] = window
                return await self.async_step_schedule()
        if user_input is not None:
            shown = user_input
        elif self._editing is not None:
            shown = form_values(self._schedules[self._editing])
        else:
            shown = {}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(window_schema(), shown),
            errors=errors,
        )

    async def _async_finish(self) -> SubentryFlowResult:
        if "subentry_id" in self.context:
            return await self.async_step_reconfigure()
        return self.async_create_entry(
            title=self._data[CONF_NAME],
            data=self._data,
            unique_id=_identity(self._data),
        )

    async def _async_connection(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        next_step: Callable[[], Awaitable[SubentryFlowResult]],
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        detail = ""
        if user_input is not None:
            connection, errors, detail = await self._async_validate_connection(user_input)
            if not errors:
                self._data.update(connection)
                return await next_step()
        shown = dict(user_input if user_input is not None else self._data)
        shown.pop(CONF_PASSWORD, None)  # a password is never sent back to the browser
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(CONNECTION_SCHEMA, shown),
            errors=errors,
            description_placeholders={"detail": detail},
        )

    async def _async_validate_connection(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str], str]:
        """Return the connection settings, the form errors and FFmpeg's (masked) words."""
        name = str(user_input[CONF_NAME]).strip()
        if not name:
            return {}, {CONF_NAME: "name_required"}, ""
        try:
            parsed = parse_stream_url(str(user_input[CONF_STREAM_URL]).strip())
        except InvalidStreamUrlError:
            return {}, {CONF_STREAM_URL: "invalid_url"}, ""
        if self._url_taken(parsed.url):
            return {}, {CONF_STREAM_URL: "already_configured"}, ""

        username = str(user_input.get(CONF_USERNAME) or "").strip() or parsed.username
        typed = str(user_input.get(CONF_PASSWORD) or "")
        kept = str(self._data.get(CONF_PASSWORD) or "")
        password = typed or parsed.password or self._typed_password or kept
        self._typed_password = typed or self._typed_password
        if not username:
            password = ""

        binary = get_ffmpeg_manager(self.hass).binary
        result = await probe_stream(
            binary, with_credentials(parsed.url, username, password), PROBE_TIMEOUT_SECONDS
        )
        if result.outcome is not ProbeOutcome.OK:
            return {}, {"base": str(result.outcome)}, result.detail

        connection = {
            CONF_NAME: name,
            CONF_STREAM_URL: parsed.url,
            CONF_USERNAME: username,
            CONF_PASSWORD: password,
            CONF_SEGMENT_SECONDS: int(user_input[CONF_SEGMENT_SECONDS]),
            CONF_RECORD_AUDIO: bool(user_input[CONF_RECORD_AUDIO]),
        }
        connection[CONF_SLUG] = self._data.get(CONF_SLUG) or self._new_slug(name)
        connection[CONF_RECORD_ENABLED] = self._data.get(CONF_RECORD_ENABLED, True)
        return connection, {}, ""

    async def _async_entity(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        next_step: Callable[[], Awaitable[SubentryFlowResult]],
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        detail = ""
        if user_input is not None:
            connection, errors, detail = await self._async_validate_entity(user_input)
            if not errors:
                self._data.update(connection)
                return await next_step()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                ENTITY_SCHEMA, user_input if user_input is not None else self._data
            ),
            errors=errors,
            description_placeholders={"detail": detail},
        )

    async def _async_validate_entity(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str], str]:
        """Check the entity has a stream FFmpeg can read; return its settings or the errors."""
        entity_id = str(user_input[CONF_CAMERA_ENTITY])
        state = self.hass.states.get(entity_id)
        if state is None:
            return {}, {CONF_CAMERA_ENTITY: "entity_missing"}, ""
        if self._taken(entity_id):
            return {}, {CONF_CAMERA_ENTITY: "already_configured"}, ""
        name = str(user_input.get(CONF_NAME) or "").strip() or state.name
        try:
            url = await EntitySource(self.hass, entity_id).resolve()
        except SourceUnavailableError as err:
            return {}, {CONF_CAMERA_ENTITY: "no_stream"}, str(err)
        binary = get_ffmpeg_manager(self.hass).binary
        result = await probe_stream(binary, url, PROBE_TIMEOUT_SECONDS)
        if result.outcome is not ProbeOutcome.OK:
            return {}, {"base": str(result.outcome)}, result.detail
        connection = {
            CONF_NAME: name,
            CONF_CAMERA_ENTITY: entity_id,
            CONF_STREAM_URL: "",
            CONF_USERNAME: "",
            CONF_PASSWORD: "",
            CONF_SEGMENT_SECONDS: int(user_input[CONF_SEGMENT_SECONDS]),
            CONF_RECORD_AUDIO: bool(user_input[CONF_RECORD_AUDIO]),
            CONF_SLUG: self._data.get(CONF_SLUG) or self._new_slug(name),
            CONF_RECORD_ENABLED: self._data.get(CONF_RECORD_ENABLED, True),
        }
        return connection, {}, ""

    def _url_taken(self, url: str) -> bool:
        return self._taken(_unique_id(url))

    def _taken(self, unique_id: str) -> bool:
        own = self.context.get("subentry_id")
        return any(
            other.unique_id == unique_id
            for other in self._get_entry().subentries.values()
            if other.subentry_id != own
        )

    def _new_slug(self, name: str) -> str:
        """Return a folder name for a new camera, unique within the hub."""
        taken = {str(sub.data.get(CONF_SLUG)) for sub in self._get_entry().subentries.values()}
        base = slugify(name)
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}_{counter}", counter + 1
        return slug


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return an editable copy of stored data, schedules included."""
    copied = dict(data)
    copied[CONF_SCHEDULES] = [dict(window) for window in data.get(CONF_SCHEDULES) or []]
    copied.setdefault(CONF_RECORD_MODE, RecordMode.CONTINUOUS.value)
    copied.setdefault(CONF_POST_ROLL_SECONDS, DEFAULT_POST_ROLL_SECONDS)
    copied.setdefault(CONF_PRE_ROLL_SECONDS, DEFAULT_PRE_ROLL_SECONDS)
    copied.setdefault(CONF_RETENTION_HOURS, DEFAULT_RETENTION_HOURS)
    copied.setdefault(CONF_EVENT_RETENTION_HOURS, DEFAULT_EVENT_RETENTION_HOURS)
    copied.setdefault(CONF_QUOTA_GB, 0.0)
    return copied


def _identity(data: Mapping[str, Any]) -> str:
    """Return a camera's unique id: its camera entity, or its normalised stream URL."""
    return str(data.get(CONF_CAMERA_ENTITY) or "") or _unique_id(str(data[CONF_STREAM_URL]))


def _unique_id(url: str) -> str:
    """Identify a camera by its credential-free stream URL, ignoring case in scheme and host."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
