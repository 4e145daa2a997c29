"""Stream sources that live in Home Assistant: a camera entity another integration provides."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.camera import async_get_stream_source
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .recorder.source import SourceUnavailableError


@dataclass(frozen=True, slots=True)
class EntitySource:
    """The stream of a ``camera.*`` entity, asked for again before every FFmpeg start.

    Asking each time means rotating tokens and changed passwords in the camera's own
    integration keep working without touching Heldar.
    """

    hass: HomeAssistant
    entity_id: str

    async def resolve(self) -> str:
        """Return the entity's stream URL, or say clearly why there is none."""
        try:
            url = await async_get_stream_source(self.hass, self.entity_id)
        except HomeAssistantError as err:
            msg = f"{self.entity_id} is not available: {err}"
            raise SourceUnavailableError(msg) from err
        if not url:
            msg = f"{self.entity_id} offers no stream to record"
            raise SourceUnavailableError(msg)
        return url
