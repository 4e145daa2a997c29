"""Heldar's media-source identifiers, parsed and formatted in this one place.

An identifier is ``<camera folder>[/<kind>/<key>]``: a camera, one of its days or hours, a
stretch of footage, a segment file, or an event (clips and exports). The keys:

- ``day``: ``2026-11-29``; ``hour``: ``2026-11-29T14``;
- ``range``: ``<start>-<end>`` in epoch seconds;
- ``segment``: a segment file's name; ``events``: an event id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from homeassistant.util import dt as dt_util

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

    folder: str  # the camera's folder (camera_ref.py finds the camera by it)
    kind: MediaKind | None = None
    key: str = ""

    @classmethod
    def parse(cls, identifier: str) -> MediaId | None:
        """Read an identifier; None when it is not one of Heldar's shapes."""
        folder, _, rest = identifier.partition("/")
        if not folder:
            return None
        if not rest:
            return cls(folder)
        kind, _, key = rest.partition("/")
        if not key or "/" in key or kind not in MediaKind:
            return None
        return cls(folder, MediaKind(kind), key)

    def __str__(self) -> str:
        """Return the identifier, as the media browser passes it back."""
        return self.folder if self.kind is None else f"{self.folder}/{self.kind}/{self.key}"

    def span(self) -> tuple[float, float]:
        """Return the UTC span an hour (local) or a stretch names; ValueError if malformed."""
        if self.kind is MediaKind.HOUR:
            day_text, hour_text = self.key.split("T")
            hour = int(hour_text)
            if not 0 <= hour < 24:  # noqa: PLR2004
                raise ValueError(self.key)
            zone = dt_util.get_default_time_zone()
            local = datetime.combine(date.fromisoformat(day_text), time(hour), zone)
            return local.timestamp(), local.timestamp() + 3600.0
        if self.kind is MediaKind.RANGE:
            start, end = (float(part) for part in self.key.split("-"))
            if not 0 < end - start <= 3600:  # noqa: PLR2004
                raise ValueError(self.key)
            return start, end
        raise ValueError(self.key)

    @property
    def content_id(self) -> str:
        """Return the full ``media-source://heldar/...`` id, for automations and the player."""
        return f"{MEDIA_SOURCE_PREFIX}/{self}"


def event_media_id(folder: str, event_id: str) -> MediaId:
    """Return the media id of a camera's event (a clip or an export), by the camera's folder."""
    return MediaId(folder, MediaKind.EVENT, event_id)
