"""Which callbacks spend the event loop's CPU: each one timed, and summed by whose code it is.

Subtracting HA's CPU in the control from HA's CPU with Heldar answers "what did Heldar add",
but at one camera that difference (tenths of a millisecond a second) is smaller than HA's own
drift between windows. Timing each callback the loop runs, and naming its code (a task by its
coroutine, a timer or reader by its function), measures Heldar's share on the loop directly.

The loop calls ``Handle._run`` for every callback, task step and I/O reader; the patch times
that call in the loop thread's CPU clock (``thread_time``), so time the thread spent waiting
for a core is not counted. Work Heldar's code causes in HA (a state write, a dispatcher
signal) is counted as Heldar's, since it runs inside Heldar's callback.
"""

from __future__ import annotations

import asyncio
from asyncio import events
from collections import Counter
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
import functools
import time
from types import CodeType

HELDAR = "custom_components/heldar/"


def _code_of(callback: object) -> tuple[CodeType | None, str]:
    """Return the code a callback runs, and a name for it (a task is named by its coroutine)."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        return code, f"task {getattr(coro, '__qualname__', type(coro).__name__)}"
    target = callback
    while isinstance(target, functools.partial):
        target = target.func
    function = getattr(target, "__func__", target)
    code = getattr(function, "__code__", None)
    return code, getattr(function, "__qualname__", type(function).__name__)


@functools.cache
def _where(filename: str) -> str:
    if HELDAR in filename:
        return "heldar/" + filename.rsplit(HELDAR, 1)[1]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.rsplit(marker, 1)[1].lstrip("/").split("/", 1)[-1]
    return filename.rsplit("/", 1)[-1]


def origin(callback: object) -> str:
    """Name a callback by its file and function: ``heldar/recorder/run.py task Run.go``."""
    code, name = _code_of(callback)
    if code is None:
        return f"builtin {name}"
    return f"{_where(code.co_filename)} {name}"


@dataclass
class CallbackCpu:
    """The loop thread's CPU per callback origin, while active (a context manager)."""

    cpu_ns: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    longest_ns: dict[str, int] = field(default_factory=dict)
    # Heldar's CPU by the second of the window it was spent in, to set beside late wake-ups.
    heldar_by_second: Counter[int] = field(default_factory=Counter)

    @contextlib.contextmanager
    def active(self) -> Iterator[CallbackCpu]:
        """Time every callback the loop runs until the block ends."""
        original = events.Handle._run  # noqa: SLF001 - the one place every callback passes
        cpu_ns, calls, longest = self.cpu_ns, self.calls, self.longest_ns
        by_second = self.heldar_by_second
        clock = time.thread_time_ns
        start = time.monotonic()

        def timed(handle: events.Handle) -> None:
            before = clock()
            try:
                original(handle)
            finally:
                spent = clock() - before
                where = origin(handle._callback)  # noqa: SLF001
                cpu_ns[where] += spent
                calls[where] += 1
                if spent > longest.get(where, 0):
                    longest[where] = spent
                if where.startswith("heldar/"):
                    by_second[int(time.monotonic() - start)] += spent

        events.Handle._run = timed  # type: ignore[method-assign]  # noqa: SLF001
        try:
            yield self
        finally:
            events.Handle._run = original  # type: ignore[method-assign]  # noqa: SLF001

    def heldar_ns(self) -> int:
        """Return the CPU spent in Heldar's callbacks."""
        return sum(ns for where, ns in self.cpu_ns.items() if where.startswith("heldar/"))

    def heldar_ms_by_second(self, threshold_ms: float) -> dict[int, float]:
        """The seconds in which Heldar's callbacks spent more than ``threshold_ms`` of CPU."""
        return {
            second: round(ns / 1e6, 1)
            for second, ns in sorted(self.heldar_by_second.items())
            if ns / 1e6 > threshold_ms
        }

    def top(self, count: int, *, heldar_only: bool = False) -> list[str]:
        """The costliest origins: total ms, calls, the longest call in ms."""
        rows = [
            (ns, where)
            for where, ns in self.cpu_ns.items()
            if not heldar_only or where.startswith("heldar/")
        ]
        return [
            f"{ns / 1e6:.1f} ms in {self.calls[where]} calls (longest "
            f"{self.longest_ns[where] / 1e6:.2f} ms) {where}"
            for ns, where in sorted(rows, reverse=True)[:count]
        ]
