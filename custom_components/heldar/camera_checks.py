"""The camera flow's checks: a stream or camera entity that works, a name and folder not taken.

Every check tries the stream before anything is saved; FFmpeg's own words go to the log,
the form shows a translated error.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow
from homeassistant.util import slugify

from .camera_settings import stream_settings
from .const import (
    CONF_CAMERA_ENTITY,
    CONF_CONTINUOUS_STREAM,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_RECORD_ENABLED,
    CONF_SLUG,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
    CONF_USERNAME,
    PROBE_TIMEOUT_SECONDS,
    SUBENTRY_CAMERA,
)
from .recorder.probe import ProbeOutcome, probe_stream
from .recorder.source import SourceUnavailableError, StreamName
from .recorder.urls import InvalidStreamUrlError, parse_stream_url, with_credentials
from .sources import EntitySource

_LOGGER = logging.getLogger(__name__)


class CameraChecksMixin(ConfigSubentryFlow):
    """Validate what the camera flow's connection forms entered."""

    _data: dict[str, Any]
    _typed_password: str

    async def _async_validate_connection(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str], str]:
        """Return the connection settings, the form errors and the camera a clash is with."""
        name = str(user_input[CONF_NAME]).strip()
        if not name:
            return {}, {CONF_NAME: "name_required"}, ""
        if owner := self._name_owner(name):
            return {}, {CONF_NAME: "name_taken"}, owner
        try:
            parsed = parse_stream_url(str(user_input[CONF_STREAM_URL]).strip())
        except InvalidStreamUrlError:
            return {}, {CONF_STREAM_URL: "invalid_url"}, ""
        if owner := self._owner(_unique_id(parsed.url)):
            return {}, {CONF_STREAM_URL: "already_configured"}, owner

        username = str(user_input.get(CONF_USERNAME) or "").strip() or parsed.username
        typed = str(user_input.get(CONF_PASSWORD) or "")
        kept = str(self._data.get(CONF_PASSWORD) or "")
        password = typed or parsed.password or self._typed_password or kept
        self._typed_password = typed or self._typed_password
        if not username:
            password = ""

        binary = get_ffmpeg_manager(self.hass).binary
        sub_url, errors = await _try_streams(binary, parsed.url, user_input, (username, password))
        if errors:
            return {}, errors, ""

        connection = {
            CONF_NAME: name,
            CONF_STREAM_URL: parsed.url,
            CONF_USERNAME: username,
            CONF_PASSWORD: password,
            CONF_SUB_STREAM_URL: sub_url,
            CONF_CONTINUOUS_STREAM: str(user_input.get(CONF_CONTINUOUS_STREAM) or StreamName.SUB),
            **stream_settings(user_input),
        }
        connection[CONF_SLUG] = self._data.get(CONF_SLUG) or self._new_slug(name)
        connection[CONF_RECORD_ENABLED] = self._data.get(CONF_RECORD_ENABLED, True)
        return connection, {}, ""

    async def _async_validate_entity(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str], str]:
        """Check the entity has a stream FFmpeg can read; return its settings or the errors."""
        entity_id = str(user_input[CONF_CAMERA_ENTITY])
        state = self.hass.states.get(entity_id)
        if state is None:
            return {}, {CONF_CAMERA_ENTITY: "entity_missing"}, ""
        if owner := self._owner(entity_id):
            return {}, {CONF_CAMERA_ENTITY: "already_configured"}, owner
        name = str(user_input.get(CONF_NAME) or "").strip() or state.name
        if owner := self._name_owner(name):
            return {}, {CONF_NAME: "name_taken"}, owner
        try:
            url = await EntitySource(self.hass, entity_id).resolve()
        except SourceUnavailableError as err:
            _LOGGER.debug("%s offers no stream: %s", entity_id, err)
            return {}, {CONF_CAMERA_ENTITY: "no_stream"}, ""
        binary = get_ffmpeg_manager(self.hass).binary
        result = await probe_stream(binary, url, PROBE_TIMEOUT_SECONDS)
        if result.outcome is not ProbeOutcome.OK:
            _LOGGER.debug("Trying %s failed (%s): %s", entity_id, result.outcome, result.detail)
            return {}, {"base": str(result.outcome)}, ""
        connection = {
            CONF_NAME: name,
            CONF_CAMERA_ENTITY: entity_id,
            CONF_STREAM_URL: "",
            CONF_USERNAME: "",
            CONF_PASSWORD: "",
            **stream_settings(user_input),
            CONF_SLUG: self._data.get(CONF_SLUG) or self._new_slug(name),
            CONF_RECORD_ENABLED: self._data.get(CONF_RECORD_ENABLED, True),
        }
        return connection, {}, ""

    def _others(self) -> list[ConfigSubentry]:
        """Return the hub's other cameras (all of them when adding)."""
        own = self.context.get("subentry_id")
        return [
            sub
            for sub in self._get_entry().subentries.values()
            if sub.subentry_type == SUBENTRY_CAMERA and sub.subentry_id != own
        ]

    def _owner(self, unique_id: str) -> str | None:
        """Return the name of the other camera with this stream or entity, if any."""
        return next((sub.title for sub in self._others() if sub.unique_id == unique_id), None)

    def _name_owner(self, name: str, slug: str | None = None) -> str | None:
        """Return the name of the other camera called ``name`` (or using folder ``slug``)."""
        wanted = name.casefold()
        return next(
            (
                sub.title
                for sub in self._others()
                if str(sub.data.get(CONF_NAME) or sub.title).casefold() == wanted
                or (slug is not None and sub.data.get(CONF_SLUG) == slug)
            ),
            None,
        )

    def _new_slug(self, name: str) -> str:
        """Return a folder name for a new camera, unique within the hub."""
        taken = {str(sub.data.get(CONF_SLUG)) for sub in self._get_entry().subentries.values()}
        base = slugify(name)
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}_{counter}", counter + 1
        return slug


async def _try_streams(
    binary: str, url: str, user_input: Mapping[str, Any], login: tuple[str, str]
) -> tuple[str, dict[str, str]]:
    """Try the stream, then the sub-stream if one was entered, with the same ``login``.

    Returns the sub-stream's URL (credential-free; "" when none) and the form's errors.
    FFmpeg's own words are masked, and belong in the log, not on the form.
    """
    result = await probe_stream(binary, with_credentials(url, *login), PROBE_TIMEOUT_SECONDS)
    if result.outcome is not ProbeOutcome.OK:
        _LOGGER.debug("Trying %s failed (%s): %s", url, result.outcome, result.detail)
        return "", {"base": str(result.outcome)}
    text = str(user_input.get(CONF_SUB_STREAM_URL) or "").strip()
    if not text:
        return "", {}
    try:
        sub = parse_stream_url(text).url
    except InvalidStreamUrlError:
        return "", {CONF_SUB_STREAM_URL: "invalid_url"}
    result = await probe_stream(binary, with_credentials(sub, *login), PROBE_TIMEOUT_SECONDS)
    if result.outcome is not ProbeOutcome.OK:
        _LOGGER.debug("Trying sub-stream %s failed (%s): %s", sub, result.outcome, result.detail)
        return "", {CONF_SUB_STREAM_URL: f"sub_stream_{result.outcome}"}
    return sub, {}


def identity(data: Mapping[str, Any]) -> str:
    """Return a camera's unique id: its camera entity, or its normalised stream URL."""
    return str(data.get(CONF_CAMERA_ENTITY) or "") or _unique_id(str(data[CONF_STREAM_URL]))


def _unique_id(url: str) -> str:
    """Identify a camera by its credential-free stream URL, ignoring case in scheme and host."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
