"""Measuring Home Assistant's event loop from inside it: lag, CPU per thread, slow callbacks.

A window runs a lag probe (a task that sleeps 50 ms over and over and notes how late it
wakes) while it counts this process's CPU, split into the loop's thread and every other
thread (the executor: index writes, scans, ffprobe parsing), and the CPU of given child
processes (the FFmpeg). ``slow_callbacks`` turns on asyncio's debug mode with a 5 ms
threshold for a while and collects what it logs; ``py_spy`` samples this very process.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
import tempfile
import time

from callback_cpu import CallbackCpu
from common import cpu_seconds

PROBE = 0.05
SLOW_CALLBACK = 0.005


def pct(samples: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of ``samples`` by the nearest-rank rule."""
    ordered = sorted(samples)
    return ordered[min(max(round(q * len(ordered)) - 1, 0), len(ordered) - 1)]


def summary(lags_ms: list[float]) -> dict[str, float]:
    """p50, p99 and max of lag samples, in ms."""
    return {
        "p50_ms": round(pct(lags_ms, 0.5), 3),
        "p99_ms": round(pct(lags_ms, 0.99), 3),
        "max_ms": round(max(lags_ms), 3),
        "samples": len(lags_ms),
    }


async def probe_lag(seconds: float, at: list[float] | None = None) -> list[float]:
    """Sleep ``PROBE`` over and over for ``seconds``; return how late each wake-up was (ms).

    ``at``, if given, receives each wake-up's offset from the window's start (s).
    """
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    start = loop.time()
    end = start + seconds
    while loop.time() < end:
        before = loop.time()
        await asyncio.sleep(PROBE)
        lags.append((loop.time() - before - PROBE) * 1000)
        if at is not None:
            at.append(loop.time() - start)
    return lags


def late_seconds(lags_ms: list[float], at: list[float], threshold_ms: float) -> dict[int, int]:
    """Count the wake-ups later than ``threshold_ms`` by the second of the window they fell in.

    Periodic work that every camera does at once shows as a few crowded seconds.
    """
    seconds: Counter[int] = Counter(
        int(t) for lag, t in zip(lags_ms, at, strict=True) if lag > threshold_ms
    )
    return dict(sorted(seconds.items()))


def machine_busy() -> float:
    """Return the CPU seconds every core has spent busy since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Window:
    """One measured window: loop lag, HA CPU (loop thread, other threads), children's CPU."""

    lags_ms: list[float] = field(default_factory=list)
    wall: float = 0.0
    ha: float = 0.0
    loop_thread: float = 0.0
    children: float = 0.0
    machine: float = 0.0  # every process on every core: the noise beside the load
    at: list[float] = field(default_factory=list)  # each lag sample's offset in the window
    lost: int = 0  # child processes that ended during the window (their CPU is undercounted)
    callbacks: CallbackCpu = field(default_factory=CallbackCpu)  # the loop's CPU by whose code

    @classmethod
    async def measure(cls, seconds: float, pids: list[int]) -> Window:
        """Measure for ``seconds``; ``pids`` must live throughout."""
        kids0 = {pid: cpu_seconds(pid) for pid in pids}
        # Called from the loop's thread: thread_time() is the loop's own CPU.
        own0, main0, busy0 = time.process_time(), time.thread_time(), machine_busy()
        wall0 = time.monotonic()
        at: list[float] = []
        callbacks = CallbackCpu()
        with callbacks.active():
            lags = await probe_lag(seconds, at)
        wall = time.monotonic() - wall0
        own, main = time.process_time() - own0, time.thread_time()
        children, lost = 0.0, 0
        for pid in pids:
            try:
                children += cpu_seconds(pid) - kids0[pid]
            except OSError:  # it ended: a restart, which the caller reports
                lost += 1
        machine = machine_busy() - busy0
        return cls(lags, wall, own, main - main0, children, machine, at, lost, callbacks)

    def rates(self) -> dict[str, float]:
        """CPU as percent of a core."""
        return {
            "ha_core_pct": round(self.ha / self.wall * 100, 3),
            "ha_loop_thread_core_pct": round(self.loop_thread / self.wall * 100, 3),
            "children_core_pct": round(self.children / self.wall * 100, 3),
            "machine_busy_core_pct": round(self.machine / self.wall * 100, 1),
            "ffmpeg_ended_in_window": self.lost,
            "heldar_callbacks_core_pct": round(
                self.callbacks.heldar_ns() / 1e9 / self.wall * 100, 4
            ),
        }


def pooled(windows: list[Window]) -> Window:
    """Merge repeated windows of one condition into one."""
    return Window(
        [lag for w in windows for lag in w.lags_ms],
        sum(w.wall for w in windows),
        sum(w.ha for w in windows),
        sum(w.loop_thread for w in windows),
        sum(w.children for w in windows),
        sum(w.machine for w in windows),
        [],
        sum(w.lost for w in windows),
        CallbackCpu(
            sum((w.callbacks.cpu_ns for w in windows), Counter()),
            sum((w.callbacks.calls for w in windows), Counter()),
            {
                where: max(w.callbacks.longest_ns.get(where, 0) for w in windows)
                for w0 in windows
                for where in w0.callbacks.longest_ns
            },
        ),
    )


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def slow_callbacks(seconds: float) -> dict[str, object]:
    """Run asyncio's debug mode (slow callback threshold 5 ms) for ``seconds``; summarise it."""
    loop = asyncio.get_running_loop()
    collect = _Collect()
    logger = logging.getLogger("asyncio")
    logger.addHandler(collect)
    old = loop.slow_callback_duration
    loop.slow_callback_duration = SLOW_CALLBACK
    loop.set_debug(True)
    try:
        await asyncio.sleep(seconds)
    finally:
        loop.set_debug(False)
        loop.slow_callback_duration = old
        logger.removeHandler(collect)
    slow = [line for line in collect.lines if " took " in line]
    took = [float(m.group(1)) for line in slow if (m := re.search(r"took ([\d.]+) seconds", line))]
    where = Counter(re.sub(r" took [\d.]+ seconds", "", line)[:160] for line in slow)
    return {
        "window_s": seconds,
        "threshold_ms": SLOW_CALLBACK * 1000,
        "slow_callbacks": len(slow),
        "longest_ms": round(max(took) * 1000, 1) if took else 0.0,
        "most_frequent": [f"{n}x {text}" for text, n in where.most_common(5)],
    }


def py_spy_bin() -> str | None:
    """Return py-spy's path (installed into the venv from requirements_bench.txt)."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def py_spy(seconds: float) -> dict[str, object]:
    """Sample this process with ``py-spy record`` (all threads, not idle); top functions.

    ``samples`` counts the non-idle samples at 100 Hz: busy threads, per second, roughly.
    ``loop_top`` counts the innermost frames of the loop thread's busy samples, ``others_top``
    those of every other thread: where the CPU goes, and who holds the GIL.
    """
    binary = py_spy_bin()
    if binary is None:
        return {"error": "py-spy is not installed (requirements_bench.txt)"}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "raw.txt"
        argv = [binary, "record", "-p", str(os.getpid()), "-d", f"{seconds:g}", "-r", "100"]
        argv += ["-f", "raw", "--threads", "--nonblocking", "-o", str(out)]
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, err = await process.communicate()
        if process.returncode != 0 or not out.exists():
            return {"error": err.decode(errors="replace")[-300:]}
        text = await asyncio.to_thread(out.read_text)
        if keep := os.environ.get("BENCH_PY_SPY_DIR"):  # the raw stacks, for a closer look
            await asyncio.to_thread(shutil.copy, out, Path(keep) / f"py-spy-{time.time():.0f}.txt")
    main_thread = f"thread ({os.getpid()})"
    loop_top: Counter[str] = Counter()
    others_top: Counter[str] = Counter()
    loop_samples = other_samples = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        count = int(count_text)
        # ``--threads`` puts "thread (<tid>): <name>" first; the loop runs in the main thread.
        if frames[0].startswith(main_thread):
            loop_samples += count
            loop_top[_heldar_or_leaf(frames)] += count
        else:
            other_samples += count
            name = re.sub(r"[_\d]+$", "", frames[0].partition(": ")[2])
            others_top[f"[{name}] {_heldar_or_leaf(frames[1:] or frames)}"] += count
    return {
        "seconds": seconds,
        "rate_hz": 100,
        "loop_thread_busy_samples": loop_samples,
        "other_threads_busy_samples": other_samples,
        "loop_top": [f"{n} {k}" for k, n in loop_top.most_common(8)],
        "others_top": [f"{n} {k}" for k, n in others_top.most_common(8)],
    }


def _short(frame: str) -> str:
    return re.sub(r"\S*/(site-packages|python3\.\d+)/", "", frame)


def _heldar_or_leaf(frames: list[str]) -> str:
    """Name the innermost Heldar frame if there is one (who asked), else the leaf."""
    heldar = [f for f in frames if "custom_components/heldar" in f]
    if heldar:
        return (
            "heldar "
            + heldar[-1].split("custom_components/heldar/")[-1]
            + " <- "
            + _short(frames[-1])
        )
    return _short(frames[-1])
