"""Heldar's one listener mechanism: callbacks told of a change, each with its unsubscribe."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, callback


class Listeners[**P]:
    """Callbacks called, in the order added, every time ``notify`` is."""

    def __init__(self) -> None:
        """Start with no listener."""
        self._callbacks: list[Callable[P, None]] = []

    def __len__(self) -> int:
        """Return how many listeners there are now."""
        return len(self._callbacks)

    @callback
    def add(self, listener: Callable[P, None]) -> CALLBACK_TYPE:
        """Call ``listener`` on every change; returns the unsubscribe callback."""
        self._callbacks.append(listener)
        return lambda: self._callbacks.remove(listener)

    @callback
    def notify(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every listener (one may unsubscribe itself meanwhile)."""
        for listener in list(self._callbacks):
            listener(*args, **kwargs)
