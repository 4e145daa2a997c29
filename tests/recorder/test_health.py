"""The supervisor's wake-ups: spread between cameras, never past a stall deadline."""

from __future__ import annotations

import pytest

from custom_components.heldar.recorder.health import RunEnd, RunHealth
from custom_components.heldar.recorder.progress import MediaClock
from custom_components.heldar.recorder.timing import Timing


def test_long_waits_are_cut_by_the_runs_phase_short_ones_kept() -> None:
    """Two runs reading the same report wake apart; neither wakes after its deadline."""
    timing = Timing()
    early, late = (RunHealth(timing, started=0.0, phase=phase) for phase in (0.1, 0.0))
    for health in (early, late):
        health.observe(10.0)  # frames flow from t = 10
    # Reported at t = 10: the stall deadline is 6 s on; the rescan (300 s) is further.
    assert late.poll_interval(10.0, reporting=True) == pytest.approx(6.01)
    assert early.poll_interval(10.0, reporting=True) == pytest.approx(6.01 * 0.9)
    # Near the deadline, the wait is exact: the verdict comes on time.
    assert early.poll_interval(15.7, reporting=True) == pytest.approx(0.31)
    assert early.verdict(16.02) is RunEnd.STALLED


def test_phases_differ_between_runs() -> None:
    """Each run draws its own phase, within the spread."""
    phases = {RunHealth(Timing(), started=0.0).phase for _ in range(20)}
    assert len(phases) > 1
    assert all(0.0 <= phase < 0.15 for phase in phases)


def _reporting_clock(now: list[float]) -> MediaClock:
    clock = MediaClock(lambda: now[0])
    for second in range(5):  # a report a second at real speed, frames flowing
        now[0] = float(second)
        clock.feed(f"frame={(second + 1) * 25}\nout_time_us={second * 1_000_000}\n".encode())
    return clock


def test_a_watched_run_sleeps_until_the_rescan_and_the_tick_says_when_to_look() -> None:
    """With the drain's tick watching, the wait is the rescan; silence is caught by ``overdue``."""
    now = [0.0]
    clock = _reporting_clock(now)
    health = RunHealth(Timing(), started=0.0, phase=0.0)
    health.observe(clock.advanced_at, clock)
    assert health.poll_interval(4.0, reporting=True, watched=True) == pytest.approx(300.0)
    assert health.poll_interval(4.0, reporting=True) == pytest.approx(6.01)
    # Reports keep coming: never overdue, though the supervisor has not looked since t = 4.
    for second in range(5, 30):
        now[0] = float(second)
        clock.feed(f"frame={(second + 1) * 25}\nout_time_us={second * 1_000_000}\n".encode())
        assert not health.overdue(now[0] + 0.9, clock)
    # The camera goes silent after t = 29: overdue past the 6 s limit, and the verdict agrees.
    assert not health.overdue(35.0, clock)
    assert health.overdue(35.1, clock)
    health.observe(clock.advanced_at, clock)
    assert health.verdict(35.1, clock) is RunEnd.STALLED


def test_drifting_media_is_overdue_at_once() -> None:
    """Media running ahead of the wall clock wakes the supervisor on the next tick."""
    now = [0.0]
    clock = _reporting_clock(now)
    health = RunHealth(Timing(), started=0.0, phase=0.0)
    health.observe(clock.advanced_at, clock)
    now[0] = 5.0
    clock.feed(b"frame=150\nout_time_us=15000000\n")  # 11 s of media in 1 s of wall time
    assert health.overdue(5.0, clock)
    health.observe(clock.advanced_at, clock)
    assert health.verdict(5.0, clock) is RunEnd.DRIFT


def test_a_connecting_run_is_never_overdue() -> None:
    """Before the first frame the connect timeout rules, checked by the supervisor's own poll."""
    health = RunHealth(Timing(), started=0.0)
    assert not health.overdue(100.0, MediaClock(lambda: 100.0))


def test_frames_reported_before_a_fragment_is_on_disk_are_looked_for_again_soon() -> None:
    """Once frames are reported, the first fragment is awaited at the short poll, not 1 s."""
    timing = Timing()
    health = RunHealth(timing, started=0.0)
    assert health.poll_interval(1.0) == timing.poll_connecting
    health.footage_pending = True
    assert health.poll_interval(1.0) == timing.poll_footage < timing.poll_connecting
    health.observe(2.0)  # the fragment landed: recording, on the usual deadlines
    assert health.poll_interval(2.0) == pytest.approx(2.0 * (1 - health.phase))
