"""The files someone is reading right now, which retention must leave alone.

A player streaming a segment, a share link sending a clip and an export joining a range all
hold their files for as long as they read them; retention asks before it deletes. One counter
per hub, so two readers of one file keep it until the last lets go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class FilesInUse:
    """How many readers hold each file; a file is in use while any does."""

    def __init__(self) -> None:
        """Start with nothing held."""
        self._holders: Counter[Path] = Counter()

    @contextmanager
    def hold(self, paths: Iterable[Path]) -> Iterator[None]:
        """Hold ``paths`` for the ``with`` block: released however it ends, cancelled too."""
        held = list(paths)
        self._holders.update(held)
        try:
            yield
        finally:
            self._holders.subtract(held)
            for path in held:
                if self._holders[path] <= 0:
                    del self._holders[path]

    def __contains__(self, path: object) -> bool:
        """Whether some reader holds ``path`` now."""
        return path in self._holders

    def __iter__(self) -> Iterator[Path]:
        """Iterate over the files held now."""
        return iter(list(self._holders))

    def __len__(self) -> int:
        """Return how many files are held now."""
        return len(self._holders)
