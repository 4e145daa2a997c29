"""Heldar's media ids: every shape parses back to what formatted it, anything else is refused."""

from __future__ import annotations

import pytest

from custom_components.heldar.media_id import MediaId, MediaKind, event_media_id


@pytest.mark.parametrize(
    "media",
    [
        MediaId("front_door"),
        MediaId("front_door", MediaKind.DAY, "2026-11-29"),
        MediaId("front_door", MediaKind.HOUR, "2026-11-29T14"),
        MediaId("front_door", MediaKind.RANGE, "1764424800-1764425100"),
        MediaId("front_door", MediaKind.SEGMENT, "20261129_140000.mp4"),
        event_media_id("front_door", "20261129T140000-ab12"),
    ],
)
def test_round_trip(media: MediaId) -> None:
    """What is formatted parses back to the same id."""
    assert MediaId.parse(str(media)) == media


@pytest.mark.parametrize(
    "identifier", ["", "/day/x", "cam/unknown/x", "cam/day", "cam/day/", "cam/segment/../x"]
)
def test_refused(identifier: str) -> None:
    """Unknown kinds, missing keys and keys with a slash are not Heldar's."""
    assert MediaId.parse(identifier) is None


def test_content_id() -> None:
    """The full id automations get in event data and export responses."""
    assert event_media_id("yard", "e1").content_id == "media-source://heldar/yard/events/e1"
