"""What plays where: a piece of a file cut to a range, and event media that footage covers."""

from __future__ import annotations

from pathlib import Path

from custom_components.heldar.footage import Piece, uncovered

CLIP = Piece("event_e.mp4", Path("cam"), "events/e.mp4", 100.0, 140.0, media_in=5.0, whole=False)


def test_a_cut_keeps_the_media_where_it_was() -> None:
    """Cutting a stretch moves its start into the file and says the file goes on after it."""
    whole = Piece("a.mp4", Path("cam"), "a.mp4", 100.0, 160.0)
    assert whole.path == Path("cam/a.mp4")
    cut = whole.cut(110.0, 130.0)
    assert cut is not None
    assert (cut.start, cut.end, cut.media_in, cut.media_out) == (110.0, 130.0, 10.0, 30.0)
    assert not cut.whole
    assert cut.ends_early
    assert whole.cut(0.0, 1000.0) is whole
    assert whole.cut(160.0, 170.0) is None
    tail = whole.cut(150.0, 170.0)
    assert tail is not None
    assert not tail.ends_early


def test_footage_wins_where_an_event_overlaps_it() -> None:
    """An event's media plays only where no footage does; touching spans are no overlap."""
    cover = [(0.0, 90.0), (90.0, 110.0), (120.0, 125.0), (200.0, 260.0)]
    parts = uncovered(CLIP, cover)
    assert [(p.start, p.end, p.media_in) for p in parts] == [
        (110.0, 120.0, 15.0),
        (125.0, 140.0, 30.0),
    ]
    # A span that only touches the clip (a segment boundary) leaves it whole.
    assert uncovered(CLIP, [(60.0, 100.3), (139.8, 200.0)]) == [CLIP]
    assert uncovered(CLIP, [(50.0, 150.0)]) == []
    assert uncovered(CLIP, []) == [CLIP]
