"""Titles of the media browser's tiles: what tells a tile apart first, then camera and date.

The browser cuts long titles on its tiles, and its player shows the title of what it plays:
so the time comes first, and the camera and the date follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from .recorder.store import CameraStore


def stream_note(stream: str | None) -> str:
    """Say which stream a recording of a camera with a sub-stream comes from."""
    if stream is None:
        return ""
    return ", sub-stream" if stream == "sub" else ", main stream"


def tile_title(lead: str, store: CameraStore, day: date) -> str:
    """Title a tile: what tells it apart first (tiles cut long titles), then camera and date."""
    return f"{lead} · {store.name}, {day_title(day)}"


def day_title(day: date) -> str:
    """Return a short day title that fits a tile: "Tue 24 Nov 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def activity_note(stretches: Iterable[datetime]) -> str:
    """Say which five-minute stretches had activity: ", active 08:10, 08:35" (or nothing)."""
    starts = [f"{moment:%H:%M}" for moment in stretches]
    return f", active {', '.join(starts)}" if starts else ""
