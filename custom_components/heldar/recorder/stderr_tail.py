"""A bounded tail of FFmpeg's stderr.

FFmpeg can be chatty for days on a flaky stream; only the last few kilobytes explain why it
exited, so the buffer is capped in bytes rather than lines.
"""

from __future__ import annotations

STDERR_TAIL_CAP = 8192
LAST_ERROR_CHARS = 800


class StderrTail:
    """Keep the last ``cap`` bytes written to it."""

    __slots__ = ("_buffer", "_cap")

    def __init__(self, cap: int = STDERR_TAIL_CAP) -> None:
        """Create an empty tail holding at most ``cap`` bytes."""
        self._cap = cap
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> None:
        """Append ``chunk``, dropping the oldest bytes beyond the cap."""
        self._buffer += chunk
        if (excess := len(self._buffer) - self._cap) > 0:
            del self._buffer[:excess]

    def __len__(self) -> int:
        """Return the number of bytes held."""
        return len(self._buffer)

    def text(self) -> str:
        """Return the tail as text, undecodable bytes replaced, surrounding blanks removed."""
        return self._buffer.decode("utf-8", errors="replace").strip()


def summarize(text: str, limit: int = LAST_ERROR_CHARS) -> str:
    """Keep the last ``limit`` characters of ``text``, cut at a line start where possible.

    The last lines of FFmpeg's output name the reason it stopped; the first are usually
    repeated warnings.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    newline = tail.find("\n")
    if 0 <= newline < len(tail) - 1:
        tail = tail[newline + 1 :]
    return tail
