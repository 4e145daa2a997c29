"""Heldar's actions: heldar.trigger here; heldar.export (export.py); share and unshare.

An action called by a user (not by an automation or script) acts only on cameras that user
may control (trigger) or export and share (access.py), as Home Assistant's entity actions do.
"""

from __future__ import annotations

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids
from homeassistant.util.json import JsonValueType
import probatio as vol

from . import access, review
from .camera_handle import CameraHandle
from .const import (
    ATTR_POST_ROLL,
    ATTR_REASON,
    DOMAIN,
    MAX_POST_ROLL_SECONDS,
    SERVICE_EXPORT,
    SERVICE_SHARE,
    SERVICE_TRIGGER,
    SERVICE_UNSHARE,
)
from .data import async_get_hub
from .export import EXPORT_SCHEMA, async_handle_service
from .recorder.supervisor import RecorderState
from .share_actions import (
    SHARE_SCHEMA,
    UNSHARE_SCHEMA,
    async_share_service,
    async_unshare_service,
)

# Results after which the camera records (if it did not already).
_OPENS = {"started", "extended"}

TRIGGER_SCHEMA = cv.make_entity_service_schema(
    {
        vol.Optional(ATTR_REASON): cv.string,
        vol.Optional(ATTR_POST_ROLL): vol.All(
            vol.Coerce(int), vol.Range(min=0, max=MAX_POST_ROLL_SECONDS)
        ),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register Heldar's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_TRIGGER,
        _async_trigger,
        schema=TRIGGER_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_EXPORT,
        async_handle_service,
        schema=EXPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SHARE,
        async_share_service,
        schema=SHARE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_UNSHARE,
        async_unshare_service,
        schema=UNSHARE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


async def _async_trigger(call: ServiceCall) -> ServiceResponse:
    """Trigger every targeted camera; a paused camera is reported, not an error."""
    reason = str(call.data.get(ATTR_REASON) or "")
    post_roll: int | None = call.data.get(ATTR_POST_ROLL)
    results: list[JsonValueType] = []
    targeted = _targeted_cameras(call)
    by_user, user = await access.context_user(call.hass, call.context)
    for _, camera in targeted if by_user else ():
        if (found := review.find(call.hass, camera.subentry_id)) is not None:
            access.require_read(call.hass, user, found, POLICY_CONTROL)
    for device_id, camera in targeted:
        response = camera.async_trigger(post_roll, reason)
        response["device_id"] = device_id
        results.append(_expected(response))
    return {"cameras": results}


def _expected(response: dict[str, JsonValueType]) -> dict[str, JsonValueType]:
    """Report what is about to happen: an idle camera that was just triggered is connecting.

    The recorder starts FFmpeg on its own task, after this call returns; "idle" next to
    "started" would read as if the trigger did nothing.
    """
    if response["result"] in _OPENS and response["state"] == RecorderState.IDLE:
        response["state"] = RecorderState.CONNECTING.value
    return response


@callback
def _targeted_cameras(call: ServiceCall) -> list[tuple[str, CameraHandle]]:
    """Resolve the call's target to Heldar cameras, refusing anything else named in it."""
    hass = call.hass
    selection = TargetSelection(call.data)  # the schema requires at least one target
    selected = async_extract_referenced_entity_ids(hass, selection, primary_entities_only=False)
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    cameras = _cameras_by_subentry(hass)

    device_ids = set(selected.referenced_devices)
    foreign: list[str] = []
    for entity_id in sorted(selected.referenced | selected.indirectly_referenced):
        entry = entities.async_get(entity_id)
        if entry is not None and entry.platform == DOMAIN and entry.device_id is not None:
            device_ids.add(entry.device_id)
        elif entity_id in selected.referenced:
            foreign.append(entity_id)

    found: dict[str, CameraHandle] = {}
    for device_id in sorted(device_ids):
        device = devices.async_get(device_id)
        camera = None
        if device is not None:
            camera = next(
                (
                    cameras[ident]
                    for domain, ident in device.identifiers
                    if domain == DOMAIN and ident in cameras
                ),
                None,
            )
        if camera is not None:
            found[device_id] = camera
        elif device_id in selection.device_ids:
            foreign.append(device.name if device and device.name else device_id)

    if foreign or not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_camera",
            translation_placeholders={"targets": ", ".join(foreign) or "-"},
        )
    return list(found.items())


@callback
def _cameras_by_subentry(hass: HomeAssistant) -> dict[str, CameraHandle]:
    """Return the hub's cameras, keyed by subentry id."""
    hub = async_get_hub(hass)
    return dict(hub.cameras) if hub is not None else {}
