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

from . import access, camera_ref
from .camera_ref import CameraKey, CameraRef
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
    for _, ref in targeted if by_user else ():
        access.require_read(call.hass, user, ref, POLICY_CONTROL)
    for device_id, ref in targeted:
        response = ref.handle.async_trigger(post_roll, reason)
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
def _targeted_cameras(call: ServiceCall) -> list[tuple[str, CameraRef]]:
    """Resolve the call's target to Heldar cameras, refusing anything else named in it."""
    hass = call.hass
    selection = TargetSelection(call.data)  # the schema requires at least one target
    selected = async_extract_referenced_entity_ids(hass, selection, primary_entities_only=False)
    entities = er.async_get(hass)
    devices = dr.async_get(hass)

    device_ids = set(selected.referenced_devices)
    foreign: list[str] = []
    for entity_id in sorted(selected.referenced | selected.indirectly_referenced):
        entry = entities.async_get(entity_id)
        if entry is not None and entry.platform == DOMAIN and entry.device_id is not None:
            device_ids.add(entry.device_id)
        elif entity_id in selected.referenced:
            foreign.append(entity_id)

    found: dict[str, CameraRef] = {}
    for device_id in sorted(device_ids):
        if (ref := camera_ref.find(hass, device_id, CameraKey.DEVICE)) is not None:
            found[device_id] = ref
        elif device_id in selection.device_ids:
            device = devices.async_get(device_id)
            foreign.append(device.name if device and device.name else device_id)

    if foreign or not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_camera",
            translation_placeholders={"targets": ", ".join(foreign) or "-"},
        )
    return list(found.items())
