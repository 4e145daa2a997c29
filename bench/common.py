"""Shared helpers for the benchmarks: JSON output, a real Home Assistant, the test camera.

Every benchmark prints one JSON object per metric: ``{"metric", "value", "unit", "target",
"pass", ...}``. ``bench/run`` collects them and writes the table the README quotes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import json
import os
from pathlib import Path
import statistics
import sys
import time
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentryData
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.heldar.camera_handle import CameraHandle
    from tests.proxy import SilenceableProxy


def emit(
    metric: str,
    value: float | None,
    unit: str,
    target: str,
    passed: bool | None,  # noqa: FBT001 - the record's own field
    **extra: object,
) -> None:
    """Print one metric as a JSON line."""
    record: dict[str, object] = {
        "metric": metric,
        "value": value,
        "unit": unit,
        "target": target,
        "pass": passed,
    }
    record.update(extra)
    print(json.dumps(record), flush=True)


def median_ms(samples: list[float]) -> float:
    """Return the median of ``samples`` (seconds) in milliseconds."""
    return round(statistics.median(samples) * 1000, 3)


def cpu_seconds(pid: int) -> float:
    """Return a process's user+system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@contextlib.asynccontextmanager
async def home_assistant(config_dir: Path) -> AsyncIterator[HomeAssistant]:
    """Run a real (in-process) Home Assistant with Heldar loadable, as the tests do."""
    from homeassistant import loader  # noqa: PLC0415
    from homeassistant.core import CoreState  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        async_test_home_assistant,
    )

    async with async_test_home_assistant(config_dir=str(config_dir)) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        try:
            yield hass
        finally:
            if hass.state is not CoreState.not_running:  # a benchmark may stop it itself
                await hass.async_stop(force=True)


@contextlib.asynccontextmanager
async def heldar_hub(
    hass: HomeAssistant, storage: Path, *cameras: ConfigSubentryData
) -> AsyncIterator[MockConfigEntry]:
    """Set up HA's ffmpeg integration and a Heldar hub with ``cameras`` (camera subentries).

    The entry is the one the tests use (``tests.common.hub_entry``), so what is measured is
    the same code path a user's config entry takes.
    """
    from homeassistant.config_entries import ConfigEntryState  # noqa: PLC0415
    from homeassistant.core import CoreState  # noqa: PLC0415
    from homeassistant.setup import async_setup_component  # noqa: PLC0415

    from tests.common import hub_entry  # noqa: PLC0415

    assert await async_setup_component(hass, "ffmpeg", {})
    await asyncio.to_thread(storage.mkdir, parents=True, exist_ok=True)
    entry = hub_entry(storage, *cameras)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    try:
        yield entry
    finally:
        if entry.state is ConfigEntryState.LOADED and hass.state is CoreState.running:
            await hass.config_entries.async_unload(entry.entry_id)


def camera_handles(entry: MockConfigEntry) -> list[CameraHandle]:
    """Return the hub's cameras (``CameraHandle``) in subentry order."""
    return list(entry.runtime_data.cameras.values())


def ffmpeg_pids(entry: MockConfigEntry) -> list[int]:
    """Return the pids of the recording FFmpeg processes Heldar reports right now."""
    return [
        camera.status.pid
        for camera in camera_handles(entry)
        if camera.status is not None and camera.status.pid is not None
    ]


async def wait_until(predicate: Callable[[], bool], limit: float, step: float = 0.05) -> float:
    """Wait until ``predicate()`` is true; return the monotonic time it first was."""
    async with asyncio.timeout(limit):
        while not predicate():
            await asyncio.sleep(step)
    return time.monotonic()


def all_states(entry: MockConfigEntry, state: str) -> bool:
    """Whether every camera of ``entry`` reports ``state``."""
    return all(
        camera.status is not None and camera.status.state == state
        for camera in camera_handles(entry)
    )


class CpuMeter:
    """CPU seconds used by this process and by a set of child processes over a window."""

    def __init__(self) -> None:
        """Nothing measured yet."""
        self.own = 0.0
        self.children = 0.0
        self.wall = 0.0

    def begin(self, pids: list[int]) -> None:
        """Start a window over this process and ``pids``."""
        self._pids = list(pids)
        self._own0 = time.process_time()
        self._kids0 = {pid: cpu_seconds(pid) for pid in self._pids}
        self._wall0 = time.monotonic()

    def end(self) -> None:
        """Close the window; the pids must still be alive."""
        self.own = time.process_time() - self._own0
        self.children = sum(cpu_seconds(pid) - self._kids0[pid] for pid in self._pids)
        self.wall = time.monotonic() - self._wall0


class Stopwatch:
    """Measure wall time of a block."""

    def __enter__(self) -> Stopwatch:  # noqa: PYI034
        """Start."""
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_: object) -> None:
        """Stop."""
        self.seconds = time.perf_counter() - self.start


def rss_bytes(pid: int | str = "self") -> int:
    """Return a process's resident set size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def time_a_silence(
    proxy: SilenceableProxy, state: Callable[[], str | None], ffmpeg: Callable[[], list[int]]
) -> tuple[float, float, float]:
    """Silence ``proxy`` while its camera records; return (detected, restarted, back) in s.

    From the silence: the recorder-state sensor leaves ``recording`` (``state``) and a new
    FFmpeg (``ffmpeg`` lists the camera's) exists; then, from the proxy forwarding again, the
    sensor shows ``recording`` again.
    """
    before = ffmpeg()
    proxy.silence()
    start = time.monotonic()
    gone = await wait_until(lambda: state() != "recording", 60, step=0.01)
    new = await wait_until(lambda: any(pid not in before for pid in ffmpeg()), 60, step=0.01)
    proxy.resume()
    resumed = time.monotonic()
    back = await wait_until(lambda: state() == "recording", 60, step=0.01)
    return gone - start, new - start, back - resumed
