"""The bytes a playlist token opens: fragments inside its range, from the keyframe before."""

from __future__ import annotations

from pathlib import Path

from custom_components.heldar import hls, playback_scope
from custom_components.heldar.playback_scope import Window, inside, window
from custom_components.heldar.recorder.fmp4 import read_fragments, read_layout

from .review_common import START, fragmented_segments


def test_window_allows_only_its_bytes() -> None:
    """The init section and one run of fragments; nothing between, before or after."""
    cut = Window(init_end=100, start=500, end=900)
    assert cut.allows(0, 100)
    assert cut.allows(500, 900)
    assert cut.allows(600, 700)
    assert not cut.allows(0, 101)
    assert not cut.allows(499, 600)
    assert not cut.allows(500, 901)
    assert not cut.allows(50, 50)
    assert not cut.allows(-1, 10)
    joined = Window(init_end=100, start=100, end=900)  # from the first fragment on
    assert joined.allows(0, 900)


def test_inside() -> None:
    """A growing file is wholly inside a live range only."""
    assert inside((10.0, 20.0), 10.0, 20.0)
    assert not inside((10.0, 20.0), 10.5, 20.0)
    assert not inside((10.0, 20.0), 10.0, 19.0)
    assert inside((10.0, None), 5.0, None)
    assert not inside((10.0, None), 5.0, 100.0)


def test_a_cut_file_opens_from_the_keyframe_before_the_start(tmp_path: Path) -> None:
    """A fragment every second, a keyframe every 1.5 s: a start in a fragment without one.

    The window opens from the fragment with the keyframe before it; an end cuts what follows.
    """
    path = fragmented_segments(tmp_path, 2, gop=15)[0]
    (tmp_path / "20261124_130002.mp4").unlink()
    layout = read_layout(path)
    assert layout is not None
    fragments = read_fragments(path, layout)
    assert [(f.start, f.keyframe) for f in fragments] == [
        (0.0, True),
        (1.0, False),
        (1.5, True),
        (2.5, False),
    ]
    span = (START, START + 3.0)
    cut = window(path, span, START + 2.6, None)
    assert cut == Window(layout.init_end, fragments[2].offset, layout.media_end)
    cut = window(path, span, START + 1.2, START + 1.4)
    assert cut == Window(
        layout.init_end, fragments[0].offset, fragments[1].offset + fragments[1].size
    )
    assert window(path, span, START + 5, None) is None
    # The playlist lists exactly those fragments, the first with its init section.
    whole = hls.plan(tmp_path, [], hls.LayoutCache())  # nothing indexed
    assert whole == []
    parts = [hls.Part(path.name, START, 3.0, layout.init_end, layout.media_end - layout.init_end,
                      layout.init_end, first_of_file=True)]  # fmt: skip
    kept = playback_scope.restrict(tmp_path, parts, {path.name: span}, START + 2.6, None)
    # One entry, from the keyframe's fragment to the end: a player starts on its keyframe.
    assert [(p.offset, p.length, p.first_of_file) for p in kept] == [
        (fragments[2].offset, layout.media_end - fragments[2].offset, True)
    ]
    assert kept[0].start == START + 1.5
    # A file already listed fragment by fragment (a live playlist) keeps its fragments.
    pieces = hls.file_fragments(path, layout, span[1])
    kept = playback_scope.restrict(tmp_path, pieces, {path.name: span}, START + 2.6, None)
    assert [(p.offset, p.first_of_file) for p in kept] == [
        (fragments[2].offset, True),
        (fragments[3].offset, False),
    ]
    assert playback_scope.restrict(tmp_path, parts, {path.name: span}, START, None) == parts
