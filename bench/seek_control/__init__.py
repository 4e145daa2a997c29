"""Benchmark only: the same run's control for bench/seek.py, the playlists as they were.

Loaded into the benchmark's Home Assistant next to Heldar. While the file ``FLAG`` exists in
the configuration folder, playlists (and the bytes a token opens, which come from the same
planner) list a whole closed file as one entry and a cut one fragment by fragment, as Heldar
did before it grouped fragments; otherwise Heldar's own planner answers.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType

from custom_components.heldar import hls
from custom_components.heldar.footage import Piece

DOMAIN = "heldar_seek_control"
FLAG = "seek_control_whole_files"


def whole_files(
    pieces: list[Piece], cache: hls.LayoutCache, *, split_after: float | None = None
) -> list[hls.Part]:
    """Return the entries the old planner listed: a whole closed file is one."""
    parts: list[hls.Part] = []
    for piece in pieces:
        closed = split_after is None or piece.end <= split_after
        found = hls._read(piece, cache)  # noqa: SLF001 - the control reuses the reader
        if found is None:
            continue
        layout, fragments = found
        if piece.whole and closed and not piece.growing:
            media = layout.media_end - layout.media_offset
            parts.append(
                hls.Part(
                    piece.name,
                    piece.start,
                    piece.end - piece.start,
                    layout.media_offset,
                    media,
                    layout.init_end,
                    first_of_file=True,
                )
            )
        else:
            listed = hls._fragment_parts(piece, layout, fragments)  # noqa: SLF001
            parts += [part for part, _ in listed]
    for before, after in itertools.pairwise(parts):
        if after.name == before.name and after.offset == before.offset + before.length:
            after.first_of_file = False
    return parts


async def async_setup(hass: HomeAssistant, _config: ConfigType) -> bool:
    """Put the switchable planner in Heldar's place."""
    flag = Path(hass.config.path(FLAG))
    grouped = hls.plan

    def plan(
        pieces: list[Piece], cache: hls.LayoutCache, *, split_after: float | None = None
    ) -> list[hls.Part]:
        chosen = whole_files if flag.exists() else grouped
        return chosen(pieces, cache, split_after=split_after)

    hls.plan = plan
    return True
