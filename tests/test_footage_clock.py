"""The footage clock's matching of changes seen in footage to the test camera's marks."""

from __future__ import annotations

from .footage_clock import _LUMA, _LUMA_TWICE, Mark, luma_table, match_changes


def marks(*levels_and_times: tuple[int, float]) -> list[Mark]:
    """Return marks on one mount."""
    return [Mark("/stream", level, sent) for level, sent in levels_and_times]


def test_a_change_is_matched_with_the_nearest_mark_of_the_same_levels() -> None:
    """Lags are measured against the camera's own log of the same change."""
    log = marks((1, 0.0), (5, 1.0), (2, 2.0), (1, 3.0), (5, 4.0))
    lags, unmatched = match_changes([(1.08, 1, 5), (2.1, 5, 2), (4.2, 1, 5)], log)
    assert [(sent, round(lag, 2)) for sent, lag in lags] == [(1.0, 0.08), (2.0, 0.1), (4.0, 0.2)]
    assert unmatched == 0


def test_a_level_read_one_off_matches_only_close_by() -> None:
    """A low-bitrate first keyframe may read 13 as 14: near marks count within 2 s only."""
    log = marks((12, 0.0), (13, 1.0), (3, 2.0))
    lags, unmatched = match_changes([(1.1, 12, 14), (9.0, 12, 14)], log)
    assert [(sent, round(lag, 2)) for sent, lag in lags] == [(1.0, 0.1)]
    assert unmatched == 1


def test_a_change_with_no_mark_nearby_is_a_misread_not_a_lag() -> None:
    """The same pair of levels 181 s away is another change of the camera, not this one's."""
    log = marks((3, 0.0), (7, 1.0), (9, 2.0), (3, 180.0), (7, 181.0))
    lags, unmatched = match_changes([(1.05, 3, 7), (362.0, 3, 7)], log)
    assert [(sent, round(lag, 2)) for sent, lag in lags] == [(1.0, 0.05)]
    assert unmatched == 1


def test_the_luma_scale_is_chosen_for_the_whole_output_not_per_file() -> None:
    """A 2 s file of an H.264 camera (lumas 35, 47, 201) fits the MJPEG scale better alone.

    Read alone it becomes levels 0, 1 and 14 instead of 1, 2 and 13: changes the camera never
    made. Among the output's other frames, which show every level, the camera's scale wins.
    """
    short_file = [(0.0, 35.0), (0.5, 47.0), (1.0, 201.0)]
    assert luma_table(short_file) is _LUMA_TWICE
    whole_output = [(float(level), luma) for level, luma in enumerate(_LUMA)] + short_file
    assert luma_table(whole_output) is _LUMA
