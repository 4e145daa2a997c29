"""Heldar's media-source identifiers, parsed and formatted in this one place.

An identifier is ``<camera folder>[/<kind>/<key>]``: a camera, one of its days or hours, a
stretch of footage, a segment file, or an event (clips and exports). The keys:

- ``day``: ``2026-11-29``; ``hour``: ``2026-11-29T14``;
- ``range``: ``<start>-<end>`` in epoch seconds;
- ``segment``: a segment file's name; ``events``: an event id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .const import MEDIA_SOURCE_PREFIX


class MediaKind(StrEnum):
    """What a media id names below a camera."""

    DAY = "day"
    HOUR = "hour"
    RANGE = "range"
    SEGMENT = "segment"
    EVENT = "events"


@dataclass(frozen=True, slots=True)
class MediaId:
    """A camera (``kind`` None), or one of its days, hours, stretches, segments or events."""

    camera: str
    kind: MediaKind | None = None
    key: str = ""

    @classmethod
    def parse(cls, identifier: str) -> MediaId | None:
        """Read an identifier; None when it is not one of Heldar's shapes."""
        camera, _, rest = identifier.partition("/")
        if not camera:
            return None
        if not rest:
            return cls(camera)
        kind, _, key = rest.partition("/")
        if not key or "/" in key or kind not in MediaKind:
            return None
        return cls(camera, MediaKind(kind), key)

    def __str__(self) -> str:
        """Return the identifier, as the media browser passes it back."""
        return self.camera if self.kind is None else f"{self.camera}/{self.kind}/{self.key}"

    @property
    def content_id(self) -> str:
        """Return the full ``media-source://heldar/...`` id, for automations and the player."""
        return f"{MEDIA_SOURCE_PREFIX}/{self}"


def event_media_id(camera: str, event_id: str) -> MediaId:
    """Return the media id of a camera's event (a clip or an export)."""
    return MediaId(camera, MediaKind.EVENT, event_id)
