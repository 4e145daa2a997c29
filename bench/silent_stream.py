"""P6: a silent stream (socket open, no packets): time to detect it and start a new FFmpeg.

A loopback proxy (``tests/proxy.py``) sits between FFmpeg and the test camera and, on command,
stops forwarding while keeping the connection open. The camera records 2-second segments, so
the target is max(2 segments, 10 s) = 10 s. Measured from the moment the proxy goes silent:

- detected: Heldar's sensor leaves ``recording`` (the stall verdict; the silent FFmpeg is
  stopped);
- restarted: a new FFmpeg process for the camera exists (seen in ``/proc``).

The proxy then forwards again, and the time back to ``recording`` is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import statistics
import tempfile

from common import (
    camera_handles,
    emit,
    heldar_hub,
    home_assistant,
    time_a_silence,
    wait_until,
)

from tests.common import camera_subentry
from tests.media import RtspCamera, processes_with
from tests.proxy import SilenceableProxy

SEGMENT = 2
TARGET = max(2 * SEGMENT, 10)
SENSOR = "sensor.bench_recorder_state"


async def main() -> None:
    """Silence the proxy several times; time detection, restart and recovery."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    camera = RtspCamera()
    camera.start()
    proxy = SilenceableProxy(camera.port)
    await proxy.start()
    detected: list[float] = []
    restarted: list[float] = []
    recovered: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            folder = str(root / "rec" / "bench") + "/"
            subentry = camera_subentry("Bench", proxy.url(), segment_seconds=SEGMENT)
            async with (
                home_assistant(root / "config") as hass,
                heldar_hub(hass, root / "rec", subentry) as entry,
            ):
                handle = camera_handles(entry)[0]

                def state() -> str | None:
                    found = hass.states.get(SENSOR)
                    return found.state if found else None

                def ffmpeg() -> list[int]:
                    return processes_with(folder)

                await wait_until(lambda: state() == "recording", 60)
                for _ in range(args.repeats):
                    await asyncio.sleep(35)  # past the healthy threshold: a first failure
                    silent_pid = handle.status.pid if handle.status else None
                    assert silent_pid is not None
                    assert ffmpeg() == [silent_pid]
                    gone, new, back = await time_a_silence(proxy, state, ffmpeg)
                    detected.append(gone)
                    restarted.append(new)
                    recovered.append(back)
    finally:
        await proxy.stop()
        camera.stop()
    worst = max(restarted)
    emit(
        "P6_silent_stream_detect_and_restart",
        round(worst, 3),
        "s",
        f"<= {TARGET}",
        worst <= TARGET,
        detected_s=[round(t, 3) for t in detected],
        restarted_s=[round(t, 3) for t in restarted],
        back_to_recording_after_resume_s=[round(t, 3) for t in recovered],
        median_restart_s=round(statistics.median(restarted), 3),
        segment_s=SEGMENT,
    )


if __name__ == "__main__":
    asyncio.run(main())
