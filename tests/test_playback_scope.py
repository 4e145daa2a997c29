"""The bytes a playlist token opens: what its playlist lists of a file, and the init section."""

from __future__ import annotations

from pathlib import Path
import time

from homeassistant.core import HomeAssistant

from custom_components.heldar import footage, hls, review
from custom_components.heldar.playback_scope import Scope, listed, merged, scope
from custom_components.heldar.recorder.fmp4 import read_fragments, read_layout

from .review_common import START, fragmented_segments, setup_hub


def test_a_scope_allows_only_its_runs() -> None:
    """The init section and one run of fragments; nothing between, before or after."""
    cut = Scope(whole=False, runs=merged([(0, 100), (500, 700), (700, 900)]))
    assert cut.runs == ((0, 100), (500, 900))
    assert cut.allows(0, 100)
    assert cut.allows(500, 900)
    assert cut.allows(600, 700)
    assert not cut.allows(0, 101)
    assert not cut.allows(499, 600)
    assert not cut.allows(500, 901)
    assert not cut.allows(50, 50)
    assert not cut.allows(-1, 10)
    assert Scope(whole=False, runs=merged([(0, 100), (100, 900)])).allows(0, 900)
    assert Scope(whole=True).allows(0, 10**9)


async def test_a_cut_file_opens_from_the_keyframe_before_the_start(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """A fragment every second, a keyframe every 1.5 s: a start in a fragment without one.

    The scope opens from the fragment with the keyframe before it; an end cuts what follows;
    a range that holds the file opens it whole; a range beside it opens nothing.
    """
    path = fragmented_segments(tmp_path / "front", 2, gop=15)[0]
    (tmp_path / "front" / "20261124_130002.mp4").unlink()
    hub = (await setup_hub(hass, tmp_path, "Front"))[0]
    layout = read_layout(path)
    assert layout is not None
    fragments = read_fragments(path, layout)
    assert [(f.start, f.keyframe) for f in fragments] == [
        (0.0, True),
        (1.0, False),
        (1.5, True),
        (2.5, False),
    ]
    now = time.time()
    piece = footage.resolve(hub.camera, path.name, now)
    assert piece is not None

    async def opened(start: float, end: float | None) -> Scope | None:
        stretches = listed(hub.camera, piece, start, end, now)  # on the loop
        return await hass.async_add_executor_job(scope, stretches, hls.LayoutCache())

    late = await opened(START + 2.6, START + 10)
    assert late == Scope(
        whole=False, runs=((0, layout.init_end), (fragments[2].offset, layout.media_end))
    )
    early = await opened(START + 1.2, START + 1.4)
    assert early is not None
    assert early.runs == ((0, fragments[1].offset + fragments[1].size),)
    assert not early.allows(fragments[2].offset, fragments[2].offset + 1)
    assert await opened(START - 5, START + 10) == Scope(whole=True)
    assert await opened(START + 5, START + 10) is None
    # The playlist for the late range lists exactly the bytes the scope opens.
    pieces = footage.pieces(hub.camera, START + 2.6, START + 10, now)
    parts = await hass.async_add_executor_job(hls.plan, pieces, review.layouts())
    assert [(p.offset, p.offset + p.length) for p in parts] == [
        (fragments[2].offset, fragments[2].offset + fragments[2].size),
        (fragments[3].offset, layout.media_end),
    ]
