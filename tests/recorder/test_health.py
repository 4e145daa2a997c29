"""The supervisor's wake-ups: spread between cameras, never past a stall deadline."""

from __future__ import annotations

import pytest

from custom_components.heldar.recorder.health import RunEnd, RunHealth
from custom_components.heldar.recorder.timing import Timing


def test_long_waits_are_cut_by_the_runs_phase_short_ones_kept() -> None:
    """Two runs reading the same report wake apart; neither wakes after its deadline."""
    timing = Timing()
    early, late = (RunHealth(timing, started=0.0, phase=phase) for phase in (0.1, 0.0))
    for health in (early, late):
        health.observe(10.0)  # frames flow from t = 10
    # Reported at t = 10: the stall deadline is 6 s on; the rescan (15 s) is further.
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
