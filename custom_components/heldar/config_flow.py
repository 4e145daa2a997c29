"""Config flows: the hub (where recordings go) and one subentry per camera."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import slugify
import probatio as vol

from . import local_roots
from .const import (
    CONF_NAME,
    CONF_PASSWORD,
    CONF_RECORD_AUDIO,
    CONF_RECORD_ENABLED,
    CONF_SEGMENT_SECONDS,
    CONF_SLUG,
    CONF_STORAGE_DIR,
    CONF_STREAM_URL,
    CONF_USERNAME,
    DEFAULT_SEGMENT_SECONDS,
    DEFAULT_STORAGE_FOLDER,
    DOMAIN,
    MAX_SEGMENT_SECONDS,
    MIN_SEGMENT_SECONDS,
    PROBE_TIMEOUT_SECONDS,
    SUBENTRY_CAMERA,
)
from .recorder.probe import ProbeOutcome, probe_stream
from .recorder.storage import check_storage
from .recorder.urls import InvalidStreamUrlError, parse_stream_url, with_credentials

TITLE = "Heldar"


class HeldarConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the hub: one per Home Assistant, holding the storage directory."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask where recordings go."""
        errors: dict[str, str] = {}
        if user_input is not None:
            path, error = await self._async_check_storage(user_input[CONF_STORAGE_DIR])
            if error is None:
                return self.async_create_entry(title=TITLE, data={CONF_STORAGE_DIR: path})
            errors[CONF_STORAGE_DIR] = error
        return self._show_storage_form("user", user_input or self._defaults(), errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the recordings to another directory; the hub reloads to use it."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            path, error = await self._async_check_storage(user_input[CONF_STORAGE_DIR])
            if error is None:
                # The update listener sees the new directory and reloads the hub.
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_STORAGE_DIR: path}
                )
                return self.async_abort(reason="reconfigure_successful")
            errors[CONF_STORAGE_DIR] = error
        return self._show_storage_form("reconfigure", user_input or dict(entry.data), errors)

    def _defaults(self) -> dict[str, Any]:
        media = self.hass.config.media_dirs.get("local") or self.hass.config.path("media")
        return {CONF_STORAGE_DIR: str(Path(media) / DEFAULT_STORAGE_FOLDER)}

    async def _async_check_storage(self, raw: str) -> tuple[str, str | None]:
        path = Path(raw.strip())
        roots = local_roots(self.hass)
        problem = await self.hass.async_add_executor_job(
            lambda: check_storage(path, create_within=roots)
        )
        return str(path), str(problem) if problem else None

    def _show_storage_form(
        self, step_id: str, values: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        schema = vol.Schema({vol.Required(CONF_STORAGE_DIR): TextSelector()})
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, values),
            errors=errors,
        )

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Cameras are subentries of the hub."""
        return {SUBENTRY_CAMERA: CameraSubentryFlow}


CAMERA_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_STREAM_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Optional(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Optional(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
        ),
        vol.Required(CONF_SEGMENT_SECONDS, default=DEFAULT_SEGMENT_SECONDS): NumberSelector(
            NumberSelectorConfig(
                min=MIN_SEGMENT_SECONDS,
                max=MAX_SEGMENT_SECONDS,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="s",
            )
        ),
        vol.Required(CONF_RECORD_AUDIO, default=False): BooleanSelector(),
    }
)


class CameraSubentryFlow(ConfigSubentryFlow):
    """Add or edit one camera; the stream is tried before anything is saved."""

    def __init__(self) -> None:
        """Start with no remembered password."""
        super().__init__()
        # A password typed into a form that then failed validation, kept here (never sent
        # back to the browser) so the user does not have to type it again.
        self._typed_password = ""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera."""
        return await self._async_camera_form("user", user_input, None)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit a camera; only its recorder restarts."""
        return await self._async_camera_form(
            "reconfigure", user_input, self._get_reconfigure_subentry()
        )

    async def _async_camera_form(
        self, step_id: str, user_input: dict[str, Any] | None, subentry: ConfigSubentry | None
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        detail = ""
        if user_input is not None:
            data, errors, detail = await self._async_validate(user_input, subentry)
            if not errors:
                return self._save(data, subentry)
        shown = dict(user_input if user_input is not None else subentry.data if subentry else {})
        shown.pop(CONF_PASSWORD, None)  # a password is never sent back to the browser
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(CAMERA_SCHEMA, shown),
            errors=errors,
            description_placeholders={"detail": detail},
        )

    async def _async_validate(
        self, user_input: dict[str, Any], subentry: ConfigSubentry | None
    ) -> tuple[dict[str, Any], dict[str, str], str]:
        """Return the data to save, the form errors and FFmpeg's (masked) explanation."""
        name = str(user_input[CONF_NAME]).strip()
        if not name:
            return {}, {CONF_NAME: "name_required"}, ""
        try:
            parsed = parse_stream_url(str(user_input[CONF_STREAM_URL]).strip())
        except InvalidStreamUrlError:
            return {}, {CONF_STREAM_URL: "invalid_url"}, ""
        if self._url_taken(parsed.url, subentry):
            return {}, {CONF_STREAM_URL: "already_configured"}, ""

        username = str(user_input.get(CONF_USERNAME) or "").strip() or parsed.username
        typed = str(user_input.get(CONF_PASSWORD) or "")
        kept = str(subentry.data.get(CONF_PASSWORD) or "") if subentry else ""
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

        data = {
            CONF_NAME: name,
            CONF_STREAM_URL: parsed.url,
            CONF_USERNAME: username,
            CONF_PASSWORD: password,
            CONF_SEGMENT_SECONDS: int(user_input[CONF_SEGMENT_SECONDS]),
            CONF_RECORD_AUDIO: bool(user_input[CONF_RECORD_AUDIO]),
            CONF_SLUG: subentry.data[CONF_SLUG] if subentry else self._new_slug(name),
            CONF_RECORD_ENABLED: subentry.data.get(CONF_RECORD_ENABLED, True) if subentry else True,
        }
        return data, {}, ""

    def _save(self, data: dict[str, Any], subentry: ConfigSubentry | None) -> SubentryFlowResult:
        unique_id = _unique_id(data[CONF_STREAM_URL])
        if subentry is None:
            return self.async_create_entry(title=data[CONF_NAME], data=data, unique_id=unique_id)
        # Updated in place: the hub's update listener restarts this camera's recorder only.
        self.hass.config_entries.async_update_subentry(
            self._get_entry(), subentry, data=data, title=data[CONF_NAME], unique_id=unique_id
        )
        return self.async_abort(reason="reconfigure_successful")

    def _url_taken(self, url: str, subentry: ConfigSubentry | None) -> bool:
        unique_id = _unique_id(url)
        return any(
            other.unique_id == unique_id
            for other in self._get_entry().subentries.values()
            if subentry is None or other.subentry_id != subentry.subentry_id
        )

    def _new_slug(self, name: str) -> str:
        """Return a folder name for a new camera, unique within the hub."""
        taken = {str(sub.data.get(CONF_SLUG)) for sub in self._get_entry().subentries.values()}
        base = slugify(name)
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}_{counter}", counter + 1
        return slug


def _unique_id(url: str) -> str:
    """Identify a camera by its credential-free stream URL, ignoring case in scheme and host."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
