"""Trigger storm: a chattering sensor, 20 heldar.trigger calls a second for 60 s on 8 cameras.

The cameras record on events with a pre-roll, so each runs one FFmpeg throughout (checked).
Three phases in one HA, each followed by the post-roll so every window it opened has closed:

- *quiet*: no trigger (the control: what HA and the 8 FFmpeg cost anyway);
- *slow*: one call a second: the same windows (one per camera), 20 times fewer triggers;
- *storm*: 20 calls a second.

Per phase: HA's CPU, the loop-lag probe, Heldar's log lines (INFO and up), the window changes
(a camera's trigger window opening or closing) and the files HA's process opened for writing
(an audit hook on ``open``, split into Heldar's storage, HA's config and the rest), with
``/proc/self/io`` beside it. ``storm_disk_writes_per_window_change`` is the storm's file writes,
net of the quiet phase's rate, per window change; the target is that it does not grow with the
number of triggers: the storm writes no more than the slow phase (x 1.5, + 8).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import re
import sys
import tempfile
import time

from common import camera_handles, emit, ffmpeg_pids, heldar_hub, home_assistant, wait_until
from loopstats import Window, py_spy, summary

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    DOMAIN,
)
from tests.common import camera_subentry
from tests.media import RtspCamera

CAMERAS = 8
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Writes:
    """Count the files this process opens for writing, by where they are (an audit hook)."""

    def __init__(self, storage: Path, config: Path) -> None:
        """Count from now on (audit hooks cannot be removed: ``active`` turns it off)."""
        self.storage = str(storage)
        self.config = str(config)
        self.counts: Counter[str] = Counter()
        self.patterns: Counter[str] = Counter()
        self.active = True
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not self.active:
            return
        path, mode, flags = args
        if isinstance(path, int):  # a descriptor wrapped (a pipe, mkstemp's file): no new open
            return
        writing = (
            any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & WRITE_FLAGS)  # type: ignore[operator]
        )
        if not writing:
            return
        where = str(path)
        if where.startswith(self.storage):
            kind = "heldar_storage"
            where = where.removeprefix(self.storage)
        elif where.startswith(self.config):
            kind = "ha_config"
            where = where.removeprefix(self.config)
        else:
            kind = "other"
        self.counts[kind] += 1
        self.patterns[re.sub(r"\d+", "#", where)[-70:]] += 1


def proc_io() -> dict[str, int]:
    """Return this process's /proc/self/io counters."""
    pairs = (line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return {key: int(value) for key, value in pairs}


class LogCount(logging.Handler):
    """Count Heldar's log records by level."""

    def __init__(self) -> None:
        """Count everything that reaches it."""
        super().__init__(logging.INFO)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        self.counts[record.levelname] += 1


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    triggers: int = 0
    opens: int = 0
    closes: int = 0
    window: Window = field(default_factory=Window)
    writes: Counter[str] = field(default_factory=Counter)
    patterns: Counter[str] = field(default_factory=Counter)
    spy: dict[str, object] = field(default_factory=dict)
    io: dict[str, int] = field(default_factory=dict)
    logs: Counter[str] = field(default_factory=Counter)

    @property
    def changes(self) -> int:
        """Window changes: opens and closes."""
        return self.opens + self.closes

    @property
    def heldar_writes(self) -> int:
        """Files opened for writing outside HA's own config (Heldar's storage and the rest)."""
        return self.writes["heldar_storage"] + self.writes["other"]


async def phase(
    name: str,
    hass: object,
    entry: object,
    rate: float,
    args: argparse.Namespace,
    writes: Writes,
    logs: LogCount,
) -> Phase:
    """Trigger ``rate`` times a second for ``args.seconds`` (0: none), then wait out the windows."""
    from homeassistant.core import HomeAssistant  # noqa: PLC0415

    assert isinstance(hass, HomeAssistant)
    result = Phase(name)
    handles = camera_handles(entry)  # type: ignore[arg-type]
    sensors = [f"sensor.{handle.config.slug}_recorder_state" for handle in handles]
    active = dict.fromkeys(sensors, False)

    def poll() -> None:
        now = time.time()
        for sensor, handle in zip(sensors, handles, strict=True):
            end = handle.status.window_end if handle.status else None
            is_active = end is not None and end.timestamp() > now
            if is_active != active[sensor]:
                if is_active:
                    result.opens += 1
                else:
                    result.closes += 1
                active[sensor] = is_active

    async def chatter() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        tick = 0
        while rate and (at := start + tick / rate) < start + args.seconds:
            await asyncio.sleep(max(at - loop.time(), 0))
            await hass.services.async_call(
                DOMAIN, "trigger", {"entity_id": sensors, "reason": "chatter"}, blocking=True
            )
            result.triggers += 1
            tick += 1
        await asyncio.sleep(max(start + args.seconds - loop.time(), 0))
        # The post-roll runs out, every window closes.
        await asyncio.sleep(args.post_roll + 3)

    async def watch() -> None:
        while True:
            poll()
            await asyncio.sleep(0.1)

    writes.counts.clear()
    writes.patterns.clear()
    logs.counts.clear()
    io0 = proc_io()
    watcher = asyncio.create_task(watch())
    trigger = asyncio.create_task(chatter())
    pids = ffmpeg_pids(entry)  # type: ignore[arg-type]
    spy = asyncio.create_task(py_spy(args.seconds)) if args.diagnose and rate else None
    result.window = await Window.measure(args.seconds + args.post_roll + 3, pids)
    await trigger
    if spy is not None:
        result.spy = await spy
    watcher.cancel()
    poll()
    assert ffmpeg_pids(entry) == pids, f"{name}: an FFmpeg was replaced; one per camera throughout"  # type: ignore[arg-type]
    collect(result, io0, writes, logs)
    print(f"# {name}: {describe(result, args)}", file=sys.stderr, flush=True)
    return result


def collect(result: Phase, io0: dict[str, int], writes: Writes, logs: LogCount) -> None:
    """Copy the counters a phase ran up into its result."""
    result.io = {key: value - io0[key] for key, value in proc_io().items()}
    result.writes = Counter(writes.counts)
    result.patterns = Counter(writes.patterns)
    result.logs = Counter(logs.counts)


def describe(result: Phase, args: argparse.Namespace) -> dict[str, object]:
    """Everything a phase measured, for the record."""
    return {
        "files_written_most": [f"{n}x {p}" for p, n in result.patterns.most_common(6)],
        "py_spy_during_triggers": result.spy,
        "triggers": result.triggers,
        "trigger_calls_per_s": round(result.triggers / args.seconds, 2),
        "window_opens": result.opens,
        "window_closes": result.closes,
        "files_opened_for_writing": dict(result.writes),
        "proc_io": {k: result.io[k] for k in ("wchar", "syscw", "write_bytes")},
        "log_lines": dict(result.logs),
        "lag": summary(result.window.lags_ms),
        "cpu": result.window.rates(),
        "wall_s": round(result.window.wall, 1),
    }


async def storm(args: argparse.Namespace) -> tuple[Phase, Phase, Phase]:
    """Run the three phases on one hub."""
    camera = RtspCamera()
    camera.start()
    logs = LogCount()
    heldar_log = logging.getLogger("custom_components.heldar")
    heldar_log.setLevel(logging.INFO)
    heldar_log.addHandler(logs)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            storage = root / "rec"
            writes = Writes(storage, root / "config")
            cameras = [
                camera_subentry(
                    f"Storm {i}",
                    f"{camera.url}?storm={i}",
                    segment_seconds=60,
                    **{
                        CONF_RECORD_MODE: "event",
                        CONF_PRE_ROLL_SECONDS: 10,
                        CONF_POST_ROLL_SECONDS: args.post_roll,
                    },
                )
                for i in range(CAMERAS)
            ]
            async with (
                home_assistant(root / "config") as hass,
                heldar_hub(hass, storage, *cameras) as entry,
            ):
                await wait_until(lambda: len(ffmpeg_pids(entry)) == CAMERAS, 120)
                await asyncio.sleep(args.settle)
                quiet = await phase("quiet", hass, entry, 0, args, writes, logs)
                slow = await phase("slow", hass, entry, 1, args, writes, logs)
                loud = await phase("storm", hass, entry, args.rate, args, writes, logs)
            writes.active = False
    finally:
        heldar_log.removeHandler(logs)
        camera.stop()
    return quiet, slow, loud


def report(quiet: Phase, slow: Phase, loud: Phase, args: argparse.Namespace) -> None:
    """Emit the storm's records."""

    def net(result: Phase) -> float:
        return result.heldar_writes - quiet.heldar_writes * result.window.wall / quiet.window.wall

    storm_net, slow_net = net(loud), net(slow)
    per_change = storm_net / max(loud.changes, 1)
    emit(
        "storm_disk_writes_per_window_change",
        round(per_change, 2),
        "files/change",
        "O(1): storm writes <= 1.5 x slow-phase writes + 8 (same windows, 20x fewer triggers)",
        storm_net <= 1.5 * slow_net + 8,
        storm_net_writes=round(storm_net, 1),
        slow_net_writes=round(slow_net, 1),
        storm_writes_per_trigger_call=round(storm_net / max(loud.triggers, 1), 4),
        cameras=CAMERAS,
        rate_per_s=args.rate,
        seconds=args.seconds,
        post_roll_s=args.post_roll,
        note="writes: files HA's process opened for writing outside HA's config (audit hook)",
        quiet=describe(quiet, args),
        slow=describe(slow, args),
        storm=describe(loud, args),
    )
    cpu_added = (loud.window.ha / loud.window.wall - quiet.window.ha / quiet.window.wall) * 100
    emit(
        "storm_ha_cpu_added_core_pct",
        round(cpu_added, 3),
        "% of a core",
        "-",
        None,
        per_trigger_call_ms=round(
            (loud.window.ha - quiet.window.ha * loud.window.wall / quiet.window.wall)
            / max(loud.triggers, 1)
            * 1000,
            3,
        ),
        lag_p99_storm_ms=summary(loud.window.lags_ms)["p99_ms"],
        lag_p99_quiet_ms=summary(quiet.window.lags_ms)["p99_ms"],
        log_lines_storm=dict(loud.logs),
        log_lines_quiet=dict(quiet.logs),
    )


def main() -> None:
    """Parse the options, storm, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--post-roll", type=int, default=10)
    parser.add_argument("--settle", type=float, default=20.0)
    parser.add_argument("--diagnose", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    report(*asyncio.run(storm(args)), args)


if __name__ == "__main__":
    main()
