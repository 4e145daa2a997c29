"""Shared helpers for the benchmarks: JSON output, a real Home Assistant, the test camera.

Every benchmark prints one JSON object per metric: ``{"metric", "value", "unit", "target",
"pass", ...}``. ``bench/run`` collects them and writes the table the README quotes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import json
import os
from pathlib import Path
import statistics
import sys
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
async def home_assistant(config_dir: Path) -> AsyncIterator[Any]:
    """Run a real (in-process) Home Assistant with Heldar loadable, as the tests do."""
    from homeassistant import loader  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        async_test_home_assistant,
    )

    async with async_test_home_assistant(config_dir=str(config_dir)) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        try:
            yield hass
        finally:
            await hass.async_stop(force=True)


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
