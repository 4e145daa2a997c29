"""Recording modes: what each asks for, and triggers that only extend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.heldar.recorder.modes import Demand, RecordMode

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
LATER = NOW + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("mode", "schedule", "window", "wanted"),
    [
        (RecordMode.CONTINUOUS, False, None, True),
        (RecordMode.SCHEDULED, False, None, False),
        (RecordMode.SCHEDULED, True, None, True),
        (RecordMode.SCHEDULED, False, LATER, False),  # a trigger does not move a scheduled camera
        (RecordMode.EVENT, True, None, False),  # nor does a schedule move an event camera
        (RecordMode.EVENT, False, LATER, True),
        (RecordMode.EVENT, False, NOW, False),  # the window end is exclusive
        (RecordMode.SCHEDULED_EVENT, True, None, True),
        (RecordMode.SCHEDULED_EVENT, False, LATER, True),
        (RecordMode.SCHEDULED_EVENT, False, None, False),
    ],
)
def test_demand_by_mode(
    mode: RecordMode,
    schedule: bool,  # noqa: FBT001 - a parametrized input
    window: datetime | None,
    wanted: bool,  # noqa: FBT001
) -> None:
    """Each mode records on exactly the inputs the original recorder honoured."""
    assert Demand(mode, schedule, window).wants(NOW) is wanted


def test_triggers_only_extend() -> None:
    """A later end extends the window; an earlier one is ignored."""
    demand = Demand(RecordMode.EVENT)
    assert demand.seconds_until_window_end(NOW) is None
    assert demand.extend(LATER)
    assert not demand.extend(NOW + timedelta(seconds=5))
    assert not demand.extend(LATER)
    assert demand.window_end == LATER
    assert demand.seconds_until_window_end(NOW) == 30
    assert demand.extend(LATER + timedelta(seconds=1))
    assert demand.seconds_until_window_end(LATER + timedelta(seconds=2)) is None


def test_mode_properties() -> None:
    """Which modes use which input."""
    assert [m for m in RecordMode if m.uses_schedule] == ["scheduled", "scheduled_event"]
    assert [m for m in RecordMode if m.uses_triggers] == ["event", "scheduled_event"]


def test_a_second_stream_lets_continuous_take_triggers() -> None:
    """Only a continuous camera with an event stream gains triggers; the others keep theirs."""
    with_stream = [m for m in RecordMode if m.takes_triggers(event_stream=True)]
    assert with_stream == ["continuous", "event", "scheduled_event"]
    assert [m for m in RecordMode if m.takes_triggers(event_stream=False)] == [
        "event",
        "scheduled_event",
    ]
    demand = Demand(RecordMode.CONTINUOUS, event_stream=True)
    assert demand.extend(LATER)
    assert demand.trigger_active(NOW)
    assert demand.footage_active  # footage goes on all the same
    assert not Demand(RecordMode.CONTINUOUS, window_end=LATER).trigger_active(NOW)
