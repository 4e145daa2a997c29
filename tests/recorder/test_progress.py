"""FFmpeg's progress reports reduced to "when did written media last advance"."""

from __future__ import annotations

import pytest

from custom_components.heldar.recorder.progress import MediaClock


def make_clock() -> tuple[MediaClock, list[float]]:
    """Return a clock whose time is a counter, and the list of advances it reported."""
    ticks = iter(range(1, 1000))
    advances: list[float] = []
    return MediaClock(lambda: float(next(ticks)), advances.append), advances


def test_only_forward_media_time_counts() -> None:
    """N/A, repeats and other keys are not progress; a larger out_time_us is."""
    clock, advances = make_clock()
    clock.feed(b"out_time_us=N/A\nprogress=continue\n")
    assert clock.advanced_at is None
    clock.feed(b"out_time_us=1000000\nout_time_ms=1000000\nprogress=continue\n")
    clock.feed(b"out_time_us=1000000\nprogress=continue\n")  # a stalled stream repeats
    clock.feed(b"out_time_us=2000000\n")
    assert advances == [1.0, 2.0]
    assert clock.out_time_us == 2_000_000


def test_zero_media_time_before_the_first_keyframe_is_not_media() -> None:
    """FFmpeg reports out_time_us=0 with frame=0 while it waits for a keyframe: not media.

    The old clock started at -1, so that first report counted as media arriving and the
    camera showed ``recording`` before one frame was written.
    """
    clock, advances = make_clock()
    clock.feed(b"frame=0\nout_time_us=0\nprogress=continue\n" * 3)
    clock.feed(b"frame=0\nout_time_us=N/A\nprogress=continue\n")
    assert advances == []
    assert clock.advanced_at is None
    clock.feed(b"frame=1\nout_time_us=78\nprogress=continue\n")
    assert advances == [1.0]


def test_out_time_zero_alone_is_not_media() -> None:
    """Without frame counts, media time must move past zero to count."""
    clock, advances = make_clock()
    clock.feed(b"out_time_us=0\nprogress=continue\n")
    assert advances == []


def test_frames_count_even_when_media_time_stands_still() -> None:
    """Frames written prove a live camera even if its timestamps stopped moving."""
    clock, advances = make_clock()
    clock.feed(b"frame=25\nout_time_us=1000000\nprogress=continue\n")
    clock.feed(b"frame=50\nout_time_us=1000000\nprogress=continue\n")
    clock.feed(b"frame=50\nout_time_us=1000000\nprogress=continue\n")
    assert advances == [1.0, 2.0]


def test_first_frame_time_and_drift() -> None:
    """The first frame's wall time comes from the frame rate; drift compares media and wall."""
    wall = iter([100.0, 101.0, 102.0, 103.0])
    clock = MediaClock(lambda: next(wall))
    # 10 frames already written at the first report, 25 fps: the first was 0.36 s earlier.
    clock.feed(b"frame=10\nout_time_us=7360000\nprogress=continue\n")
    assert clock.first_frame_at is None
    clock.feed(b"frame=35\nout_time_us=8360000\nprogress=continue\n")
    assert clock.first_frame_at == pytest.approx(100.0 - 9 * 0.04)
    assert clock.drift() == pytest.approx(0.0)
    # 5 s of media in one wall second: timestamps ran ahead.
    clock.feed(b"frame=60\nout_time_us=13360000\nprogress=continue\n")
    assert clock.drift() == pytest.approx(4.0)


def test_lines_split_across_reads() -> None:
    """A pipe read may end mid-line; the rest arrives with the next read."""
    clock, advances = make_clock()
    clock.feed(b"out_time")
    clock.feed(b"_us=5")
    assert advances == []
    clock.feed(b"00\nprogress=continue\n")
    assert clock.out_time_us == 500
    assert advances == [1.0]


def test_an_endless_line_stays_bounded() -> None:
    """Garbage without newlines never grows the buffer past a short line's length."""
    clock, _ = make_clock()
    for _ in range(100):
        clock.feed(b"x" * 4096)
    clock.feed(b"\nout_time_us=7\n")
    assert clock.out_time_us == 7
    assert len(clock._partial) == 0


def test_widest_gap_is_between_reports() -> None:
    """The rhythm of the stream is the time between advances, whoever reads it when."""
    wall = iter([10.0, 11.0, 14.0, 15.0])
    clock = MediaClock(lambda: next(wall))
    for frames in (25, 50, 75, 100):
        clock.feed(f"frame={frames}\nout_time_us={frames * 40000}\n".encode())
    assert clock.widest_gap == 3.0
