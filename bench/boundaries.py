"""How exactly recording starts and stops on its boundaries, in a real Home Assistant.

- schedule: a window from the next whole minute to the one after; the recorder must start
  FFmpeg at the opening and stop it at the close (target: within 2 s);
- post-roll: an event camera triggered with a 3 s post-roll must stop at the window end
  (target: within 1 s).
Times are when the recorder state changes (FFmpeg started / FFmpeg gone).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
import tempfile

from common import emit, home_assistant

from tests.media import RtspCamera


async def main() -> None:
    """Measure both kinds of boundary."""
    from homeassistant.setup import async_setup_component  # noqa: PLC0415
    from homeassistant.util import dt as dt_util  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: PLC0415

    from tests.common import camera_subentry  # noqa: PLC0415

    camera = RtspCamera()
    camera.start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            (root / "rec").mkdir()
            async with home_assistant(root / "config") as hass:
                await async_setup_component(hass, "ffmpeg", {})
                now = dt_util.now()
                opening = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
                if (opening - now).total_seconds() < 15:
                    opening += timedelta(minutes=1)
                closing = opening + timedelta(minutes=1)
                window = {
                    "days": [opening.weekday()],
                    "start": opening.strftime("%H:%M"),
                    "end": closing.strftime("%H:%M"),
                    "enabled": True,
                }
                entry = MockConfigEntry(
                    domain="heldar",
                    data={"storage_dir": str(root / "rec")},
                    subentries_data=[
                        camera_subentry(
                            "Lawn",
                            camera.url,
                            record_mode="scheduled",
                            schedules=[window],
                            pre_roll_seconds=0,
                        ),
                        camera_subentry(
                            "Gate",
                            camera.url + "?gate",
                            record_mode="event",
                            post_roll_seconds=3,
                            pre_roll_seconds=0,
                        ),
                    ],
                )
                entry.add_to_hass(hass)
                await hass.config_entries.async_setup(entry.entry_id)
                if entry.state.value != "loaded":
                    raise RuntimeError(f"setup failed: {entry.state} {entry.reason}")
                lawn = next(
                    c for c in entry.runtime_data.cameras.values() if c.config.name == "Lawn"
                )
                gate = next(
                    c for c in entry.runtime_data.cameras.values() if c.config.name == "Gate"
                )

                post_roll_errors = []
                for _ in range(5):
                    response = await hass.services.async_call(
                        "heldar",
                        "trigger",
                        {"entity_id": "sensor.gate_recorder_state"},
                        blocking=True,
                        return_response=True,
                    )
                    window_end = dt_util.parse_datetime(response["cameras"][0]["window_end"])
                    while gate.status is None or gate.status.state.value != "recording":
                        await asyncio.sleep(0.01)
                    while gate.status.state.value != "idle":
                        await asyncio.sleep(0.01)
                    post_roll_errors.append((gate.status.since - window_end).total_seconds())
                    await asyncio.sleep(1)

                async def moment(state: str) -> float:
                    while lawn.status is None or lawn.status.state.value != state:
                        await asyncio.sleep(0.01)
                    return lawn.status.since.timestamp()

                started = await moment("connecting")
                opened_error = started - opening.timestamp()
                stopped = await moment("idle")
                closed_error = stopped - closing.timestamp()
                await hass.config_entries.async_unload(entry.entry_id)
    finally:
        camera.stop()
    emit("schedule_open_error", round(opened_error, 3), "s", "0 <= e <= 2", 0 <= opened_error <= 2)
    emit("schedule_close_error", round(closed_error, 3), "s", "0 <= e <= 2", 0 <= closed_error <= 2)
    emit(
        "post_roll_end_error",
        round(max(post_roll_errors), 3),
        "s",
        "0 <= e <= 1",
        all(0 <= e <= 1 for e in post_roll_errors),
        errors=[round(e, 3) for e in post_roll_errors],
    )


if __name__ == "__main__":
    asyncio.run(main())
