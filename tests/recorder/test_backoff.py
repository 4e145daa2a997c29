"""The reconnect backoff sequence."""

from __future__ import annotations

from custom_components.heldar.recorder.backoff import Backoff


def test_sequence_doubles_to_the_cap() -> None:
    """Short runs back off 1, 2, 4, 8, 16, then 30 seconds for ever."""
    backoff = Backoff()
    assert [backoff.failure(0) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_healthy_run_resets() -> None:
    """A run that recorded for more than 30 s starts the sequence again at 1 s."""
    backoff = Backoff()
    for _ in range(5):
        backoff.failure(5)
    assert backoff.failure(30) == 30  # exactly 30 s is not "more than 30 s"
    assert backoff.failure(31) == 1
    assert backoff.failure(0) == 2


def test_reset() -> None:
    """An explicit reset (camera reconfigured, switch toggled) starts over."""
    backoff = Backoff(initial=0.5, maximum=4)
    assert [backoff.failure(0) for _ in range(5)] == [0.5, 1, 2, 4, 4]
    backoff.reset()
    assert backoff.failure(0) == 0.5
