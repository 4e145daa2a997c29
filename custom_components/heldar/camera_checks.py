"""The camera flow's checks: a stream or camera entity that works, a name and folder not taken.

Plain functions of what they check, called by the flow's steps. Every check tries the stream
before anything is saved; FFmpeg's own words go to the log, the form shows a translated error
on the field to fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
from typing import Any, Final

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
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
    DOMAIN,
    PROBE_TIMEOUT_SECONDS,
    SUBENTRY_CAMERA,
)
from .recorder.probe import ProbeOutcome, probe_stream
from .recorder.source import SourceUnavailableError, StreamName
from .recorder.urls import InvalidStreamUrlError, StreamUrl, parse_stream_url, with_credentials
from .sources import EntitySource

_LOGGER = logging.getLogger(__name__)

CAMERA_DOMAIN = "camera"

# A failed try's error, by where the stream came from: (the field to fix, the error's key).
STREAM_ERRORS: Final[Mapping[ProbeOutcome, tuple[str, str]]] = {
    ProbeOutcome.INVALID_AUTH: (CONF_PASSWORD, "invalid_auth"),
    ProbeOutcome.REFUSED: (CONF_STREAM_URL, "refused"),
    ProbeOutcome.NOT_FOUND: (CONF_STREAM_URL, "not_found"),
    ProbeOutcome.TIMEOUT: (CONF_STREAM_URL, "timeout"),
    ProbeOutcome.CANNOT_CONNECT: (CONF_STREAM_URL, "cannot_connect"),
    ProbeOutcome.FFMPEG_MISSING: ("base", "ffmpeg_missing"),
}
SUB_STREAM_ERRORS: Final[Mapping[ProbeOutcome, tuple[str, str]]] = {
    ProbeOutcome.INVALID_AUTH: (CONF_SUB_STREAM_URL, "sub_stream_invalid_auth"),
    ProbeOutcome.REFUSED: (CONF_SUB_STREAM_URL, "sub_stream_refused"),
    ProbeOutcome.NOT_FOUND: (CONF_SUB_STREAM_URL, "sub_stream_not_found"),
    ProbeOutcome.TIMEOUT: (CONF_SUB_STREAM_URL, "sub_stream_timeout"),
    ProbeOutcome.CANNOT_CONNECT: (CONF_SUB_STREAM_URL, "sub_stream_cannot_connect"),
    ProbeOutcome.FFMPEG_MISSING: ("base", "ffmpeg_missing"),
}
# An entity's stream comes with the login of the camera's own integration: fixed there.
ENTITY_ERRORS: Final[Mapping[ProbeOutcome, tuple[str, str]]] = {
    ProbeOutcome.INVALID_AUTH: (CONF_CAMERA_ENTITY, "entity_invalid_auth"),
    ProbeOutcome.REFUSED: (CONF_CAMERA_ENTITY, "entity_refused"),
    ProbeOutcome.NOT_FOUND: (CONF_CAMERA_ENTITY, "entity_not_found"),
    ProbeOutcome.TIMEOUT: (CONF_CAMERA_ENTITY, "entity_timeout"),
    ProbeOutcome.CANNOT_CONNECT: (CONF_CAMERA_ENTITY, "entity_cannot_connect"),
    ProbeOutcome.FFMPEG_MISSING: ("base", "ffmpeg_missing"),
}


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What a connection form's check found: the settings to keep, or why not."""

    settings: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    owner: str = ""  # the other camera a clash is with, named in the error


class HubCameras:
    """The hub's cameras other than the one being edited: what a camera must not clash with."""

    def __init__(self, entry: ConfigEntry[Any], editing: str | None) -> None:
        """Look at ``entry``'s cameras, leaving out subentry ``editing`` (None when adding)."""
        self._entry = entry
        self._editing = editing

    def _others(self) -> list[ConfigSubentry]:
        return [
            sub
            for sub in self._entry.subentries.values()
            if sub.subentry_type == SUBENTRY_CAMERA and sub.subentry_id != self._editing
        ]

    def owner(self, unique_id: str) -> str | None:
        """Return the name of the other camera with this stream or entity, if any."""
        return next((sub.title for sub in self._others() if sub.unique_id == unique_id), None)

    def name_owner(self, name: str, slug: str | None = None) -> str | None:
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

    def new_slug(self, name: str) -> str:
        """Return a folder name for a new camera, unique within the hub."""
        taken = {str(sub.data.get(CONF_SLUG)) for sub in self._entry.subentries.values()}
        base = slugify(name)
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}_{counter}", counter + 1
        return slug


async def check_url_camera(
    hass: HomeAssistant,
    cameras: HubCameras,
    user_input: Mapping[str, Any],
    draft: Mapping[str, Any],
    earlier_password: str,
) -> ConnectionCheck:
    """Check the stream URL form: a free name, a valid new URL, streams that answer.

    ``draft`` is what the flow holds so far (an edited camera's stored settings);
    ``earlier_password`` the password to use when the field is left empty.
    """
    typed = _read_url_form(cameras, user_input)
    if isinstance(typed, ConnectionCheck):
        return typed
    name, parsed, sub_url = typed
    username = str(user_input.get(CONF_USERNAME) or "").strip() or parsed.username
    password = str(user_input.get(CONF_PASSWORD) or "") or parsed.password or earlier_password
    if not username:
        password = ""
    if errors := await try_streams(hass, parsed.url, sub_url, (username, password)):
        return ConnectionCheck(errors=errors)
    return ConnectionCheck(
        settings={
            CONF_NAME: name,
            CONF_STREAM_URL: parsed.url,
            CONF_USERNAME: username,
            CONF_PASSWORD: password,
            CONF_SUB_STREAM_URL: sub_url,
            CONF_CONTINUOUS_STREAM: str(user_input.get(CONF_CONTINUOUS_STREAM) or StreamName.SUB),
            **stream_settings(user_input),
            **_kept(draft, cameras, name),
        }
    )


def _read_url_form(
    cameras: HubCameras, user_input: Mapping[str, Any]
) -> tuple[str, StreamUrl, str] | ConnectionCheck:
    """Return the name, the stream URL and the sub-stream's URL ("" if none), or the refusal."""
    name = str(user_input[CONF_NAME]).strip()
    if not name:
        return ConnectionCheck(errors={CONF_NAME: "name_required"})
    if owner := cameras.name_owner(name):
        return ConnectionCheck(errors={CONF_NAME: "name_taken"}, owner=owner)
    try:
        parsed = parse_stream_url(str(user_input[CONF_STREAM_URL]).strip())
    except InvalidStreamUrlError:
        return ConnectionCheck(errors={CONF_STREAM_URL: "invalid_url"})
    if owner := cameras.owner(_unique_id(parsed.url)):
        return ConnectionCheck(errors={CONF_STREAM_URL: "already_configured"}, owner=owner)
    sub_text = str(user_input.get(CONF_SUB_STREAM_URL) or "").strip()
    try:
        return name, parsed, parse_stream_url(sub_text).url if sub_text else ""
    except InvalidStreamUrlError:
        return ConnectionCheck(errors={CONF_SUB_STREAM_URL: "invalid_url"})


async def try_streams(
    hass: HomeAssistant, url: str, sub_url: str, login: tuple[str, str]
) -> dict[str, str]:
    """Try the stream and the sub-stream (if any) at once, with the same ``login``.

    Returns the form's errors, each on its stream's field. FFmpeg's own words are masked,
    and belong in the log, not on the form.
    """
    binary = get_ffmpeg_manager(hass).binary
    tries = [(url, STREAM_ERRORS)] + ([(sub_url, SUB_STREAM_ERRORS)] if sub_url else [])
    results = await asyncio.gather(
        *(
            probe_stream(binary, with_credentials(tried, *login), PROBE_TIMEOUT_SECONDS)
            for tried, _ in tries
        )
    )
    errors: dict[str, str] = {}
    for (tried, where), result in zip(tries, results, strict=True):
        if result.outcome is not ProbeOutcome.OK:
            _LOGGER.debug("Trying %s failed (%s): %s", tried, result.outcome, result.detail)
            errors.setdefault(*where[result.outcome])
    return errors


def own_camera_entities(hass: HomeAssistant) -> list[str]:
    """Return Heldar's own camera entities: recording one would record its stream twice."""
    return sorted(
        entity.entity_id
        for entity in er.async_get(hass).entities.values()
        if entity.platform == DOMAIN and entity.domain == CAMERA_DOMAIN
    )


async def check_entity_camera(
    hass: HomeAssistant,
    cameras: HubCameras,
    user_input: Mapping[str, Any],
    draft: Mapping[str, Any],
) -> ConnectionCheck:
    """Check the camera entity form: another integration's entity with a stream that answers."""
    typed = _read_entity_form(hass, cameras, user_input)
    if isinstance(typed, ConnectionCheck):
        return typed
    entity_id, name = typed
    try:
        url = await EntitySource(hass, entity_id).resolve()
    except SourceUnavailableError as err:
        _LOGGER.debug("%s offers no stream: %s", entity_id, err)
        return ConnectionCheck(errors={CONF_CAMERA_ENTITY: "no_stream"})
    result = await probe_stream(get_ffmpeg_manager(hass).binary, url, PROBE_TIMEOUT_SECONDS)
    if result.outcome is not ProbeOutcome.OK:
        _LOGGER.debug("Trying %s failed (%s): %s", entity_id, result.outcome, result.detail)
        return ConnectionCheck(errors=dict([ENTITY_ERRORS[result.outcome]]))
    return ConnectionCheck(
        settings={
            CONF_NAME: name,
            CONF_CAMERA_ENTITY: entity_id,
            CONF_STREAM_URL: "",
            CONF_USERNAME: "",
            CONF_PASSWORD: "",
            **stream_settings(user_input),
            **_kept(draft, cameras, name),
        }
    )


def _read_entity_form(
    hass: HomeAssistant, cameras: HubCameras, user_input: Mapping[str, Any]
) -> tuple[str, str] | ConnectionCheck:
    """Return the entity and the camera's name, or the refusal."""
    entity_id = str(user_input[CONF_CAMERA_ENTITY])
    if entity_id in own_camera_entities(hass):
        return ConnectionCheck(errors={CONF_CAMERA_ENTITY: "own_camera"})
    if (state := hass.states.get(entity_id)) is None:
        return ConnectionCheck(errors={CONF_CAMERA_ENTITY: "entity_missing"})
    if owner := cameras.owner(entity_id):
        return ConnectionCheck(errors={CONF_CAMERA_ENTITY: "already_configured"}, owner=owner)
    name = str(user_input.get(CONF_NAME) or "").strip() or state.name
    if owner := cameras.name_owner(name):
        return ConnectionCheck(errors={CONF_NAME: "name_taken"}, owner=owner)
    return entity_id, name


def _kept(draft: Mapping[str, Any], cameras: HubCameras, name: str) -> dict[str, Any]:
    """Return what a connection edit never changes: the folder, and whether it records."""
    return {
        CONF_SLUG: draft.get(CONF_SLUG) or cameras.new_slug(name),
        CONF_RECORD_ENABLED: draft.get(CONF_RECORD_ENABLED, True),
    }


def identity(data: Mapping[str, Any]) -> str:
    """Return a camera's unique id: its camera entity, or its normalised stream URL."""
    return str(data.get(CONF_CAMERA_ENTITY) or "") or _unique_id(str(data[CONF_STREAM_URL]))


def _unique_id(url: str) -> str:
    """Identify a camera by its credential-free stream URL, ignoring case in scheme and host."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
