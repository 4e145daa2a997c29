"""The last N values of a series with their median and spread, for robust baselines."""

from __future__ import annotations

import bisect
from collections import deque

MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation per median absolute deviation


class Rolling:
    """The last ``size`` values, kept in arrival order and sorted.

    Median and MAD rather than mean and standard deviation: a baseline must not move because
    one value in it was an outlier (a burst of activity that slipped in).
    """

    __slots__ = ("_order", "_size", "_sorted")

    def __init__(self, size: int) -> None:
        """Keep at most ``size`` values."""
        self._size = size
        self._order: deque[float] = deque()
        self._sorted: list[float] = []

    def __len__(self) -> int:
        """Return how many values are held."""
        return len(self._order)

    def add(self, value: float) -> None:
        """Add a value, forgetting the oldest one if full."""
        if len(self._order) == self._size:
            old = self._order.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]
        self._order.append(value)
        bisect.insort(self._sorted, value)

    def clear(self) -> None:
        """Forget every value."""
        self._order.clear()
        self._sorted.clear()

    def median(self) -> float:
        """Return the median (the series must not be empty)."""
        values = self._sorted
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

    def sigma(self) -> float:
        """Return the standard deviation the median absolute deviation implies."""
        centre = self.median()
        deviations = sorted(abs(value - centre) for value in self._sorted)
        return MAD_TO_SIGMA * deviations[len(deviations) // 2]
