"""FFmpeg's progress reports reduced to "when did the media last advance"."""

from __future__ import annotations

from custom_components.heldar.recorder.progress import MediaClock


def make_clock() -> tuple[MediaClock, list[float]]:
    """Return a clock whose time is a counter, and the list of advances it reported."""
    ticks = iter(range(1, 1000))
    advances: list[float] = []
    return MediaClock(lambda: float(next(ticks)), advances.append), advances


def test_only_forward_media_time_counts() -> None:
    """N/A, repeats and other keys are not progress; a larger out_time_us is."""
    clock, advances = make_clock()
    clock.feed(b"frame=0\nout_time_us=N/A\nprogress=continue\n")
    assert clock.advanced_at is None
    clock.feed(b"out_time_us=1000000\nout_time_ms=1000000\nprogress=continue\n")
    clock.feed(b"out_time_us=1000000\nprogress=continue\n")  # a stalled stream repeats
    clock.feed(b"out_time_us=2000000\n")
    assert advances == [1.0, 2.0]
    assert clock.out_time_us == 2_000_000


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
